"""What every page repeats is done once per request (issue #18, bench/load.md): the
signed-in user comes with their staff record and unit in one query, the navigation's
context processors run once however many times the page renders (django-tables2 renders
each table with the request), and the task badge is never stale on the next page.

The query budgets of the load test's pages are ceilings: a change that adds a query to
one of them fails here and has to raise the budget on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.tasks.services import task_done
from tests.factories import Bank
from tests.tasks.conftest import make_task

BADGE = re.compile(r'id="nav-tasks"[^>]*>[^<]*<span class="tag"[^>]*>(\d+)/(\d+)</span>')


def _queries(client: Client, url: str) -> list[str]:
    client.get(url)  # first request of the session: stamps the idle clock (a session write)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def test_the_task_counts_api_costs_three_queries(client_as: Callable[[str], Client]) -> None:
    # 1 the session row, 2 the user joined with their staff record and unit,
    # 3 the badge's aggregate over the actor's own tasks = 3.
    queries = _queries(client_as("alice"), "/api/tasks/counts/")
    assert len(queries) == 3, queries
    user_query = queries[1]
    assert '"auth_user"' in user_query
    assert '"org_staff"' in user_query
    assert '"org_orgunit"' in user_query


def test_a_user_without_staff_record_still_signs_in(client_as: Callable[[str], Client]) -> None:
    response = client_as("nostaff").get("/api/tasks/counts/")
    assert response.status_code == 200
    assert response.json() == {"today": 0, "overdue": 0}


@pytest.mark.parametrize("url", ["/customers/", "/tasks/", "/workbench/"])
def test_the_task_badge_is_counted_once_per_page(
    client_as: Callable[[str], Client], url: str
) -> None:
    # /customers/ renders its table with {% render_table %} (the processors' second
    # run); the inbox picks its tab from the counts, shows them on the tabs and in the
    # badge; the workbench shows them on its tabs and in the badge. One aggregate each.
    queries = _queries(client_as("alice"), url)
    aggregates = [q for q in queries if 'FROM "rm_tasks_task"' in q and 'AS "overdue"' in q]
    assert len(aggregates) == 1, queries


def _badge(client: Client) -> tuple[int, int] | None:
    html = client.get("/customers/").content.decode()
    found = BADGE.search(html)
    return (int(found.group(1)), int(found.group(2))) if found else None


def test_a_task_done_changes_the_badge_on_the_next_page(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    late = timezone.localdate() - dt.timedelta(days=3)
    first = make_task(staff=bank.alice, customer=bank.c001, key="a", due=late)
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=late)
    make_task(staff=bank.alice, customer=bank.c002, key="c")  # due today
    client = client_as("alice")
    # today 1 (c), overdue 2 (a, b)
    assert _badge(client) == (1, 2)
    task_done(actor=bank.user("alice"), task_ids=[first.pk])
    # today 1 (c), overdue 2 - 1 = 1 (b)
    assert _badge(client) == (1, 1)


def test_closing_a_task_from_the_inbox_counts_afresh(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    late = timezone.localdate() - dt.timedelta(days=3)
    first = make_task(staff=bank.alice, customer=bank.c001, key="a", due=late)
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=late)
    client = client_as("alice")
    response = client.post(
        "/tasks/act/",
        {"action": "done", "task": [first.pk], "section": "overdue"},
        follow=True,
    )
    assert response.status_code == 200
    # overdue 2 - 1 = 1; nothing due today
    found = BADGE.search(response.content.decode())
    assert found is not None
    assert (int(found.group(1)), int(found.group(2))) == (0, 1)


#: Query ceilings of the load test's pages on the persona bank (bench/load/locustfile.py),
#: after the user, staff and unit became one query and the processors run once a page.
#: Each is the count on that bank today; every page starts with the session and the user
#: (2), e.g. /api/policies/versions = 2 + the versions list (1) = 3. The landing pages and
#: the customer list read the data version (1) for their kept fragments: the budget is the
#: page rendered afresh (a kept fragment reads nothing of its own).
BUDGETS = [
    ("alice", "/customers/", 9),
    ("alice", "/customers/C001/", 8),  # + the lake import the customer profile reads
    ("alice", "/tasks/", 5),
    ("alice", "/workbench/", 13),
    ("alice", "/referrals/", 5),
    ("terry", "/referrals/", 5),
    ("terry", "/api/referrals/", 3),
    ("tina", "/tasks/team/", 5),
    ("tina", "/workbench/desk/", 12),  # + the latest unit scores (performance.UnitResult)
    ("mike", "/workbench/desk/", 15),
    ("mike", "/segments/", 5),
    ("hannah", "/performance/", 3),
    ("hannah", "/policies/", 3),
    ("hannah", "/api/policies/versions", 3),
    ("hannah", "/org/", 4),
]


@pytest.mark.parametrize(("persona", "url", "budget"), BUDGETS)
def test_page_query_budget(
    client_as: Callable[[str], Client], persona: str, url: str, budget: int
) -> None:
    queries = _queries(client_as(persona), url)
    assert len(queries) <= budget, "\n".join(queries)


def test_the_desk_counts_the_teams_open_tasks_in_one_query(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    late = timezone.localdate() - dt.timedelta(days=3)
    make_task(staff=bank.alice, customer=bank.c001, key="a", due=late)
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=late)
    make_task(staff=bank.alice, customer=bank.c002, key="c")  # due today
    make_task(staff=bank.alice, customer=bank.c003, key="d", due=late, status="done")
    client = client_as("mike")
    client.get("/workbench/desk/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/workbench/desk/")
    desk = response.context["desk"]
    # alice's open tasks in mike's branch: overdue a, b = 2; today c = 1 (d is done)
    assert (desk.overdue_total, desk.today_total) == (2, 1)
    totals = [q["sql"] for q in ctx.captured_queries if 'AS "today"' in q["sql"]]
    # the desk's team totals and the badge's own counts (mike's tasks): 2 aggregates
    assert len(totals) == 2, totals
