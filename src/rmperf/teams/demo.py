"""The demo's team rhythm (seed 002): the case RM's team leader fills today's 晨会 board and
this week's Monday review from the lake with a note each, records a check-in with the RM
about one of their open tasks, and HR enters a course the RM attended, so the team page,
the boards and the RM's page are not empty."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rmperf.org.models import Staff
from rmperf.tasks.models import Task, TaskStatus
from rmperf.teams.models import Board, BoardKind, CheckIn, Training
from rmperf.teams.services import (
    board_fill,
    board_notes_save,
    checkin_record,
    training_enter,
)


@dataclass(frozen=True)
class RhythmStory:
    daily: Board
    weekly: Board
    checkin: CheckIn | None
    training: Training | None


def demo_team_rhythm(*, leader: Any, hr: Any, rm_staff_id: str) -> RhythmStory:
    """Run the story once a day: boards are refilled, the check-in and the training record
    are added only when the RM has none yet."""
    rm = Staff.objects.select_related("unit").get(pk=rm_staff_id)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    daily = board_fill(actor=leader, unit_id=rm.unit_id, kind=BoardKind.DAILY, day=today)
    if not daily.notes:
        daily = board_notes_save(
            actor=leader,
            board_id=daily.pk,
            notes="昨日新增资产与开户数已过；客户疑问逐条认领，今日下班前回复。",
        )
    weekly = board_fill(actor=leader, unit_id=rm.unit_id, kind=BoardKind.WEEKLY, day=monday)
    if not weekly.notes:
        weekly = board_notes_save(
            actor=leader,
            board_id=weekly.pk,
            notes="上周对照目标复盘：落后指标各自说明原因与本周措施；16日前完成当月任务。",
        )
    checkin = None
    if not CheckIn.objects.filter(staff=rm).exists():
        task = (
            Task.objects.filter(staff=rm, status=TaskStatus.OPEN).order_by("due_date", "pk").first()
        )
        checkin = checkin_record(
            actor=leader,
            staff_id=rm.staff_id,
            day=today,
            note="一对一：过一遍今日待办，先处理到期与客户诉求。",
            customer_id=task.customer_id if task else "",
            task_id=task.pk if task else None,
        )
    training = None
    if not Training.objects.filter(staff=rm).exists():
        training = training_enter(
            actor=hr,
            staff_id=rm.staff_id,
            day=max(today - dt.timedelta(days=7), rm.hired_on),
            kind="course",
            name="反洗钱合规培训",
            hours=Decimal("4.00"),
        )
    return RhythmStory(daily=daily, weekly=weekly, checkin=checkin, training=training)
