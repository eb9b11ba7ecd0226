"""Helpers for the tasks app: a lake built around the persona bank, and a task factory.

The lake names the persona staff (S-ALICE, S-BOB) and customers (C001 alice's, C004
bob's), so the daily run's rows land on records the app knows. Dates are relative to
today (the persona bank's assignments are), D = today.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from rmperf.customers.models import Customer
from rmperf.org.models import Staff
from rmperf.tasks.models import Task, TaskRun, TaskStatus
from tests.lakebuilder import LakeBuilder


def iso(day: dt.date) -> str:
    return day.isoformat()


def persona_lake(today: dt.date) -> LakeBuilder:
    b = LakeBuilder()
    for sid, name in (("S-ALICE", "Alice An"), ("S-BOB", "Bob Bai")):
        b.add(
            "staff",
            {"staff_id": sid, "name": name, "role": "rm", "rank": "senior", "unit_id": "TM1",
             "hired_on": "2020-01-01"},
        )  # fmt: skip
    fresh = {"contact_verified_on": iso(today - dt.timedelta(days=10)),
             "risk_assessed_on": iso(today - dt.timedelta(days=10))}  # fmt: skip
    b.customer("C001", rm="S-ALICE", since="2020-01-01", **fresh)
    b.customer("C004", rm="S-BOB", since="2020-01-01", **fresh)
    b.customer("ZZ9", rm="S-ALICE", since="2020-01-01", **fresh)  # not in the app: skipped
    for cid in ("C001", "C004", "ZZ9"):
        b.txn(cid, f"{iso(today - dt.timedelta(days=1))}T10:00:00+08:00")
    return b


def write(b: LakeBuilder, path: Path) -> Path:
    return b.write(path)


def make_task(
    *,
    staff: Staff,
    customer: Customer,
    kind: str = "birthday",
    due: dt.date | None = None,
    key: str = "k",
    status: str = TaskStatus.OPEN,
) -> Task:
    now = timezone.now()
    run = TaskRun.objects.create(
        as_of=timezone.localdate(), lake_path="/x", policy_digest="d", started_at=now,
        finished_at=now,
    )  # fmt: skip
    return Task.objects.create(
        staff=staff,
        customer=customer,
        kind=kind,
        source_key=key,
        due_date=due or timezone.localdate(),
        reason="Birthday soon",
        reason_zh="生日将至",
        action="Greet",
        action_zh="问候",
        status=status,
        first_run=run,
        created_on=timezone.localdate(),
    )
