"""Talks and 述职 panels, written (DOMAIN §7; docs/reviews.md).

Who may do what:
- a talk: the RM's team leader or branch manager records it once the quarter's ratings
  are confirmed (and may correct it until the RM acknowledges); the RM acknowledges it,
  with a comment if they like;
- a 述职: the RM writes the report and attaches files (size- and content-checked) and
  submits it; HR (bank-wide) or the RM's branch manager appoints the panel (policy rules,
  conflicts refused with the reason) and closes it; a member scores privately or
  declares a conflict; closing fills the card's manual line through performance's
  `manual_panel_fill`, in the same transaction.
Every write is one durable transaction with its audit event. Out of scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, Scope, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.reviews import ReviewsPolicy, panel_score, trimmed
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import CONFIRMED_STATUSES, PerfPeriod, PeriodKind
from rmperf.performance.services.manual import manual_panel_fill, parse_score
from rmperf.performance.services.periods import PerformanceError, actor_label, actor_user
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force
from rmperf.reviews.filetypes import sniff
from rmperf.reviews.models import (
    LEAD_ROLES,
    Attachment,
    PanelMember,
    PanelScore,
    ReviewKind,
    ReviewStatus,
    SelfReview,
    Talk,
)


class ReviewError(Exception):
    """A refused step, with the reason shown to the person (422 in the API)."""


def reviews_policy() -> tuple[str, ReviewsPolicy]:
    """The reviews policy in force and its version label."""
    version, loaded = policy_in_force(PolicyKind.REVIEWS)
    policy: ReviewsPolicy = loaded.policy
    return str(version.digest)[:12], policy


def _scope(actor: Actor) -> tuple[Scope, str]:
    """The actor's scope and staff id (404 without a staff record)."""
    scope = scope_of(actor)
    if scope is None or not scope.staff_id:
        raise Http404
    return scope, scope.staff_id


def _rm_in_scope(actor: Actor, staff_id: str) -> Staff:
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW)
        .filter(staff_id=staff_id, role="rm")
        .select_related("unit")
        .first()
    )
    if staff is None:
        raise Http404
    return staff


# --- talks ------------------------------------------------------------------------------

TALK_FIELDS = ("strengths", "problems", "focus", "actions")


def may_record_talk(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and not scope.read_only and scope.role in LEAD_ROLES


def _confirmed_quarter(key: str) -> PerfPeriod:
    period: PerfPeriod | None = PerfPeriod.objects.filter(
        key=key.strip().upper(), kind=PeriodKind.QUARTER
    ).first()
    if period is None:
        raise ReviewError(_("%(key)s is not a quarter with ratings.") % {"key": key})
    if period.status not in CONFIRMED_STATUSES:
        raise ReviewError(
            _("The ratings of %(key)s are not confirmed yet: the talk follows them.")
            % {"key": period.key}
        )
    return period


def _talk_state(talk: Talk) -> dict[str, Any]:
    return {f: getattr(talk, f) for f in (*TALK_FIELDS, "held_on", "manager_id")}


def talk_record(
    *,
    actor: Actor,
    period_key: str,
    staff_id: str,
    strengths: str,
    problems: str,
    focus: str,
    actions: str,
    held_on: dt.date,
) -> Talk:
    """The manager's record of a quarter's talk with an RM (a correction replaces it
    until the RM acknowledges it)."""
    if not may_record_talk(actor=actor):
        raise Http404
    me = _scope(actor)[1]
    staff = _rm_in_scope(actor, staff_id)
    texts = {"strengths": strengths, "problems": problems, "focus": focus, "actions": actions}
    labels = {
        "strengths": _("Strengths"),
        "problems": _("Problems"),
        "focus": _("Next quarter's focus"),
        "actions": _("Agreed actions"),
    }
    for name, text in texts.items():
        if not (text or "").strip():
            raise ReviewError(_("%(field)s is empty.") % {"field": labels[name]})
    if held_on > timezone.localdate():
        raise ReviewError(_("The talk cannot be held in the future (%(d)s).") % {"d": held_on})
    period = _confirmed_quarter(period_key)
    if held_on < period.start:
        raise ReviewError(
            _("The talk about %(key)s cannot be held before the quarter began.")
            % {"key": period.key}
        )
    with transaction.atomic(durable=True):
        talk: Talk | None = (
            Talk.objects.select_for_update().filter(period=period, staff=staff).first()
        )
        before = None
        if talk is not None:
            if talk.acknowledged_at is not None:
                raise ReviewError(_("The RM has acknowledged this talk: it no longer changes."))
            before = _talk_state(talk)
        else:
            talk = Talk(period=period, staff=staff)
        for name, text in texts.items():
            setattr(talk, name, text.strip())
        talk.held_on = held_on
        talk.manager_id = me
        talk.recorded_by = actor_user(actor)
        talk.recorded_at = timezone.now()
        talk.full_clean()
        talk.save()
        audit_record(
            actor=actor,
            verb="reviews.talk.record",
            object_type="reviews.talk",
            object_id=str(talk.pk),
            before=before,
            after={**_talk_state(talk), "period": period.key, "staff": staff.staff_id},
        )
    return talk


def talk_acknowledge(*, actor: Actor, talk_id: int, comment: str = "") -> Talk:
    """The RM acknowledges their talk, with an optional comment (once)."""
    scope, _me = _scope(actor)
    with transaction.atomic(durable=True):
        talk: Talk | None = (
            Talk.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(pk=talk_id, staff_id=scope.staff_id)
            .first()
        )
        if talk is None:
            raise Http404
        if talk.acknowledged_at is not None:
            raise ReviewError(_("You have already acknowledged this talk."))
        talk.rm_comment = (comment or "").strip()
        talk.acknowledged_at = timezone.now()
        talk.save(update_fields=["rm_comment", "acknowledged_at"])
        audit_record(
            actor=actor,
            verb="reviews.talk.acknowledge",
            object_type="reviews.talk",
            object_id=str(talk.pk),
            after={"comment": talk.rm_comment},
        )
    return talk


# --- 述职 ---------------------------------------------------------------------------------

SPAN_RE = re.compile(r"^(\d{4})(H[12])?$")


def span_dates(span: str) -> tuple[ReviewKind, dt.date, dt.date]:
    """2026H1 → half, 1 Jan – 30 Jun; 2026H2 → half, 1 Jul – 31 Dec; 2026 → annual."""
    match = SPAN_RE.match(span)
    if match is None:
        raise ReviewError(
            _("%(span)r is not a half-year or a year (e.g. 2026H1, 2026H2, 2026).") % {"span": span}
        )
    year = int(match.group(1))
    half = match.group(2)
    if half == "H1":
        return ReviewKind.HALF, dt.date(year, 1, 1), dt.date(year, 6, 30)
    if half == "H2":
        return ReviewKind.HALF, dt.date(year, 7, 1), dt.date(year, 12, 31)
    return ReviewKind.ANNUAL, dt.date(year, 1, 1), dt.date(year, 12, 31)


def _own_review(actor: Actor, review_id: int) -> SelfReview:
    scope, _me = _scope(actor)
    review: SelfReview | None = (
        SelfReview.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(pk=review_id, staff_id=scope.staff_id)
        .first()
    )
    if review is None:
        raise Http404
    return review


def review_create(*, actor: Actor, span: str) -> SelfReview:
    """The RM starts their 述职 for a half-year or a year (one each)."""
    scope, me = _scope(actor)
    if scope.role != "rm":
        raise Http404
    span = (span or "").strip().upper()
    kind, start, _end = span_dates(span)
    if start > timezone.localdate():
        raise ReviewError(_("%(span)s has not begun yet.") % {"span": span})
    with transaction.atomic(durable=True):
        if SelfReview.objects.filter(staff_id=scope.staff_id, span=span).exists():
            raise ReviewError(_("Your 述职 for %(span)s already exists.") % {"span": span})
        review = SelfReview(staff_id=me, kind=kind, span=span, created_at=timezone.now())
        review.full_clean()
        review.save()
        audit_record(
            actor=actor,
            verb="reviews.selfreview.create",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            after={"staff": scope.staff_id, "span": span, "kind": kind},
        )
    return review


def review_report_save(
    *, actor: Actor, review_id: int, report: str, submit: bool = False
) -> SelfReview:
    """The RM saves the written report; `submit` hands it to the panel (no more edits)."""
    with transaction.atomic(durable=True):
        review = _own_review(actor, review_id)
        if review.status != ReviewStatus.DRAFT:
            raise ReviewError(_("The report has been submitted: it no longer changes."))
        text = (report or "").strip()
        if submit and not text:
            raise ReviewError(_("An empty report cannot be submitted."))
        before = {"report": review.report, "status": review.status}
        review.report = text
        if submit:
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
        review.save(update_fields=["report", "status", "submitted_at"])
        audit_record(
            actor=actor,
            verb="reviews.selfreview.submit" if submit else "reviews.selfreview.report",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            before=before,
            after={"report": review.report, "status": review.status},
        )
    return review


def attachment_add(*, actor: Actor, review_id: int, name: str, data: bytes) -> Attachment:
    """Attach a file to the draft report: no larger than the setting
    RMPERF_REVIEW_ATTACHMENT_MAX_BYTES, of a type the policy allows, recognised by its
    content, and named with that type's extension."""
    _version, policy = reviews_policy()
    limit: int = settings.RMPERF_REVIEW_ATTACHMENT_MAX_BYTES
    name = (name or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:200]
    if not name:
        raise ReviewError(_("The file has no name."))
    if not data:
        raise ReviewError(_("%(name)s is empty.") % {"name": name})
    if len(data) > limit:
        raise ReviewError(
            _("%(name)s is %(size)s bytes; the largest allowed is %(limit)s bytes.")
            % {"name": name, "size": len(data), "limit": limit}
        )
    found = sniff(data)
    allowed = policy.attachments.types
    if found is None or found.kind not in allowed:
        raise ReviewError(
            _(
                "%(name)s is not an allowed file (allowed: %(types)s); its content decides, "
                "not its name."
            )
            % {"name": name, "types": ", ".join(allowed)}
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in found.extensions:
        raise ReviewError(
            _("%(name)s holds a %(kind)s file but is named .%(ext)s.")
            % {"name": name, "kind": found.kind, "ext": ext or "—"}
        )
    with transaction.atomic(durable=True):
        review = _own_review(actor, review_id)
        if review.status != ReviewStatus.DRAFT:
            raise ReviewError(_("The report has been submitted: it no longer changes."))
        if review.attachments.count() >= policy.attachments.max_files:
            raise ReviewError(
                _("A report has at most %(n)s attachments.") % {"n": policy.attachments.max_files}
            )
        item = Attachment(
            review=review,
            name=name,
            file_type=found.kind,
            content_type=found.mime,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_at=timezone.now(),
        )
        item.full_clean()
        item.save()
        audit_record(
            actor=actor,
            verb="reviews.selfreview.attach",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            after={"name": name, "type": found.kind, "size": len(data), "sha256": item.sha256},
        )
    return item


# --- the panel --------------------------------------------------------------------------


def may_manage_panel(*, actor: Actor, staff: Staff) -> bool:
    """HR and superusers bank-wide; a branch manager for the RMs of their branch."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    if scope.superuser or scope.role == "hr":
        return True
    return (
        scope.role == "branch_manager"
        and Staff.objects.restrict(actor, Action.VIEW).filter(pk=staff.pk).exists()
    )


def direct_managers(staff: Staff) -> list[Staff]:
    """The RM's direct manager: their team's leader; with none, the branch manager of the
    nearest unit above that has one."""
    unit: OrgUnit | None = staff.unit
    role = "team_leader"
    while unit is not None:
        found = list(Staff.objects.filter(unit=unit, role=role).exclude(pk=staff.pk))
        if found:
            return found
        if role == "team_leader":
            role = "branch_manager"
            continue
        unit = unit.parent
    return []


def reports_to(member: Staff, staff: Staff) -> bool:
    """Whether `member` reports to the RM: the org tree has no line between people, so a
    member reports to the RM when their unit lies below the RM's, or is the RM's with a
    role ranked below an RM (teller, wealth manager)."""
    rm_path = staff.unit.path
    member_path = member.unit.path
    below = member_path.startswith(rm_path) and member_path != rm_path
    same_unit_junior = member_path == rm_path and member.role in ("teller", "wealth_manager")
    return below or same_unit_junior


def conflict_reasons(*, review: SelfReview, member: Staff, policy: ReviewsPolicy) -> list[str]:
    """Every reason `member` may not sit on the panel of `review` (empty: they may)."""
    staff = review.staff
    reasons: list[str] = []
    if member.pk == staff.pk:
        reasons.append(_("%(who)s is the RM under review.") % {"who": member.name})
    elif reports_to(member, staff):
        reasons.append(_("%(who)s reports to the RM.") % {"who": member.name})
    if member.role not in policy.panel.member_roles:
        reasons.append(
            _("A %(role)s may not sit on a panel (the policy allows: %(roles)s).")
            % {"role": member.get_role_display(), "roles": ", ".join(policy.panel.member_roles)}
        )
    if not policy.panel.direct_manager_may_sit and member in direct_managers(staff):
        reasons.append(
            _(
                "%(who)s is the RM's direct manager, and the policy keeps direct managers off "
                "the panel."
            )
            % {"who": member.name}
        )
    declared = (
        PanelMember.objects.filter(review=review, member=member)
        .exclude(conflict="")
        .values_list("conflict", flat=True)
        .first()
    )
    if declared:
        reasons.append(
            _("%(who)s declared a conflict of interest: %(reason)s")
            % {"who": member.name, "reason": declared}
        )
    return reasons


def _managed_review(actor: Actor, review_id: int) -> SelfReview:
    review: SelfReview | None = (
        SelfReview.objects.restrict(actor, Action.VIEW)
        .select_for_update()
        .select_related("staff", "staff__unit")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not may_manage_panel(actor=actor, staff=review.staff):
        raise Http404
    return review


def panel_appoint(*, actor: Actor, review_id: int, member_id: str) -> PanelMember:
    """Seat `member_id` on the panel; a conflict is refused with its reason."""
    _version, policy = reviews_policy()
    with transaction.atomic(durable=True):
        review = _managed_review(actor, review_id)
        if review.is_closed:
            raise ReviewError(_("The panel is closed."))
        member: Staff | None = (
            Staff.objects.restrict(actor, Action.VIEW)
            .select_related("unit")
            .filter(staff_id=(member_id or "").strip())
            .first()
        )
        if member is None:
            raise ReviewError(
                _("%(who)s is not a member of staff in your scope.") % {"who": member_id}
            )
        reasons = conflict_reasons(review=review, member=member, policy=policy)
        if reasons:
            raise ReviewError(" ".join(reasons))
        if PanelMember.objects.filter(review=review, member=member).exists():
            raise ReviewError(_("%(who)s already sits on the panel.") % {"who": member.name})
        seat = PanelMember.objects.create(
            review=review,
            member=member,
            appointed_by=actor_user(actor),
            appointed_by_label=actor_label(actor),
            appointed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            verb="reviews.panel.appoint",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            after={"member": member.staff_id},
        )
    return seat


def _my_seat(actor: Actor, review_id: int) -> tuple[SelfReview, PanelMember]:
    scope, _me = _scope(actor)
    seat: PanelMember | None = (
        PanelMember.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .select_related("review")
        .filter(review_id=review_id, member_id=scope.staff_id)
        .first()
    )
    if seat is None:
        raise Http404
    return seat.review, seat


def panel_conflict_declare(*, actor: Actor, review_id: int, reason: str) -> PanelMember:
    """A member declares a conflict of interest: they leave the scoring (a score they gave
    is withdrawn, audited with its value) and cannot be appointed again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("A declared conflict needs its reason."))
    with transaction.atomic(durable=True):
        review, seat = _my_seat(actor, review_id)
        if review.is_closed:
            raise ReviewError(_("The panel is closed."))
        if seat.conflict:
            raise ReviewError(_("You have already declared a conflict."))
        given = PanelScore.objects.filter(review=review, member_id=seat.member_id).first()
        before = None if given is None else {"score": given.score, "comment": given.comment}
        if given is not None:
            given.delete()
        seat.conflict = reason
        seat.conflict_at = timezone.now()
        seat.save(update_fields=["conflict", "conflict_at"])
        audit_record(
            actor=actor,
            verb="reviews.panel.conflict",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            before=before,
            after={"member": seat.member_id, "conflict": reason},
        )
    return seat


def panel_score_enter(*, actor: Actor, review_id: int, score: Any, comment: str) -> PanelScore:
    """A member's private score (0–100, 2 decimals) with a comment; a second entry
    replaces the first (both audited) until the panel closes."""
    try:
        value = parse_score(score)
    except PerformanceError as exc:
        raise ReviewError(str(exc)) from None
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(_("A score needs a comment."))
    with transaction.atomic(durable=True):
        review, seat = _my_seat(actor, review_id)
        if review.status != ReviewStatus.SUBMITTED:
            raise ReviewError(
                _("The panel scores a submitted report only (this one is %(status)s).")
                % {"status": review.get_status_display()}
            )
        if seat.conflict:
            raise ReviewError(
                _("You declared a conflict of interest: %(reason)s") % {"reason": seat.conflict}
            )
        found: PanelScore | None = (
            PanelScore.objects.select_for_update()
            .filter(review=review, member_id=seat.member_id)
            .first()
        )
        before = None if found is None else {"score": found.score, "comment": found.comment}
        entry = found or PanelScore(review=review, member_id=seat.member_id)
        entry.score = value
        entry.comment = comment
        entry.scored_at = timezone.now()
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor,
            verb="reviews.panel.score",
            object_type="reviews.selfreview",
            object_id=f"{review.pk}/{seat.member_id}",
            before=before,
            after={"score": value, "comment": comment},
        )
    return entry


def fillable_periods(*, review: SelfReview, policy: ReviewsPolicy) -> list[PerfPeriod]:
    """The performance periods the panel's score may fill: not closed, of a kind the
    policy allows for this 述职, lying within its half-year or year (the closer picks
    one, usually the quarter being scored when the 述职 is held)."""
    _kind, start, end = span_dates(review.span)
    kinds = policy.panel.fills_half if review.kind == ReviewKind.HALF else policy.panel.fills_annual
    return list(
        PerfPeriod.objects.filter(start__gte=start, end__lte=end, kind__in=list(kinds))
        .exclude(status="closed")
        .order_by("-end", "kind")
    )


def panel_close(*, actor: Actor, review_id: int, period_key: str) -> SelfReview:
    """Close the panel: every seated member without a conflict has scored and there are
    at least `min_members` of them; the score is the trimmed mean (engine.reviews), and
    it fills the card's manual line of the chosen period, linked to the scores."""
    version, policy = reviews_policy()
    with transaction.atomic(durable=True):
        review = _managed_review(actor, review_id)
        if review.status != ReviewStatus.SUBMITTED:
            raise ReviewError(
                _("Only a submitted 述职 is closed (this one is %(status)s).")
                % {"status": review.get_status_display()}
            )
        seats = list(PanelMember.objects.filter(review=review, conflict=""))
        if len(seats) < policy.panel.min_members:
            raise ReviewError(
                _("The panel has %(n)s members without a conflict; it needs at least %(min)s.")
                % {"n": len(seats), "min": policy.panel.min_members}
            )
        scores = {s.member_id: s for s in PanelScore.objects.filter(review=review)}
        missing = sorted(s.member_id for s in seats if s.member_id not in scores)
        if missing:
            raise ReviewError(
                _("Not every member has scored yet (waiting for: %(who)s).")
                % {"who": ", ".join(missing)}
            )
        values = [scores[s.member_id].score for s in seats]
        result: Decimal = panel_score(values, trim_from=policy.panel.trim_from)
        counted = trimmed(values, trim_from=policy.panel.trim_from)
        period = next(
            (
                p
                for p in fillable_periods(review=review, policy=policy)
                if p.key == (period_key or "").strip().upper()
            ),
            None,
        )
        if period is None:
            raise ReviewError(
                _("%(key)s is not an open period this 述职 may fill.") % {"key": period_key}
            )
        try:
            manual_panel_fill(
                actor=actor,
                key=period.key,
                staff_id=review.staff_id,
                manual_key=policy.panel.manual_key,
                score=result,
                source_label=_("述职 %(span)s, panel of %(n)s")
                % {"span": review.span, "n": len(values)},
                source_url=reverse("reviews:review", kwargs={"review_id": review.pk}),
            )
        except PerformanceError as exc:
            raise ReviewError(str(exc)) from None
        before = {"status": review.status, "score": review.score}
        review.status = ReviewStatus.CLOSED
        review.score = result
        review.counted = [str(v) for v in counted]
        review.period = period
        review.manual_key = policy.panel.manual_key
        review.closed_at = timezone.now()
        review.closed_by = actor_user(actor)
        review.policy_version = version
        review.save()
        audit_record(
            actor=actor,
            verb="reviews.panel.close",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            before=before,
            after={
                "score": result,
                "scores": {m: scores[m].score for m in sorted(scores)},
                "counted": review.counted,
                "period": period.key,
                "key": policy.panel.manual_key,
            },
        )
    return review


def panel_reopen(*, actor: Actor, review_id: int, reason: str) -> SelfReview:
    """Reopen a closed panel (a reason is required): members may change their scores,
    and the next close fills the line again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Reopening a panel needs a reason."))
    with transaction.atomic(durable=True):
        review = _managed_review(actor, review_id)
        if not review.is_closed:
            raise ReviewError(_("The panel is not closed."))
        before = {"status": review.status, "score": review.score}
        review.status = ReviewStatus.SUBMITTED
        review.closed_at = None
        review.closed_by = None
        review.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(
            actor=actor,
            verb="reviews.panel.reopen",
            object_type="reviews.selfreview",
            object_id=str(review.pk),
            before=before,
            after={"status": review.status, "reason": reason},
        )
    return review
