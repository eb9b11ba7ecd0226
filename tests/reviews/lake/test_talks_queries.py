"""The due-talk list (the manager's desk shows its overdue part on every visit) reads all
the confirmed quarters it looks at in a fixed number of queries, not two per quarter
(issue #18, bench/load.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.performance.models import PerfPeriod, PeriodKind, PeriodStatus
from rmperf.performance.services.calibration import period_confirm_calibration
from rmperf.performance.services.periods import period_open
from rmperf.performance.services.runs import period_run
from rmperf.reviews.selectors import talks_due
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db


def _queries(bank: PerfBank, today: dt.date) -> tuple[int, list[str]]:
    tl1 = bank.users["tl1"]
    talks_due(actor=tl1, today=today)  # the actor's staff record and the policy, loaded
    with CaptureQueriesContext(connection) as ctx:
        rows = talks_due(actor=tl1, today=today)
    return len(ctx.captured_queries), [d.staff.staff_id for d in rows]


def test_more_confirmed_quarters_cost_no_more_queries(perf_bank: PerfBank) -> None:
    period_open(actor=None, key="2026Q3")
    period_run(actor=None, key="2026Q3")
    period_confirm_calibration(actor=perf_bank.users["hr1"], key="2026Q3")
    today = timezone.localdate() + dt.timedelta(days=30)
    one, due = _queries(perf_bank, today)
    # tl1 leads RM1 and RM2, both scored in 2026Q3, no talk recorded yet.
    assert due == ["RM1", "RM2"]
    # Two earlier quarters confirmed without results: they add no talk and no query.
    now = timezone.now()
    for key, start, end in (
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ):
        PerfPeriod.objects.create(
            key=key, kind=PeriodKind.QUARTER, start=start, end=end,
            status=PeriodStatus.CALIBRATED, opened_at=now, confirmed_at=now,
        )  # fmt: skip
    three, due = _queries(perf_bank, today)
    assert due == ["RM1", "RM2"]
    # the policy, the quarters, the talks held, the results = 4, however many quarters
    assert one == three == 4
