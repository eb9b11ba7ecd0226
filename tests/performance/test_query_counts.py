"""No N+1 on the ranking, export and scorecard pages: the same number of queries for 5
results (or lines) as for 50."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.org.models import Staff
from rmperf.performance.models import LineResult, PerfPeriod, RmResult, ScoringRun
from rmperf.policies.selectors import policy_active
from tests.factories import Bank


def _period() -> tuple[PerfPeriod, ScoringRun]:
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key="2026Q3", kind="quarter", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30),
        status="computed", opened_at=now,
    )  # fmt: skip
    run = ScoringRun.objects.create(
        period=period, lake_path="/nowhere", policy_digest="p", targets_digest="t",
        inputs_digest="i", started_at=now, finished_at=now, actor_label="system",
        status="succeeded", policy_versions={"test_retail": "abc"},
    )  # fmt: skip
    return period, run


def _result(run: ScoringRun, staff: Staff, total: str) -> RmResult:
    return RmResult.objects.create(
        period=run.period, run=run, staff=staff, scorecard="test_retail", policy_version="abc",
        base=Decimal(total), bonus=Decimal(0), deduction=Decimal(0), total=Decimal(total),
        tier="competent", rated_tier="competent",
    )  # fmt: skip


def _line(result: RmResult, i: int, indicator: str) -> None:
    LineResult.objects.create(
        result=result, position=i, line=f"{indicator}_{i}", indicator=indicator,
        method="ratio", weight=Decimal(10), value=Decimal(1), target=Decimal(2),
        completion=Decimal("0.5"), effective_weight=Decimal(10), points=Decimal(5),
    )  # fmt: skip


def grow_results(bank: Bank, run: ScoringRun, start: int, n: int) -> None:
    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-P{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.team_a2, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        result = _result(run, rm, "70.00")
        _line(result, 1, "deposit_avg_growth")
        _line(result, 2, "nps")


def grow_lines(bank: Bank, run: ScoringRun, start: int, n: int) -> None:
    result = RmResult.objects.filter(staff=bank.alice).first() or _result(run, bank.alice, "80")
    for i in range(start, start + n):
        _line(result, i + 1, "complaints" if i % 2 else "wealth_sales")


PAGES = [
    ("/performance/2026Q3/", "mike", grow_results),
    ("/performance/2026Q3/export/", "mike", grow_results),
    ("/performance/2026Q3/staff/S-ALICE/", "alice", grow_lines),
]


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "persona", "grow"), PAGES, ids=[p[0] for p in PAGES])
def test_query_count_does_not_grow_with_rows(
    bank: Bank,
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    persona: str,
    grow: Callable[[Bank, ScoringRun, int, int], None],
) -> None:
    monkeypatch.setattr("rmperf.core.middleware._TOUCH_EVERY_SECONDS", 3600)
    _period_obj, run = _period()
    policy_active("scorecards")  # the shipped set is recorded on first use, before counting
    client = client_as(persona)
    client.get(url)
    grow(bank, run, 0, 5)
    with_5 = _count(client, url)
    grow(bank, run, 5, 45)
    with_50 = _count(client, url)
    assert with_5 == with_50, f"{url}: {with_5} queries for 5 rows, {with_50} for 50"
