"""The service calendar's kinds in the daily run: created once, a re-run creates nothing.

D = 2026-10-08, the first working day after the 2026 National Day break (1 … 7 October):
inside 2026Q4's core-review window (up to the 10th working day, 20 October). C001 is a
core customer on D: last transaction on D − 1 (R = 1 ≤ 30), five transactions in 90 days
(F = 5 ≥ 5) and 600,000.00 average deposits in each of August, September and October,
the three months ending with D's month (M = 600,000.00 ≥ 500,000.00). C004 has one transaction (F = 1): tier other, no review.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import translation

from rmperf.tasks.models import Task, TaskKind
from rmperf.tasks.services import task_run
from tests.factories import Bank
from tests.tasks.conftest import iso, persona_lake

pytestmark = pytest.mark.django_db

D = dt.date(2026, 10, 8)


def test_core_review_created_once(bank: Bank, tmp_path: Path) -> None:
    b = persona_lake(D)
    for n in (2, 10, 20, 40):  # with persona_lake's D − 1: five in 90 days
        b.txn("C001", f"{iso(D - dt.timedelta(days=n))}T10:00:00+08:00")
    for month in ("2026-08", "2026-09", "2026-10"):
        b.balance("C001", month, "deposit", "600000.00")
    lake = b.write(tmp_path / "lake")
    first = task_run(actor=None, as_of=D, lake_dir=lake)
    assert TaskKind.CORE_REVIEW in first.kinds
    reviews = list(Task.objects.filter(kind=TaskKind.CORE_REVIEW))
    assert [(t.staff_id, t.customer_id, t.source_key, t.due_date) for t in reviews] == [
        ("S-ALICE", "C001", "2026Q4", dt.date(2026, 10, 20))
    ]
    label = TaskKind(reviews[0].kind).label
    with translation.override("zh-hans"):
        assert str(label) == "季度资产检视"
    with translation.override("en"):
        assert str(label) == "Quarterly asset review"
        assert str(TaskKind.HOLIDAY_BENEFIT.label) == "Holiday benefit"
    with translation.override("zh-hans"):
        assert str(TaskKind.HOLIDAY_BENEFIT.label) == "节日权益"
    again = task_run(actor=None, as_of=D, lake_dir=lake)
    assert (again.created, again.closed) == (0, 0)
    assert Task.objects.filter(kind=TaskKind.CORE_REVIEW).count() == 1
