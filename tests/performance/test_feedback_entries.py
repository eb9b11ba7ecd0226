"""360 results reach the quarter's score: a closed round's peer responses become
`FeedbackEntry` rows (performance.services.feedback), which a run hands the engine beside
the lake's `feedback` rows for the indicator peer_review.

The card (PEER_CARD): deposit growth 70 (quarter target 300,000), complaints 20
(deduction), peer_review 10 (ratio, level target 100). The hand-built lake
(conftest.py) has no peer rating. Q3 2026, worked by hand for RM1 (growth 1, no
complaint):

- no round: peer line undefined, used weight 90: growth 70 × 100 ÷ 90 = 77.7778 × 1 →
  77.78; complaints 20 × 100 ÷ 90 = 22.2222 → 22.22; total 100.00.
- a round over BR1 where RM1's three peers answer 5,5,5 → (15 − 3) × 100 ÷ 12 = 100.00;
  4,4,4 → 75.00; 4,5,4 → 83.33: peer_review (100 + 75 + 83.33) ÷ 3 = 86.11 → completion
  0.8611 → 10 × 0.8611 = 8.611 → 8.61; growth 70.00, complaints 20.00; total 98.61.
- one result changes (75.00 → 100.00): (100 + 100 + 83.33) ÷ 3 = 94.443333 → 0.9444 →
  9.444 → 9.44; total 99.44.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from rmperf.feedback.models import Invitation
from rmperf.feedback.services import FeedbackError, response_submit, round_close, round_open
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import PerfPeriod, PeriodStatus, RmResult
from rmperf.performance.services.feedback import FeedbackInput, feedback_entries_replace
from rmperf.performance.services.periods import PerformanceError
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db

PEER_CARD = """\
name: test_retail
names: {zh: 测试零售, en: test retail}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - indicator: deposit_avg_growth
    weight: 70
    method: ratio
    target: {source: per_person, basis: annual, value: "1200000"}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
  - indicator: peer_review
    weight: 10
    method: ratio
    target: {basis: level, value: "100"}
rating:
  bands:
    - {tier: outstanding, min: 90, max: 100}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
"""
Q = ("cooperation", "referrals", "professionalism")


def _total(staff_id: str) -> Decimal:
    return RmResult.objects.get(period__key="2026Q3", staff_id=staff_id).total


def _peer(reviewer: str, user: User, round_id: int, values: tuple[int, int, int]) -> None:
    inv = Invitation.objects.get(
        round_id=round_id, reviewer_id=reviewer, reviewee_id="RM1", relation="peer"
    )
    response_submit(actor=user, invitation_id=inv.pk, answers=dict(zip(Q, values, strict=True)))


def test_a_round_changes_the_quarter_total_as_computed_by_hand(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path]
) -> None:
    swap_cards(PEER_CARD)
    period_run(actor=None, key="2026Q3")
    assert _total("RM1") == Decimal("100.00")
    # Two more RMs of team TM1 in the app (not in the lake: they review, are not scored).
    team = OrgUnit.objects.get(unit_id="TM1")
    users = {"RM2": perf_bank.users["rm2"]}
    for sid in ("X1", "X2"):
        users[sid] = User.objects.create(username=sid.lower())
        Staff.objects.create(
            staff_id=sid, name=sid, role="rm", unit=team, hired_on=dt.date(2020, 1, 1),
            user=users[sid],
        )  # fmt: skip
    bm1 = perf_bank.users["bm1"]
    round_ = round_open(actor=bm1, unit_id="BR1", period="2026Q3", title="Q3 peers")
    _peer("RM2", users["RM2"], round_.pk, (5, 5, 5))  # 100.00
    _peer("X1", users["X1"], round_.pk, (4, 4, 4))  # 75.00
    _peer("X2", users["X2"], round_.pk, (4, 5, 4))  # 83.33
    round_close(actor=bm1, round_id=round_.pk)
    period_run(actor=None, key="2026Q3")
    assert _total("RM1") == Decimal("98.61")
    # The 360 result changes: X1's 75.00 becomes 100.00.
    end = dt.date(2026, 9, 30)
    feedback_entries_replace(
        actor=None,
        source=f"round-{round_.pk}",
        rows=[FeedbackInput("RM1", "peer", end, Decimal(s)) for s in ("100.00", "100.00", "83.33")],
    )
    period_run(actor=None, key="2026Q3")
    assert _total("RM1") == Decimal("99.44")


def test_feedback_of_a_closed_period_is_refused(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    PerfPeriod.objects.filter(key="2026Q3").update(status=PeriodStatus.CLOSED)
    row = FeedbackInput("RM1", "peer", dt.date(2026, 9, 30), Decimal("80"))
    with pytest.raises(PerformanceError, match="closed"):
        feedback_entries_replace(actor=None, source="round-x", rows=[row])
    bad = FeedbackInput("RM1", "peer", dt.date(2026, 12, 31), Decimal("80.125"))
    with pytest.raises(PerformanceError, match="2 decimals"):
        feedback_entries_replace(actor=None, source="round-x", rows=[bad])
    with pytest.raises(PerformanceError, match="kind"):
        feedback_entries_replace(
            actor=None,
            source="round-x",
            rows=[FeedbackInput("RM1", "nps", dt.date(2026, 12, 31), Decimal("9"))],
        )
    # A round of that quarter cannot close either: the reason is given.
    round_ = round_open(actor=perf_bank.users["hr1"], unit_id="BR1", period="2026Q3", title="late")
    with pytest.raises(FeedbackError, match="closed"):
        round_close(actor=perf_bank.users["hr1"], round_id=round_.pk)
