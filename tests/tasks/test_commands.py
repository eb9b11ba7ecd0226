"""The daily run as a management command and as a background task; the nav badge query."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.tasks.background import task_run_task
from rmperf.tasks.context_processors import task_nav
from rmperf.tasks.models import Task, TaskRun
from tests.factories import Bank
from tests.tasks.conftest import make_task, persona_lake

pytestmark = pytest.mark.django_db


def _lake_with_request(tmp_path: Path) -> Path:
    today = timezone.localdate()
    b = persona_lake(today)
    b.add(
        "requests",
        {"request_id": "Q1", "customer_id": "C001", "staff_id": "RM1",
         "received_at": f"{today.isoformat()}T09:00:00+08:00", "resolved_at": ""},
    )  # fmt: skip
    return b.write(tmp_path / "lake")


def test_management_command_runs_on_the_lake_in_use(
    bank: Bank, tmp_path: Path, settings: Any
) -> None:
    settings.RMPERF_LAKE_DIR = str(_lake_with_request(tmp_path))
    out = StringIO()
    call_command("task_run", stdout=out)
    assert "1 proposed, 1 created, 0 closed, 0 skipped" in out.getvalue()
    assert Task.objects.get().source_key == "Q1"


def test_management_command_without_a_lake(bank: Bank, settings: Any) -> None:
    settings.RMPERF_LAKE_DIR = ""
    with pytest.raises(CommandError, match=r"数据湖|No lake"):
        call_command("task_run")


def test_background_task(bank: Bank, tmp_path: Path, settings: Any) -> None:
    settings.RMPERF_LAKE_DIR = str(_lake_with_request(tmp_path))
    run_id = task_run_task.call(as_of=timezone.localdate().isoformat())
    assert TaskRun.objects.get(pk=run_id).created == 1


def test_nav_badge_is_one_query(bank: Bank) -> None:
    today = timezone.localdate()
    make_task(staff=bank.alice, customer=bank.c001, key="a", due=today)
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=today)
    request = RequestFactory().get("/")
    request.user = bank.user("alice")
    request.user.staff  # noqa: B018 - load the staff record outside the measured block
    with CaptureQueriesContext(connection) as queries:
        context = task_nav(request)
    assert (context["nav_tasks_today"], context["nav_tasks_overdue"]) == (2, 0)
    assert len(queries) == 1
    anonymous = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    anonymous.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert task_nav(anonymous) == {"nav_tasks": False}
    assert len(queries) == 0
