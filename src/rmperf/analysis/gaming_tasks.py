"""The app's tasks for the gaming rule `bulk_task_closing` (engine/analysis/gaming.py):
the tasks marked done in a period, each with whether an interaction by the RM with the
task's customer was logged in the app between the task's creation and its closing (the
engine looks in the lake's interactions too)."""

from __future__ import annotations

import pyarrow as pa
from django.db.models import Exists, OuterRef, Q

from rmperf.engine.analysis import TASKS_SCHEMA
from rmperf.engine.periods import Period
from rmperf.tasks.models import Interaction, Task, TaskStatus


def done_tasks(period: Period) -> pa.Table:
    """Tasks with status done and closed_on in the period (TASKS_SCHEMA)."""
    logged = Interaction.objects.filter(
        Q(task=OuterRef("pk"))
        | Q(
            customer=OuterRef("customer"),
            staff=OuterRef("staff"),
            ts__date__gte=OuterRef("created_on"),
            ts__date__lte=OuterRef("closed_on"),
        )
    )
    found = (
        Task.objects.filter(
            status=TaskStatus.DONE,
            closed_on__isnull=False,
            closed_on__range=(period.start, period.end),
        )
        .annotate(logged=Exists(logged))
        .order_by("pk")
        .values_list("pk", "staff_id", "customer_id", "created_on", "closed_on", "logged")
    )
    cols: dict[str, list[object]] = {name: [] for name in TASKS_SCHEMA.names}
    for pk, staff_id, customer_id, created_on, closed_on, was_logged in found:
        cols["task_id"].append(str(pk))
        cols["staff_id"].append(staff_id)
        cols["customer_id"].append(customer_id)
        cols["created_on"].append(created_on)
        cols["closed_on"].append(closed_on)
        cols["logged"].append(bool(was_logged))
    return pa.table(cols, schema=TASKS_SCHEMA)
