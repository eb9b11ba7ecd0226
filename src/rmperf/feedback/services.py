"""360 reviews, written: open a round, answer an invitation, close a round (which pushes
its peer results into scoring through `performance.services.feedback`).

Each write is one durable transaction with its audit event; out of scope answers 404.
Audit events of answers name the invitation, never the score or the answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.feedback import FeedbackPolicy, response_score
from rmperf.engine.periods import Period
from rmperf.feedback.models import FeedbackRound, Invitation, Relation, Response, RoundStatus
from rmperf.feedback.selectors import may_manage_rounds, round_get
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.services.feedback import FeedbackInput, feedback_entries_replace
from rmperf.performance.services.periods import PerformanceError
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force


class FeedbackError(Exception):
    """A refused step, with a message for the user."""


def _user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _quarter(text: str) -> Period:
    try:
        period = Period.parse((text or "").strip().upper())
    except ValueError:
        period = None
    if period is None or period.kind != "quarter":
        raise FeedbackError(_("A round is for a quarter, e.g. 2026Q3: %(p)s.") % {"p": text})
    return period


def _branch_of(unit: OrgUnit, units: Mapping[str, OrgUnit]) -> str:
    """The id of the unit's nearest branch (itself or an ancestor); else its own id."""
    cur: OrgUnit | None = unit
    while cur is not None:
        if cur.kind == "branch":
            return cur.unit_id
        cur = units.get(cur.parent_id) if cur.parent_id else None
    return unit.unit_id


def _invitations(unit: OrgUnit) -> list[tuple[str, str, str]]:
    """(reviewer, reviewee, relation) for the staff of the unit's subtree: every RM a
    self review; every RM the other RMs of their branch (peer); every RM their team
    leader(s), the team leaders of the RM's own unit (upward)."""
    staff = list(
        Staff.objects.filter(unit__path__startswith=unit.path, role__in=("rm", "team_leader"))
        .select_related("unit")
        .order_by("staff_id")
    )
    units = {u.unit_id: u for u in OrgUnit.objects.all()}
    rms = [s for s in staff if s.role == "rm"]
    leaders = [s for s in staff if s.role == "team_leader"]
    out: list[tuple[str, str, str]] = []
    for rm in rms:
        out.append((rm.staff_id, rm.staff_id, Relation.SELF))
        branch = _branch_of(rm.unit, units)
        for other in rms:
            if other.staff_id != rm.staff_id and _branch_of(other.unit, units) == branch:
                out.append((other.staff_id, rm.staff_id, Relation.PEER))
        for leader in leaders:
            if leader.unit_id == rm.unit_id:
                out.append((rm.staff_id, leader.staff_id, Relation.UPWARD))
    return out


def round_open(*, actor: Actor, unit_id: str, period: str, title: str) -> FeedbackRound:
    """Open a round over a unit of the actor's scope (HR, branch managers) for a quarter,
    with the 360 questionnaire policy in force; invites everyone at once."""
    if not may_manage_rounds(actor):
        raise Http404
    if not (unit_id or "").strip():
        raise FeedbackError(_("Choose a unit."))
    unit = OrgUnit.objects.restrict(actor, Action.VIEW).filter(unit_id=unit_id).first()
    if unit is None:
        raise Http404
    quarter = _quarter(period)
    title = (title or "").strip()
    if not title:
        raise FeedbackError(_("A round needs a title."))
    version, loaded = policy_in_force(PolicyKind.FEEDBACK)
    policy: FeedbackPolicy = loaded.policy
    pairs = _invitations(unit)
    if not any(rel == Relation.PEER for _r, _e, rel in pairs):
        raise FeedbackError(_("Nobody in this unit has a peer to review: pick a larger unit."))
    with transaction.atomic(durable=True):
        round_ = FeedbackRound(
            title=title,
            unit=unit,
            period=quarter.key,
            questionnaire=policy.model_dump(mode="json"),
            policy=version,
            policy_label=version.run_label,
            opened_by=_user(actor),
            opened_at=timezone.now(),
        )
        round_.full_clean()
        round_.save()
        Invitation.objects.bulk_create(
            Invitation(round=round_, reviewer_id=r, reviewee_id=e, relation=rel)
            for r, e, rel in pairs
        )
        audit_record(
            actor=actor,
            verb="feedback.round.open",
            object_type="feedback.round",
            object_id=str(round_.pk),
            after={
                "title": title,
                "unit": unit.unit_id,
                "period": quarter.key,
                "invitations": len(pairs),
                "policy": round_.policy_label,
            },
        )
    return round_


def response_submit(*, actor: Actor, invitation_id: int, answers: Mapping[str, Any]) -> Response:
    """The reviewer's answers to their invitation (one each question, on the scale);
    once only, while the round is open."""
    from rmperf.feedback.selectors import invitation_get

    invitation = invitation_get(actor=actor, invitation_id=invitation_id)
    round_ = invitation.round
    policy = FeedbackPolicy.model_validate(round_.questionnaire)
    wanted = [q["id"] for q in round_.questionnaire["questionnaires"][invitation.relation]]
    clean: dict[str, int] = {}
    for qid in wanted:
        raw = answers.get(qid)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise FeedbackError(_("Question %(q)s needs an answer.") % {"q": qid}) from None
        if not policy.scale.min <= value <= policy.scale.max:
            raise FeedbackError(
                _("The answer to %(q)s must be between %(lo)s and %(hi)s.")
                % {"q": qid, "lo": policy.scale.min, "hi": policy.scale.max}
            )
        clean[qid] = value
    extra = sorted(set(answers) - set(wanted))
    if extra:
        raise FeedbackError(_("Unknown question(s): %(q)s.") % {"q": ", ".join(extra)})
    with transaction.atomic(durable=True):
        locked = FeedbackRound.objects.select_for_update().get(pk=round_.pk)
        if locked.status != RoundStatus.OPEN:
            raise FeedbackError(_("This round is closed."))
        if Response.objects.filter(invitation=invitation).exists():
            raise FeedbackError(_("You have already answered this review."))
        response = Response(
            invitation=invitation,
            answers=clean,
            score=response_score(policy, clean),
            submitted_at=timezone.now(),
        )
        response.full_clean()
        response.save()
        # No score and no answers in the audit event: it names who answered which
        # invitation, as the invitation itself does.
        audit_record(
            actor=actor,
            verb="feedback.response.submit",
            object_type="feedback.invitation",
            object_id=str(invitation.pk),
            after={"round": round_.pk, "relation": invitation.relation},
        )
    return response


def _scoring_rows(round_: FeedbackRound) -> list[FeedbackInput]:
    """Each response of a fed relation (policy `feeds`) of a reviewee with at least the
    threshold of responses: one row of the fed kind, dated on the quarter's last day."""
    feeds: dict[str, str] = round_.questionnaire.get("feeds", {})
    end = Period.parse(round_.period).end
    groups: dict[tuple[str, str], list[Response]] = defaultdict(list)
    for r in Response.objects.filter(invitation__round=round_).select_related("invitation"):
        if r.invitation.relation in feeds:
            groups[(r.invitation.reviewee_id, r.invitation.relation)].append(r)
    rows: list[FeedbackInput] = []
    for (staff_id, relation), found in sorted(groups.items()):
        if len(found) < round_.min_responses:
            continue  # anonymity: too few to show, too few to score
        rows.extend(
            FeedbackInput(staff_id, feeds[relation], end, r.score)
            for r in sorted(found, key=lambda r: r.score)
        )
    return rows


def round_close(*, actor: Actor, round_id: int) -> FeedbackRound:
    """Close an open round (HR, the branch manager over its unit) and record its peer
    results for scoring (`performance.services.feedback`), in one transaction. Refused
    when the quarter's performance period is already closed."""
    if not may_manage_rounds(actor):
        raise Http404
    round_get(actor=actor, round_id=round_id, action=Action.CHANGE)
    with transaction.atomic(durable=True):
        round_: FeedbackRound = FeedbackRound.objects.select_for_update().get(pk=round_id)
        if round_.status != RoundStatus.OPEN:
            raise FeedbackError(_("This round is closed."))
        rows = _scoring_rows(round_)
        try:
            fed = feedback_entries_replace(
                actor=actor,
                source=f"round-{round_.pk}",
                rows=rows,
                on=Period.parse(round_.period).end,
            )
        except PerformanceError as exc:
            raise FeedbackError(str(exc)) from None
        round_.status = RoundStatus.CLOSED
        round_.closed_by = _user(actor)
        round_.closed_at = timezone.now()
        round_.save(update_fields=["status", "closed_by", "closed_at"])
        audit_record(
            actor=actor,
            verb="feedback.round.close",
            object_type="feedback.round",
            object_id=str(round_.pk),
            before={"status": RoundStatus.OPEN},
            after={"status": RoundStatus.CLOSED, "scoring_rows": fed},
        )
    return round_
