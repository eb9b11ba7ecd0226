"""The panel's score reaches the quarter's total, on performance's hand-built lake.

The card is performance's MANUAL_CARD (tests/performance/test_manual.py): deposit growth
50 (RM1 completes 1 → 50.00), complaints 20 (none → 20.00), self_review 20 (manual, the
述职 panel), peer_feedback 10 (manual; RM2 gives RM1 70 → 10 × 0.70 = 7.00). Q3 2026,
RM1, worked by hand:

- no panel score yet: self_review is left out, used weight 80: growth 50 × 100 ÷ 80 =
  62.5 × 1 = 62.50; complaints 25.00; peer 12.5 × 0.70 = 8.75; total 96.25.
- panel TL1 80, BM1 90, HR1 85, BM2 70 (4 scores < 5: plain mean) = 325 ÷ 4 = 81.25 →
  20 × 0.8125 = 16.25; total 50 + 20 + 16.25 + 7 = 93.25.
- reopened, BM2 corrects 70 → 95: 350 ÷ 4 = 87.50 → 17.50; total 94.50.
- a fifth member (a second HR) scores 60: 60, 80, 85, 90, 95 → drop 60 and 95 →
  255 ÷ 3 = 85.00 → 17.00; total 94.00.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from rmperf.org.models import Staff
from rmperf.performance.models import RmResult
from rmperf.performance.services.manual import manual_reviewer_appoint, manual_score_enter
from rmperf.performance.services.periods import period_open
from rmperf.performance.services.runs import period_run
from rmperf.reviews.services import (
    panel_appoint,
    panel_close,
    panel_reopen,
    panel_score_enter,
    review_create,
    review_report_save,
)
from tests.performance.conftest import PerfBank
from tests.performance.test_manual import MANUAL_CARD

pytestmark = pytest.mark.django_db


def _total(key: str = "2026Q3") -> Decimal:
    total: Decimal = RmResult.objects.get(staff_id="RM1", period__key=key).total
    return total


def test_the_quarter_total_follows_the_panel_score(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path]
) -> None:
    users = perf_bank.users
    swap_cards(MANUAL_CARD)
    period_open(actor=None, key="2026Q3")
    manual_reviewer_appoint(
        actor=users["bm1"], key="2026Q3", staff_id="RM1", manual_key="peer_feedback",
        reviewer_id="RM2",
    )  # fmt: skip
    manual_score_enter(
        actor=users["rm2"], key="2026Q3", staff_id="RM1", manual_key="peer_feedback",
        score="70", comment="helpful",
    )  # fmt: skip
    period_run(actor=None, key="2026Q3")
    assert _total() == Decimal("96.25")

    review = review_create(actor=users["rm1"], span="2026H2")
    review_report_save(actor=users["rm1"], review_id=review.pk, report="述职", submit=True)
    scores = {"tl1": "80", "bm1": "90", "hr1": "85", "bm2": "70"}
    for who in scores:
        panel_appoint(actor=users["hr1"], review_id=review.pk, member_id=who.upper())
    for who, score in scores.items():
        panel_score_enter(actor=users[who], review_id=review.pk, score=score, comment="ok")
    closed = panel_close(actor=users["hr1"], review_id=review.pk, period_key="2026Q3")
    assert closed.score == Decimal("81.25")
    period_run(actor=None, key="2026Q3")
    assert _total() == Decimal("93.25")

    panel_reopen(actor=users["bm1"], review_id=review.pk, reason="BM2 misread the scale")
    panel_score_enter(actor=users["bm2"], review_id=review.pk, score="95", comment="corrected")
    assert panel_close(actor=users["bm1"], review_id=review.pk, period_key="2026Q3").score == (
        Decimal("87.50")
    )
    period_run(actor=None, key="2026Q3")
    assert _total() == Decimal("94.50")

    hr2 = User.objects.create(username="hr2")
    Staff.objects.create(
        staff_id="HR2", name="钱十", role="hr", unit_id="BANK", hired_on="2015-01-01", user=hr2
    )
    panel_reopen(actor=users["hr1"], review_id=review.pk, reason="a fifth member")
    panel_appoint(actor=users["hr1"], review_id=review.pk, member_id="HR2")
    panel_score_enter(actor=hr2, review_id=review.pk, score="60", comment="strict")
    assert panel_close(actor=users["hr1"], review_id=review.pk, period_key="2026Q3").score == (
        Decimal("85.00")
    )
    period_run(actor=None, key="2026Q3")
    assert _total() == Decimal("94.00")
