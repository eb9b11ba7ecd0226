"""一人一表: proposing and approving annual target sheets (maker-checker), time-progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from rmperf.core.models import AuditEvent
from rmperf.performance.models import TargetSheet
from rmperf.performance.selectors import target_progress
from rmperf.performance.services.goals import target_sheet_respond
from rmperf.performance.services.periods import PerformanceError
from rmperf.performance.services.runs import period_run
from rmperf.performance.services.targets import (
    TargetInput,
    target_sheet_approve,
    target_sheet_propose,
)
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
GROWTH = "deposit_avg_growth"


def _propose(bank: PerfBank, who: str, staff_id: str = "RM1", **kw: object) -> TargetSheet:
    lines = kw.pop("lines", [TargetInput(GROWTH, Decimal("1000000.00"))])
    return target_sheet_propose(
        actor=bank.users[who],
        staff_id=staff_id,
        year=2026,
        lines=lines,
        **kw,  # type: ignore[arg-type]
    )


def test_an_rm_proposes_their_own_sheet_split_into_quarters(perf_bank: PerfBank) -> None:
    sheet = _propose(perf_bank, "rm1")
    assert sheet.status == "proposed"
    line = sheet.lines.get()
    # 1,000,000 ÷ 4 = 250,000 a quarter
    assert line.quarters == (Decimal("250000.00"),) * 4
    assert AuditEvent.objects.filter(verb="performance.targets.propose").count() == 1


def test_uneven_split_and_given_quarters(perf_bank: PerfBank) -> None:
    sheet = _propose(perf_bank, "tl1", lines=[TargetInput(GROWTH, Decimal("100.01"))])
    # 100.01 × ¼ = 25.0025 → 25.00 (half up) three times; Q4 = 100.01 − 75.00 = 25.01
    assert sheet.lines.get().quarters == (
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("25.01"),
    )
    quarters = (Decimal("10"), Decimal("20"), Decimal("30"), Decimal("40"))
    sheet = _propose(perf_bank, "rm1", lines=[TargetInput(GROWTH, Decimal("100"), quarters)])
    assert sheet.lines.get().quarters == quarters


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one line"),
        ([TargetInput("no_such_indicator", Decimal(1))], "not an indicator"),
        ([TargetInput(GROWTH, Decimal(1)), TargetInput(GROWTH, Decimal(2))], "twice"),
        ([TargetInput(GROWTH, Decimal(-1))], "negative"),
        (
            [TargetInput(GROWTH, Decimal(100), (Decimal(1), Decimal(1), Decimal(1), Decimal(1)))],
            "add up to 4.00, not the annual 100.00",
        ),
    ],
)
def test_bad_sheets_are_refused_whole(
    perf_bank: PerfBank, lines: list[TargetInput], message: str
) -> None:
    with pytest.raises(PerformanceError, match=message):
        _propose(perf_bank, "rm1", lines=lines)
    assert not TargetSheet.objects.exists()


def test_who_may_propose(perf_bank: PerfBank) -> None:
    with pytest.raises(Http404):
        _propose(perf_bank, "rm2")  # another RM's sheet
    with pytest.raises(Http404):
        _propose(perf_bank, "bm2")  # RM1 works in BR1, not BR2
    with pytest.raises(Http404):
        _propose(perf_bank, "te1")  # a teller of the branch
    _propose(perf_bank, "bm1")


def test_maker_checker(perf_bank: PerfBank) -> None:
    _propose(perf_bank, "bm1")
    target_sheet_respond(actor=perf_bank.users["rm1"], staff_id="RM1", year=2026, accept=True)
    with pytest.raises(PerformanceError, match="cannot approve"):
        target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM1", year=2026)
    for who in ("rm1", "tl1", "bm2"):
        with pytest.raises(Http404):
            target_sheet_approve(actor=perf_bank.users[who], staff_id="RM1", year=2026)
    sheet = target_sheet_approve(actor=perf_bank.users["hr1"], staff_id="RM1", year=2026)
    assert sheet.status == "approved"
    assert sheet.approved_by == perf_bank.users["hr1"]
    with pytest.raises(PerformanceError, match="Only a proposed"):
        target_sheet_approve(actor=perf_bank.users["root"], staff_id="RM1", year=2026)
    # A change goes back to proposed and needs approval again: once 2026 has begun it is
    # a mid-year change, with a reason and two approvers (tests/performance/test_goals.py).
    sheet = _propose(
        perf_bank, "rm1", lines=[TargetInput(GROWTH, Decimal("2000000"))], reason="new branch"
    )
    assert (sheet.status, sheet.approved_by) == ("proposed", None)
    target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM1", year=2026)
    target_sheet_approve(actor=perf_bank.users["hr1"], staff_id="RM1", year=2026)


def test_the_database_refuses_a_self_approved_sheet(perf_bank: PerfBank) -> None:
    sheet = _propose(perf_bank, "bm1")
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetSheet.objects.filter(pk=sheet.pk).update(approved_by=perf_bank.users["bm1"])


def test_time_progress_beside_the_actual(perf_bank: PerfBank) -> None:
    _propose(perf_bank, "rm2", "RM2", lines=[TargetInput(GROWTH, Decimal("1200000"))])
    target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM2", year=2026)
    period_run(actor=None, key="2026Q3")
    sheet = TargetSheet.objects.get()
    # 2026-08-15: day 46 of Q3's 92 days → expected 46 ÷ 92 = 0.5000
    (row,) = target_progress(
        actor=perf_bank.users["rm2"], sheet=sheet, today=dt.date(2026, 8, 15), language="en"
    )
    assert row.quarter_key == "2026Q3"
    assert row.quarter_target == Decimal("300000.00")  # 1,200,000 ÷ 4
    assert row.expected == Decimal("0.5000")
    # actual growth 150,000 of 300,000 → 0.5000: on track, not behind
    assert row.actual == Decimal("150000.000000")
    assert row.completion == Decimal("0.5000")
    assert not row.behind
    # 2026-09-01: day 63 of 92 → 63 ÷ 92 = 0.68478… → 0.6848; 0.5 < 0.6848: behind
    (row,) = target_progress(
        actor=perf_bank.users["rm2"], sheet=sheet, today=dt.date(2026, 9, 1), language="en"
    )
    assert row.expected == Decimal("0.6848")
    assert row.behind
