"""360 reviews, read. `restrict` before every fetch; out of scope answers 404.

Results leave the app only as aggregates per (reviewee, relation): the number of
responses, and the mean score and per-question means only when the group has at least
the round's `min_responses` (anonymity; self reviews, one by nature, show to the
reviewee and their managers). No reviewer's name or date is ever part of a result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.feedback.models import (
    RESULT_READERS,
    ROUND_MANAGERS,
    FeedbackRound,
    Invitation,
    Relation,
    Response,
    RoundStatus,
)
from rmperf.org.models import OrgUnit, Staff

CENT = Decimal("0.01")


def rounds(*, actor: Actor) -> QuerySet[FeedbackRound]:
    """The rounds the actor may see, newest first."""
    return (
        FeedbackRound.objects.restrict(actor, Action.VIEW)
        .select_related("unit")
        .distinct()
        .order_by("-opened_at", "-pk")
    )


def round_get(*, actor: Actor, round_id: int, action: Action = Action.VIEW) -> FeedbackRound:
    found: FeedbackRound | None = (
        FeedbackRound.objects.restrict(actor, action)
        .select_related("unit")
        .filter(pk=round_id)
        .distinct()
        .first()
    )
    if found is None:
        raise Http404
    return found


def may_manage_rounds(actor: Actor) -> bool:
    scope = scope_of(actor)
    return (
        scope is not None
        and not scope.read_only
        and (scope.superuser or scope.role in ROUND_MANAGERS)
    )


def units_to_open(*, actor: Actor) -> QuerySet[OrgUnit]:
    """The units the actor may open a round over (their subtree; HR: every unit)."""
    if not may_manage_rounds(actor):
        return OrgUnit.objects.none()
    return OrgUnit.objects.restrict(actor, Action.VIEW).order_by("path")


def invitations_pending(*, actor: Actor) -> QuerySet[Invitation]:
    """The actor's own invitations of open rounds not yet answered."""
    return (
        Invitation.objects.restrict(actor, Action.CHANGE)
        .filter(round__status=RoundStatus.OPEN, response__isnull=True)
        .select_related("round", "reviewee")
        .order_by("round_id", "relation", "reviewee_id")
    )


def invitation_get(*, actor: Actor, invitation_id: int) -> Invitation:
    """One of the actor's own invitations (any other: 404)."""
    scope = scope_of(actor)
    found: Invitation | None = (
        Invitation.objects.restrict(actor, Action.CHANGE)
        .select_related("round", "reviewee")
        .filter(pk=invitation_id)
        .first()
    )
    if found is None or scope is None or found.reviewer_id != scope.staff_id:
        raise Http404
    return found


def invitation_answered(invitation: Invitation) -> bool:
    return Response.objects.filter(invitation=invitation).exists()


def questions(round_: FeedbackRound, relation: str) -> list[dict[str, Any]]:
    """The round's questions of a relation: [{id, text: {zh, en}}]."""
    found: list[dict[str, Any]] = round_.questionnaire["questionnaires"][relation]
    return found


@dataclass(frozen=True)
class Participation:
    invited: int
    answered: int


def participation(*, round_: FeedbackRound) -> Participation:
    inv = Invitation.objects.filter(round=round_)
    return Participation(inv.count(), inv.filter(response__isnull=False).count())


@dataclass(frozen=True)
class ResultRow:
    """One reviewee's aggregate of one relation; `shown` False: fewer responses than
    the threshold, and then `score` and `questions` are None."""

    staff_id: str
    name: str
    relation: str
    responses: int
    shown: bool
    score: Decimal | None
    questions: dict[str, Decimal] | None


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def _visible_reviewees(actor: Actor, round_: FeedbackRound) -> set[str] | None:
    """None: every reviewee of the round; else the staff ids the actor may read."""
    scope = scope_of(actor)
    if scope is None:
        raise Http404
    if scope.superuser or scope.everything:
        return None
    if scope.role in RESULT_READERS and scope.unit_path:
        return set(
            Staff.objects.restrict(actor, Action.VIEW)
            .filter(unit__path__startswith=scope.unit_path)
            .values_list("staff_id", flat=True)
        )
    return {scope.staff_id} if scope.staff_id else set()


def round_results(*, actor: Actor, round_id: int) -> tuple[FeedbackRound, list[ResultRow]]:
    """The aggregates the actor may read: managers those of their scope, a person their
    own. Out of scope: 404. The same rows feed the page, the API and the export."""
    round_ = round_get(actor=actor, round_id=round_id)
    visible = _visible_reviewees(actor, round_)
    threshold = round_.min_responses
    answers = Response.objects.filter(invitation__round=round_).select_related(
        "invitation__reviewee"
    )
    if visible is not None:
        answers = answers.filter(invitation__reviewee_id__in=visible)
    groups: dict[tuple[str, str], list[Response]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in answers:
        inv = r.invitation
        groups[(inv.reviewee_id, inv.relation)].append(r)
        names[inv.reviewee_id] = inv.reviewee.name
    order = {rel.value: i for i, rel in enumerate(Relation)}
    rows: list[ResultRow] = []
    for (staff_id, relation), found in sorted(
        groups.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])
    ):
        shown = relation == Relation.SELF or len(found) >= threshold
        per_q: dict[str, list[Decimal]] = defaultdict(list)
        for r in found:
            for qid, value in r.answers.items():
                per_q[qid].append(Decimal(value))
        rows.append(
            ResultRow(
                staff_id=staff_id,
                name=names[staff_id],
                relation=relation,
                responses=len(found),
                shown=shown,
                score=_mean([Decimal(r.score) for r in found]) if shown else None,
                questions={q: _mean(v) for q, v in sorted(per_q.items())} if shown else None,
            )
        )
    return round_, rows


def export_rows(rows: list[ResultRow]) -> list[list[str]]:
    """The export: one line per (reviewee, relation); hidden groups carry no score."""
    out = [["staff_id", "name", "relation", "responses", "shown", "score"]]
    for r in rows:
        out.append(
            [
                r.staff_id,
                r.name,
                r.relation,
                str(r.responses),
                "yes" if r.shown else "no",
                "" if r.score is None else f"{r.score:.2f}",
            ]
        )
    return out
