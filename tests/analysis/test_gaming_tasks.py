"""Tasks closed in bulk without an interaction, from the app's tasks, in the app's gaming
run on the persona bank (tests/analysis/lake.py: no interactions in the lake)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from rmperf.analysis.gaming_tasks import done_tasks
from rmperf.analysis.models import GamingEvidence, GamingFlag
from rmperf.analysis.services import gaming_run
from rmperf.customers.models import Customer
from rmperf.engine.periods import Period
from rmperf.tasks.models import Interaction, Task, TaskRun, TaskStatus
from tests.factories import Bank

CLOSED = dt.date(2026, 8, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _close_tasks(bank: Bank, n: int, *, logged: int) -> list[Task]:
    """`n` of alice's tasks created 1 August and done on 20 August, the first `logged` of
    them with an interaction logged in the app against the task."""
    run = TaskRun.objects.create(
        as_of=dt.date(2026, 8, 1), lake_path="/x", policy_digest="d",
        started_at=timezone.now(), finished_at=timezone.now(),
    )  # fmt: skip
    customers = list(
        Customer.objects.filter(customer_id__in=["C001", "C002", "C003"]).order_by("customer_id")
    )
    tasks = []
    for i in range(n):
        task = Task.objects.create(
            staff=bank.alice, customer=customers[i % 3], kind="birthday", source_key=f"k{i}",
            due_date=CLOSED, reason="r", reason_zh="r", action="a", action_zh="a",
            status=TaskStatus.DONE, first_run=run, created_on=dt.date(2026, 8, 1),
            closed_on=CLOSED,
        )  # fmt: skip
        if i < logged:
            Interaction.objects.create(
                customer=task.customer, staff=bank.alice, task=task, channel="phone",
                outcome="reached", ts=dt.datetime(2026, 8, 20, 10, tzinfo=SHANGHAI),
            )  # fmt: skip
        tasks.append(task)
    return tasks


def test_done_tasks_carry_the_logged_interaction(ready: Bank) -> None:
    _close_tasks(ready, 3, logged=1)
    table = done_tasks(Period.parse("2026Q3")).to_pylist()
    # Tasks 0, 1, 2 are C001, C002, C003; the one contact is logged against task 0.
    assert [r["logged"] for r in table] == [True, False, False]
    assert {r["closed_on"] for r in table} == {CLOSED}


def test_a_bulk_closing_day_is_flagged(ready: Bank) -> None:
    # 10 tasks closed on one day; task 0's contact is logged in the app, and as C001 it
    # also covers task 3, 6 and 9 (same customer, same RM, within their window): 6 of 10
    # = 0.6 bare, under 0.8: not flagged.
    _close_tasks(ready, 10, logged=1)
    gaming_run(actor=None, key="2026Q3")
    assert not GamingFlag.objects.filter(kind="bulk_task_closing").exists()


def test_bulk_closing_without_contacts(ready: Bank) -> None:
    # 10 tasks, no contact at all: 10 of 10 bare ≥ 0.8 and 10 ≥ 10 tasks: flagged.
    _close_tasks(ready, 10, logged=0)
    gaming_run(actor=None, key="2026Q3")
    flag = GamingFlag.objects.get(kind="bulk_task_closing")
    assert (flag.staff_id, flag.instances, flag.measure) == ("S-ALICE", 1, "1 days")
    assert GamingEvidence.objects.filter(flag=flag, table="tasks").count() == 10
