"""What a pay run reads from the performance app: the calibrated tier wins over the
engine's, and the approved target sheets give the excess reward's target. Figures by
hand with the shipped plan (see tests/pay/test_services.py for the uncalibrated run)."""

from __future__ import annotations

from decimal import Decimal

from rmperf.pay.models import PayStatement
from rmperf.pay.services import pay_run
from rmperf.performance.services.calibration import (
    period_confirm_calibration,
    result_calibrate,
)
from rmperf.performance.services.goals import target_sheet_respond
from rmperf.performance.services.runs import period_run
from rmperf.performance.services.targets import (
    TargetInput,
    target_sheet_approve,
    target_sheet_propose,
)
from tests.pay.conftest import QUARTER, PayBank

D = Decimal


def test_the_calibrated_tier_and_the_approved_targets_are_used(pay_bank: PayBank) -> None:
    users = pay_bank.users
    # RM1's 2026 new-loans target 40,000,000.00, split evenly: Q3 10,000,000.00.
    target_sheet_propose(
        actor=users["tl1"],
        staff_id="RM1",
        year=2026,
        lines=[TargetInput(indicator="new_loans", annual=D("40000000.00"))],
    )
    target_sheet_respond(actor=users["rm1"], staff_id="RM1", year=2026, accept=True)
    target_sheet_approve(actor=users["bm1"], staff_id="RM1", year=2026)
    period_run(actor=None, key=QUARTER)
    # The engine rated RM2 competent (0.80); the branch manager calibrates to good (1.00).
    result_calibrate(
        actor=users["bm1"], key=QUARTER, staff_id="RM2", tier="good", reason="loan quality"
    )
    period_confirm_calibration(actor=None, key=QUARTER)
    pay_run(actor=None, key=QUARTER)

    # RM1: V = 13,000,000.00 > T = 10,000,000.00, outstanding earns the reward:
    # 3,000,000.00 × 5‱ = 1,500.00. P = 24,480.00 + 1,500.00 = 25,980.00;
    # D = 30 % = 7,794.00; I = 18,186.00; total 6,900.00 + 18,186.00 = 25,086.00.
    rm1 = PayStatement.objects.get(staff_id="RM1")
    assert rm1.excess_reward == D("1500.00")
    assert (rm1.performance_pay, rm1.deferred) == (D("25980.00"), D("7794.00"))
    assert rm1.total_paid == D("25086.00")
    # RM2 at good (c = 1.00): L4 150.00, L3 3,000.00 → loan pay 3,150.00; D = 945.00;
    # I = 2,205.00, all held (NPL 4.76 %); L4's cost 150.00 is all clawback.
    # Total 10,500.00 + 2,205.00 − 2,205.00 − 150.00 = 10,350.00. No target: no reward.
    rm2 = PayStatement.objects.get(staff_id="RM2")
    assert (rm2.rating, rm2.coefficient) == ("good", D("1.00"))
    assert (rm2.loan_pay, rm2.excess_reward, rm2.deferred) == (
        D("3150.00"),
        D("0.00"),
        D("945.00"),
    )
    assert (rm2.held, rm2.clawback, rm2.total_paid) == (D("2205.00"), D("-150.00"), D("10350.00"))
