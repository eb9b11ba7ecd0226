"""The inbox opens on the tab with work and marks it; the contact log starts empty and
refuses an empty submission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.tasks.models import Interaction
from tests.factories import Bank
from tests.tasks.conftest import make_task

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _tabs(body: str) -> str:
    return body.split('class="tabs"')[1].split("</p>")[0]


def test_inbox_opens_on_overdue_when_today_is_empty(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    make_task(staff=bank.alice, customer=bank.c001, key="a", due=today - dt.timedelta(days=1))
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=today - dt.timedelta(days=4))
    body = client_as("alice").get("/tasks/", **EN).content.decode()
    tabs = _tabs(body)
    # Overdue first, counted (2) and selected; today (0) is not.
    assert tabs.index("Overdue (2)") < tabs.index("Today (0)")
    current = [line for line in tabs.split("<a") if 'aria-current="page"' in line]
    assert len(current) == 1 and "section=overdue" in current[0]
    table = body.split('id="task-table"')[1]
    assert "C001" in table and "C002" in table


def test_inbox_opens_on_today_when_there_is_work_today(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    make_task(staff=bank.alice, customer=bank.c001, key="a", due=today - dt.timedelta(days=1))
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=today)
    tabs = _tabs(client_as("alice").get("/tasks/", **EN).content.decode())
    current = [line for line in tabs.split("<a") if 'aria-current="page"' in line]
    assert len(current) == 1 and "section=today" in current[0] and "Today (1)" in current[0]
    # A tab asked for is kept.
    tabs = _tabs(client_as("alice").get("/tasks/?section=upcoming", **EN).content.decode())
    current = [line for line in tabs.split("<a") if 'aria-current="page"' in line]
    assert "section=upcoming" in current[0]


def test_contact_log_starts_empty_and_refuses_an_empty_submission(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("alice")
    page = alice.get("/tasks/customers/C001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    form = page.split('id="interaction-form"')[1].split("</form>")[0]
    for name in ("channel", "outcome"):
        select = form.split(f'name="{name}"')[1].split("</select>")[0]
        # The first option is the empty one, selected; nothing else is preselected.
        first = select.split("<option")[1]
        assert 'value=""' in first and "selected" in first and "请选择" in first
        assert select.count("selected") == 1
    assert "手机号" not in form and "电话" in form  # the channel is a phone call, not a number
    response = alice.post("/tasks/customers/C001/", {}, **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("This field is required.") == 2
    assert Interaction.objects.count() == 0
    # Channel and outcome chosen: saved.
    response = alice.post("/tasks/customers/C001/", {"channel": "visit", "outcome": "reached"})
    assert response.status_code == 302
    assert Interaction.objects.get().channel == "visit"
