"""No N+1: each list page runs the same number of queries for 5 rows as for 50."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rmperf.core.audit import audit_record
from rmperf.customers.models import Assignment
from rmperf.org.models import OrgUnit, Staff, unit_path
from tests.factories import Bank, add_customers, make_assignment, make_customer
from tests.pay.helpers import grow_statements


def grow_customers(bank: Bank, start: int, n: int) -> None:
    add_customers(staff=bank.alice, count=n, prefix=f"Q{start}-")


def grow_rms(bank: Bank, start: int, n: int) -> None:
    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-RM{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.team_a2, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        customer = make_customer(customer_id=f"QC{i}", name=f"客户{i}", unit=bank.branch_a)
        make_assignment(customer=customer, staff=rm, valid_from=dt.date(2024, 1, 1))


def grow_reports(bank: Bank, start: int, n: int) -> None:
    """RMs of team A2, each with a 2026-11 monthly report."""
    from django.utils import timezone

    from rmperf.reports.models import MonthlyReport
    from tests.reports.helpers import FIGURES

    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-RP{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.team_a2, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        MonthlyReport.objects.create(
            staff=rm, month="2026-11", unit=bank.team_a2, generated_at=timezone.now(),
            figures=FIGURES, digest="0" * 64,
        )  # fmt: skip


def grow_loads(bank: Bank, start: int, n: int) -> None:
    """RMs of team A2 with a load in the 2026Q3 workload run, and a flag each."""
    from decimal import Decimal

    from rmperf.analysis.models import GamingFlag, GamingRun, RmLoad, WorkloadRun

    run = WorkloadRun.objects.filter(period_key="2026Q3").first() or WorkloadRun.objects.create(
        period_key="2026Q3", status="succeeded", actor_label="system", policy_digest="0" * 64,
        over=Decimal("1"), under=Decimal("0.8"),
    )  # fmt: skip
    gaming = GamingRun.objects.filter(period_key="2026Q3").first() or GamingRun.objects.create(
        period_key="2026Q3", status="succeeded", actor_label="system", policy_digest="0" * 64
    )
    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-WL{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.team_a2 if i % 2 else bank.team_a1, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        RmLoad.objects.create(
            run=run, staff=rm, branch=bank.branch_a, loans=i, demand_days=Decimal(i),
            available_days=66, utilisation=Decimal(i) / 66, customers=1, load="over",
        )  # fmt: skip
        GamingFlag.objects.create(
            run=gaming, staff=rm, period_key="2026Q3", kind="loan_bunching", instances=1,
            measure="m", threshold="t", policy_version="0" * 12,
        )  # fmt: skip


def grow_rounds(bank: Bank, start: int, n: int) -> None:
    """360 rounds over Branch A (alice and carol review each other), opened by mike."""
    from rmperf.feedback.services import round_open

    for i in range(start, start + n):
        round_open(actor=bank.user("mike"), unit_id="BA", period="2026Q3", title=f"R{i}")


def grow_units(bank: Bank, start: int, n: int) -> None:
    for i in range(start, start + n):
        unit = OrgUnit.objects.create(
            unit_id=f"TQ{i}", name=f"Team {i}", kind="team", parent=bank.branch_b,
            path=unit_path(bank.branch_b.path, f"TQ{i}"),
        )  # fmt: skip
        Staff.objects.create(
            staff_id=f"S-Q{i}", name=f"Q {i}", role="rm", unit=unit,
            hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip


def grow_events(bank: Bank, start: int, n: int) -> None:
    for i in range(start, start + n):
        audit_record(actor=bank.user("alice"), verb="test.event", object_type="x", object_id=str(i))


def grow_history(bank: Bank, start: int, n: int) -> None:
    # Older, closed assignments of C001 (alice's since 400 days ago).
    first = Assignment.objects.filter(customer=bank.c001).order_by("valid_from").first()
    assert first is not None
    for i in range(start, start + n):
        day = first.valid_from - dt.timedelta(days=10 * (i + 1))
        make_assignment(customer=bank.c001, staff=bank.carol, valid_from=day, valid_to=day)


def grow_tasks(bank: Bank, start: int, n: int) -> None:
    """n overdue tasks of alice's, on her customers in turn (the landing pages' lists)."""
    from django.utils import timezone

    from tests.tasks.conftest import make_task

    late = timezone.localdate() - dt.timedelta(days=2)
    customers = (bank.c001, bank.c002, bank.c003)
    for i in range(start, start + n):
        make_task(staff=bank.alice, customer=customers[i % 3], key=f"grow{i}", due=late)


def grow_checkins(bank: Bank, start: int, n: int) -> None:
    """n check-ins of tina with alice, each about a customer and a task (the team page)."""
    from tests.teams.helpers import grow_checkins as grow

    grow(bank, start, n)


@dataclass(frozen=True)
class ListPage:
    url: str
    persona: str
    grow: Callable[[Bank, int, int], None]


LIST_PAGES = [
    ListPage("/customers/", "alice", grow_customers),
    ListPage("/customers/?kind=retail&sort=name", "alice", grow_customers),
    ListPage("/api/customers", "alice", grow_customers),
    ListPage("/customers/C001/", "alice", grow_history),
    ListPage("/api/customers/C001", "alice", grow_history),
    ListPage("/org/units/BA/", "mike", grow_rms),
    ListPage("/org/", "hannah", grow_units),
    ListPage("/api/org/units", "hannah", grow_units),
    ListPage("/audit/", "audrey", grow_events),
    ListPage("/workbench/", "alice", grow_tasks),
    ListPage("/workbench/desk/", "mike", grow_tasks),
    ListPage("/pay/?period=2026Q3", "hannah", grow_statements),
    ListPage("/pay/cost/?period=2026Q3", "mike", grow_statements),
    ListPage("/api/pay/statements?period=2026Q3", "tina", grow_statements),
    ListPage("/analysis/workload/?period=2026Q3", "mike", grow_loads),
    ListPage("/analysis/gaming/?period=2026Q3", "mike", grow_loads),
    ListPage("/feedback/", "mike", grow_rounds),
    ListPage("/feedback/", "alice", grow_rounds),
    ListPage("/teams/TA1/", "tina", grow_checkins),
    ListPage("/teams/staff/S-ALICE/", "tina", grow_checkins),
    ListPage("/reports/?month=2026-11", "mike", grow_reports),
]


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", LIST_PAGES, ids=lambda p: p.url)
def test_query_count_does_not_grow_with_rows(
    bank: Bank,
    client_as: Callable[[str], Client],
    page: ListPage,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    # The rows are added without audit events (no new data version): with the pages'
    # fragment cache on, both counts would be of kept fragments. Counted uncached.
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    # The idle clock's session write must not fall into one measurement only.
    monkeypatch.setattr("rmperf.core.middleware._TOUCH_EVERY_SECONDS", 3600)
    client = client_as(page.persona)
    client.get(page.url)  # warm up: the session's first touch writes once
    page.grow(bank, 0, 5)
    with_5 = _count(client, page.url)
    page.grow(bank, 5, 45)
    with_50 = _count(client, page.url)
    assert with_5 == with_50, f"{page.url}: {with_5} queries for 5 rows, {with_50} for 50"
