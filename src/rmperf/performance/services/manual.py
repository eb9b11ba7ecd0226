"""Manual (qualitative) scores, written: reviewers' seats and their scores.

DOMAIN §5 (360 feedback: peers, the risk department's due-diligence score) and §7 (the
述职 self-review scored by a panel). Who may do what:
- appoint or remove a reviewer: HR and superusers bank-wide, a branch manager for the RMs
  of their branch; the reviewer must be in the appointer's scope and of a role that fits
  the key (REVIEWER_ROLES) and never the RM themself;
- score: the reviewer in their seat; the RM's branch manager sits on the self-review
  panel by right (seated, audited, on their first score);
- nothing changes once the period is closed (reopen it first).
Each write is one durable transaction with its audit event. Out of scope answers 404.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.org.models import Staff
from rmperf.performance.manual_selectors import REVIEWER_ROLES, card_manual_keys, may_appoint
from rmperf.performance.models import (
    ManualKind,
    ManualPanelScore,
    ManualReviewer,
    ManualScore,
    PerfPeriod,
    manual_kind,
)
from rmperf.performance.selectors import scorecards_current
from rmperf.performance.services.periods import (
    PerformanceError,
    actor_label,
    actor_user,
    parse_period,
    refuse_closed,
)


def _period(key: str) -> PerfPeriod:
    """The open (not closed) period, locked; PerformanceError when missing or closed."""
    engine_period = parse_period(key)
    period: PerfPeriod | None = (
        PerfPeriod.objects.select_for_update().filter(key=engine_period.key).first()
    )
    if period is None:
        raise PerformanceError(_("Period %(key)s is not open.") % {"key": engine_period.key})
    refuse_closed(period)
    return period


def _rm(actor: Actor, staff_id: str) -> Staff:
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW).filter(staff_id=staff_id, role="rm").first()
    )
    if staff is None:
        raise Http404
    return staff


def _key(key: str) -> ManualKind:
    """The kind of a manual key the current scorecards read; PerformanceError otherwise."""
    keys = card_manual_keys(scorecards_current())
    if key not in keys:
        raise PerformanceError(
            _("%(key)r is not a manual score on the scorecards (they read: %(keys)s).")
            % {"key": key, "keys": ", ".join(keys) or "—"}
        )
    return keys[key]


def _seat_state(seat: ManualReviewer) -> dict[str, Any]:
    return {"key": seat.key, "kind": seat.kind, "reviewer": seat.reviewer_id}


def manual_reviewer_appoint(
    *, actor: Actor, key: str, staff_id: str, manual_key: str, reviewer_id: str
) -> ManualReviewer:
    """Seat `reviewer_id` to score `manual_key` of the RM `staff_id` for the period."""
    staff = _rm(actor, staff_id)
    if not may_appoint(actor=actor, staff=staff):
        raise Http404
    kind = _key(manual_key)
    reviewer: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW).filter(staff_id=reviewer_id).first()
    )
    if reviewer is None:
        raise PerformanceError(
            _("%(who)s is not a member of staff in your scope.") % {"who": reviewer_id}
        )
    if reviewer.pk == staff.pk:
        raise PerformanceError(_("Nobody scores themself."))
    if reviewer.role not in REVIEWER_ROLES[kind]:
        raise PerformanceError(
            _("A %(role)s cannot give the %(kind)s score.")
            % {"role": reviewer.get_role_display(), "kind": ManualKind(kind).label}
        )
    with transaction.atomic(durable=True):
        period = _period(key)
        seat, created = ManualReviewer.objects.get_or_create(
            period=period,
            staff=staff,
            key=manual_key,
            reviewer=reviewer,
            defaults={
                "kind": kind,
                "appointed_by": actor_user(actor),
                "appointed_by_label": actor_label(actor),
                "appointed_at": timezone.now(),
            },
        )
        if created:
            audit_record(
                actor=actor,
                verb="performance.manual.appoint",
                object_type="performance.manual",
                object_id=f"{period.key}/{staff.staff_id}/{manual_key}",
                after=_seat_state(seat),
            )
    return seat


def manual_reviewer_remove(
    *, actor: Actor, key: str, staff_id: str, manual_key: str, reviewer_id: str
) -> None:
    """Take a reviewer off the key; their score, if any, goes with them (audited)."""
    staff = _rm(actor, staff_id)
    if not may_appoint(actor=actor, staff=staff):
        raise Http404
    with transaction.atomic(durable=True):
        period = _period(key)
        seat: ManualReviewer | None = (
            ManualReviewer.objects.select_for_update()
            .filter(period=period, staff=staff, key=manual_key, reviewer_id=reviewer_id)
            .first()
        )
        if seat is None:
            raise Http404
        score = ManualScore.objects.filter(
            period=period, staff=staff, key=manual_key, reviewer_id=reviewer_id
        ).first()
        before = {
            **_seat_state(seat),
            "score": score.score if score is not None else None,
            "comment": score.comment if score is not None else None,
        }
        if score is not None:
            score.delete()
        seat.delete()
        audit_record(
            actor=actor,
            verb="performance.manual.remove",
            object_type="performance.manual",
            object_id=f"{period.key}/{staff.staff_id}/{manual_key}",
            before=before,
        )


def parse_score(text: Any) -> Decimal:
    """A 0–100 score with at most 2 decimals; PerformanceError says what is wrong."""
    try:
        value = Decimal(str(text if text is not None else "").strip())
    except InvalidOperation:
        raise PerformanceError(
            _("The score %(value)r is not a number.") % {"value": text}
        ) from None
    if not value.is_finite():
        raise PerformanceError(_("The score %(value)r is not a number.") % {"value": text})
    if not Decimal(0) <= value <= Decimal(100):
        raise PerformanceError(
            _("The score must be from 0 to 100, not %(value)s.") % {"value": value}
        )
    if value != value.quantize(Decimal("0.01")):
        raise PerformanceError(
            _("The score %(value)s has more than two decimals.") % {"value": value}
        )
    return value.quantize(Decimal("0.01"))


def manual_score_enter(
    *, actor: Actor, key: str, staff_id: str, manual_key: str, score: Any, comment: str
) -> ManualScore:
    """The actor's score (0–100, with a comment) of an RM's manual key, from their seat.
    A second entry replaces the first (both are in the audit log)."""
    scope = scope_of(actor)
    if scope is None or not scope.staff_id:
        raise Http404
    staff = Staff.objects.filter(staff_id=staff_id, role="rm").first()
    if staff is None:
        raise Http404
    if staff.staff_id == scope.staff_id:
        # An RM never scores themself, whatever seat a mistake gave them.
        raise Http404
    value = parse_score(score)
    comment = (comment or "").strip()
    if not comment:
        raise PerformanceError(_("A score needs a comment."))
    with transaction.atomic(durable=True):
        period = _period(key)
        seat: ManualReviewer | None = (
            ManualReviewer.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(period=period, staff=staff, key=manual_key, reviewer_id=scope.staff_id)
            .first()
        )
        if seat is None:
            by_right = (
                scope.role == "branch_manager"
                and not scope.read_only
                and Staff.objects.restrict(actor, Action.VIEW).filter(pk=staff.pk).exists()
            )
            if not by_right:
                raise Http404
            kind = _key(manual_key)
            if kind != ManualKind.PANEL:
                raise Http404
            seat = ManualReviewer.objects.create(
                period=period,
                staff=staff,
                key=manual_key,
                kind=kind,
                reviewer_id=scope.staff_id,
                appointed_by=actor_user(actor),
                appointed_by_label=actor_label(actor),
                appointed_at=timezone.now(),
            )
            audit_record(
                actor=actor,
                verb="performance.manual.appoint",
                object_type="performance.manual",
                object_id=f"{period.key}/{staff.staff_id}/{manual_key}",
                after={**_seat_state(seat), "by_right": "branch manager"},
            )
        found: ManualScore | None = (
            ManualScore.objects.select_for_update()
            .filter(period=period, staff=staff, key=manual_key, reviewer_id=scope.staff_id)
            .first()
        )
        before = None if found is None else {"score": found.score, "comment": found.comment}
        entry = found or ManualScore(
            period=period,
            staff=staff,
            key=manual_key,
            kind=manual_kind(manual_key),
            reviewer_id=scope.staff_id,
        )
        entry.score = value
        entry.comment = comment
        entry.entered_by = actor_user(actor)
        entry.entered_at = timezone.now()
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor,
            verb="performance.manual.score",
            object_type="performance.manual",
            object_id=f"{period.key}/{staff.staff_id}/{manual_key}/{scope.staff_id}",
            before=before,
            after={"score": value, "comment": comment, "kind": entry.kind},
        )
    return entry


def manual_panel_fill(
    *,
    actor: Actor,
    key: str,
    staff_id: str,
    manual_key: str,
    score: Decimal,
    source_label: str,
    source_url: str,
) -> ManualPanelScore:
    """A 述职 panel's score (the reviews app) for the RM's panel key in the open period:
    it replaces the mean of the seats' scores for that key at the next run, and links to
    the panel's scores. Called inside the caller's transaction (the panel's close), so
    the panel and the line change together or not at all. A second fill replaces the
    first (both audited)."""
    staff = _rm(actor, staff_id)
    if not may_appoint(actor=actor, staff=staff):
        raise Http404
    kind = _key(manual_key)
    if kind != ManualKind.PANEL:
        raise PerformanceError(
            _("%(key)r is not a panel's key (it is scored by %(kind)s).")
            % {"key": manual_key, "kind": ManualKind(kind).label}
        )
    value = parse_score(score)
    with transaction.atomic():
        period = _period(key)
        found: ManualPanelScore | None = (
            ManualPanelScore.objects.select_for_update()
            .filter(period=period, staff=staff, key=manual_key)
            .first()
        )
        before = None if found is None else {"score": found.score, "source": found.source_label}
        entry = found or ManualPanelScore(period=period, staff=staff, key=manual_key)
        entry.score = value
        entry.source_label = source_label[:200]
        entry.source_url = source_url[:300]
        entry.filled_by = actor_user(actor)
        entry.filled_by_label = actor_label(actor)
        entry.filled_at = timezone.now()
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor,
            verb="performance.manual.panel",
            object_type="performance.manual",
            object_id=f"{period.key}/{staff.staff_id}/{manual_key}",
            before=before,
            after={"score": value, "source": entry.source_label, "url": entry.source_url},
        )
    return entry
