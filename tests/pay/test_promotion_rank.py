"""A confirmed promotion changes the rank, and so the base, from its effective quarter on
(careers.selectors.rank_in_quarter, read by pay through org.ranks); the quarter before
keeps the old rank. Small pay bank (tests/pay/conftest.py), shipped pay plan: base per
month junior 2,300.00, intermediate 2,900.00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from rmperf.careers.models import CareerCheck, CheckStatus
from rmperf.careers.services import career_check_decide
from rmperf.pay.models import PayStatement
from rmperf.pay.services import pay_run
from tests.pay.conftest import QUARTER, PayBank

D = Decimal


def _confirm(key: str) -> None:
    from rmperf.performance.services.calibration import period_confirm_calibration
    from rmperf.performance.services.runs import period_run

    period_run(actor=None, key=key)
    period_confirm_calibration(actor=None, key=key)


def test_pay_follows_a_confirmed_promotion_from_its_quarter(pay_bank: PayBank) -> None:
    check = CareerCheck.objects.create(
        staff_id="RM1", year=2025, rank_from="junior", rank_to="intermediate", eligible=True,
        policy_version="test", computed_at=timezone.now(), status=CheckStatus.PROPOSED,
    )  # fmt: skip
    # Confirmed by BM1 on 2026-06-15 (in 2026Q2): in effect from 2026Q3.
    with mock.patch(
        "rmperf.careers.services.timezone.localdate", return_value=dt.date(2026, 6, 15)
    ):
        career_check_decide(actor=pay_bank.users["bm1"], check_id=check.pk, confirm=True)
    assert CareerCheck.objects.get(pk=check.pk).effective_quarter == "2026Q3"

    _confirm("2026Q2")
    _confirm(QUARTER)
    before = pay_run(actor=None, key="2026Q2")
    after = pay_run(actor=None, key=QUARTER)
    q2 = PayStatement.objects.get(run=before, staff_id="RM1")
    q3 = PayStatement.objects.get(run=after, staff_id="RM1")
    # 2026Q2: still junior, 3 × 2,300.00 = 6,900.00; no loans.
    assert (q2.rank, q2.base, q2.total_paid) == ("junior", D("6900.00"), D("6900.00"))
    # 2026Q3: intermediate, 3 × 2,900.00 = 8,700.00; loan pay as before (24,480.00,
    # immediate 17,136.00): total 8,700.00 + 17,136.00 = 25,836.00.
    assert (q3.rank, q3.base) == ("intermediate", D("8700.00"))
    assert q3.total_paid == D("25836.00")
    assert {ln.detail for ln in q3.lines.filter(line="base")} == {
        "2900.00 × 31 / 31 days (intermediate)",
        "2900.00 × 30 / 30 days (intermediate)",
    }
    # RM2 (no promotion) keeps the lake's rank.
    assert PayStatement.objects.get(run=after, staff_id="RM2").rank == "senior"


def test_a_rejected_or_later_promotion_leaves_the_quarter_alone(pay_bank: PayBank) -> None:
    check = CareerCheck.objects.create(
        staff_id="RM1", year=2025, rank_from="junior", rank_to="intermediate", eligible=True,
        policy_version="test", computed_at=timezone.now(), status=CheckStatus.PROPOSED,
    )  # fmt: skip
    # Confirmed on 2026-08-01 (in 2026Q3): in effect from 2026Q4 only.
    with mock.patch("rmperf.careers.services.timezone.localdate", return_value=dt.date(2026, 8, 1)):
        career_check_decide(actor=pay_bank.users["bm1"], check_id=check.pk, confirm=True)
    _confirm(QUARTER)
    run = pay_run(actor=None, key=QUARTER)
    q3 = PayStatement.objects.get(run=run, staff_id="RM1")
    assert (q3.rank, q3.base) == ("junior", D("6900.00"))
