"""Task endpoints: the signed-in user's inbox section and counts (same FilterSet as the page)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from rmperf.core.schemas import ErrorOut
from rmperf.tasks.models import TaskKind
from rmperf.tasks.selectors import SECTIONS, task_counts, task_inbox

router = Router(tags=["tasks"])
API_LIMIT = 200


class TaskFilterIn(Schema):
    section: Literal["today", "overdue", "upcoming", "snoozed"] = Field(
        "today", description="today, overdue, upcoming or snoozed"
    )
    kind: list[TaskKind] = Field([], description="task kinds (any of)")
    customer: str = Field("", description="customer id or part of the name")


class TaskOut(Schema):
    id: int
    staff_id: str
    customer_id: str
    kind: str
    due_date: dt.date
    reason: str
    reason_zh: str
    action: str
    action_zh: str
    source_key: str
    status: str
    snoozed_until: dt.date | None


class TaskListOut(Schema):
    count: int
    items: list[TaskOut]


class TaskCountsOut(Schema):
    today: int
    overdue: int


@router.get("/", response={200: TaskListOut, 401: ErrorOut, 422: ErrorOut}, url_name="task_list")
def task_list(request: HttpRequest, filters: Query[TaskFilterIn]) -> TaskListOut:
    """Open tasks of one inbox section in the user's scope (at most 200, by due date)."""
    if filters.section not in SECTIONS:
        raise ValidationError([{"loc": ["query", "section"], "msg": "unknown section"}])
    data = {"kind": filters.kind, "customer": filters.customer}
    filterset = task_inbox(actor=request.user, section=filters.section, filters=data)
    if not filterset.is_valid():
        raise ValidationError([{"loc": ["query"], "msg": str(filterset.errors)}])
    qs = filterset.qs
    items = [
        TaskOut(
            id=t.pk,
            staff_id=t.staff_id,
            customer_id=t.customer_id,
            kind=t.kind,
            due_date=t.due_date,
            reason=t.reason,
            reason_zh=t.reason_zh,
            action=t.action,
            action_zh=t.action_zh,
            source_key=t.source_key,
            status=t.status,
            snoozed_until=t.snoozed_until,
        )
        for t in qs[:API_LIMIT]
    ]
    return TaskListOut(count=qs.count(), items=items)


@router.get("/counts/", response={200: TaskCountsOut, 401: ErrorOut}, url_name="task_counts")
def task_count(request: HttpRequest) -> TaskCountsOut:
    """The user's own open tasks due today and overdue (the navigation badge)."""
    counts = task_counts(actor=request.user)
    return TaskCountsOut(today=counts["today"], overdue=counts["overdue"])
