"""Calibration: a branch manager's change of an RM's rating, and HR's confirmation of a
period's ratings before it closes.

Calibrate an RM's result: the branch manager whose branch the RM works in (and
superusers), with a mandatory reason, while the period is computed or calibrated.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.performance.models import Calibration, PerfPeriod, PeriodStatus, RmResult, Tier
from rmperf.performance.services.periods import (
    PerformanceError,
    actor_label,
    actor_user,
    performance_may_calibrate,
    period_locked,
    period_state,
    refuse_closed,
    require_manager,
)

MAX_TOTAL = Decimal("200.00")


def _decimal(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise PerformanceError(_("%(what)s is not a number.") % {"what": what}) from None
    if not value.is_finite():
        raise PerformanceError(_("%(what)s is not a number.") % {"what": what})
    return value


def result_calibrate(
    *,
    actor: Actor,
    key: str,
    staff_id: str,
    tier: str,
    reason: str,
    total: Decimal | str | None = None,
) -> RmResult:
    """A branch manager's calibration of one RM's tier (and optionally total), with a
    mandatory reason; the engine's figures stay beside it and every change is audited."""
    if not performance_may_calibrate(actor=actor):
        raise Http404
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        period = period_locked(key)
        result: RmResult | None = (
            RmResult.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(period=period, staff_id=staff_id)
            .first()
        )
        if result is None:
            raise Http404
        refuse_closed(period)
        if period.status not in (PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED):
            raise PerformanceError(_("Only a computed period can be calibrated."))
        if tier not in Tier.values:
            raise PerformanceError(_("%(tier)r is not a rating tier.") % {"tier": tier})
        if not reason:
            raise PerformanceError(_("A calibration needs a reason."))
        new_total = result.final_total if total in (None, "") else _decimal(total, _("The total"))
        new_total = new_total.quantize(Decimal("0.01"))
        if not Decimal(0) <= new_total <= MAX_TOTAL:
            raise PerformanceError(
                _("The total must be between 0 and %(max)s.") % {"max": MAX_TOTAL}
            )
        before = {"total": result.final_total, "tier": result.final_tier}
        now = timezone.now()
        Calibration.objects.create(
            period=period,
            staff_id=result.staff_id,
            before_total=result.final_total,
            before_tier=result.final_tier,
            after_total=new_total,
            after_tier=tier,
            reason=reason,
            actor=actor_user(actor),
            actor_label=actor_label(actor),
            at=now,
        )
        result.calibrated_total = new_total
        result.calibrated_tier = tier
        result.calibration_reason = reason
        result.calibrated_by = actor_user(actor)
        result.calibrated_at = now
        result.full_clean()
        result.save()
        if period.status == PeriodStatus.COMPUTED:
            period.status = PeriodStatus.CALIBRATED
            period.confirmed_at = timezone.now()
            period.save(update_fields=["status", "confirmed_at"])
        audit_record(
            actor=actor,
            verb="performance.result.calibrate",
            object_type="performance.result",
            object_id=f"{period.key}/{result.staff_id}",
            before=before,
            after={
                "total": new_total,
                "tier": tier,
                "reason": reason,
                "engine_total": result.total,
                "engine_tier": result.tier,
            },
        )
    return result


def period_confirm_calibration(*, actor: Actor, key: str) -> PerfPeriod:
    """A person confirms the (possibly unchanged) ratings: computed → calibrated. Automated
    ratings are finalised by a person before they close (PIPL art. 24)."""
    require_manager(actor)
    with transaction.atomic(durable=True):
        period = period_locked(key)
        refuse_closed(period)
        if period.status not in (PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED):
            raise PerformanceError(_("Only a computed period can be calibrated."))
        before = period_state(period)
        period.status = PeriodStatus.CALIBRATED
        period.confirmed_at = timezone.now()
        period.save(update_fields=["status", "confirmed_at"])
        audit_record(
            actor=actor,
            verb="performance.period.calibrated",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after=period_state(period),
        )
    return period
