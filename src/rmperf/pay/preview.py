"""Pay preview for calibration: what an RM's quarter pays under the computed tier and under
a proposed (calibrated) one, before the change is confirmed (issue #13, "Calibration
shows pay").

A read: nothing is stored. The figures are the engine's statement arithmetic for the one
quarter (rmperf.engine.pay.quarter_pay: base at the RM's rank, loan pay at the tier's
coefficient, excess reward against the approved target sheet), on the current lake and
the pay plan in force. Holds, deferral and costs of earlier loans do not depend on the
quarter's tier, so they are left out: the preview compares cost, not cash paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.engine.pay import PayError, QuarterPay, quarter_pay, read_lake
from rmperf.engine.pay.quarters import quarter_index
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring.policy import Tier
from rmperf.org.models import Staff
from rmperf.org.ranks import ranks_in_quarter
from rmperf.pay.services import PayRefused, approved_target_sheet, pay_lake_required
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RmPayPreview:
    """One RM's quarter under the computed and the proposed tier."""

    staff_id: str
    rank: str
    computed: QuarterPay
    proposed: QuarterPay

    @property
    def change(self) -> Decimal:
        return self.proposed.performance_pay - self.computed.performance_pay


@dataclass(frozen=True)
class PayPreview:
    """The RMs' previews and the group's total pay cost (base + performance pay)."""

    period: str
    rms: dict[str, RmPayPreview]

    @property
    def cost_computed(self) -> Decimal:
        return sum((p.computed.cost for p in self.rms.values()), ZERO)

    @property
    def cost_proposed(self) -> Decimal:
        return sum((p.proposed.cost for p in self.rms.values()), ZERO)

    @property
    def cost_change(self) -> Decimal:
        return self.cost_proposed - self.cost_computed


def pay_preview(*, actor: Actor, key: str, tiers: Mapping[str, tuple[str, str]]) -> PayPreview:
    """Per RM of `tiers` (staff_id → (computed tier, proposed tier)) their pay of quarter
    `key` under each tier, and the total. Only RMs the actor may see are previewed
    (restrict); an RM out of scope answers 404 like a missing one. PayRefused when the
    lake or the plan cannot be read."""
    try:
        period = Period.parse(key)
    except ValueError as exc:
        raise PayRefused(str(exc)) from None
    if period.kind is not PeriodKind.QUARTER:
        raise PayRefused(f"{key} is not a quarter")
    staff = {
        s.staff_id: s
        for s in Staff.objects.restrict(actor, Action.VIEW).filter(
            staff_id__in=list(tiers), role="rm"
        )
    }
    if set(tiers) - set(staff):
        raise Http404
    if not tiers:
        return PayPreview(period.key, {})
    _version, loaded = policy_in_force(PolicyKind.PAY)
    plan = loaded.policy
    try:
        data = read_lake(pay_lake_required(), plan)
    except (ValueError, PolicyError) as exc:
        raise PayRefused(str(exc)) from None
    targets, _digest = approved_target_sheet(years=[period.start.year])
    q = quarter_index(period)
    ranks = ranks_in_quarter(staff=list(staff.values()), key=period.key)
    loans = [ln for ln in data.loans if ln.staff_id in staff]
    out: dict[str, RmPayPreview] = {}
    for staff_id in sorted(tiers):
        person = data.people.get(staff_id)
        if person is None:
            raise PayRefused(f"{staff_id} is not an RM of the current lake")
        rank = ranks.get(staff_id, person.rank)
        computed, proposed = tiers[staff_id]
        try:
            out[staff_id] = RmPayPreview(
                staff_id=staff_id,
                rank=rank,
                computed=quarter_pay(
                    plan, person, loans, Tier(computed), q, targets=targets, rank=rank
                ),
                proposed=quarter_pay(
                    plan, person, loans, Tier(proposed), q, targets=targets, rank=rank
                ),
            )
        except (KeyError, ValueError, PayError) as exc:
            raise PayRefused(f"{staff_id}: {exc}") from None
    return PayPreview(period.key, out)
