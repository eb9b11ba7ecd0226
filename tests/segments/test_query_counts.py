"""No N+1 on the segment pages: the same number of queries for 5 rows as for 50."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rmperf.org.models import Staff
from rmperf.segments.models import CustomerSegment, SegmentRun
from tests.factories import Bank, add_customers, make_assignment, make_customer
from tests.segments.factories import make_run


def _segment(run: SegmentRun, customers: list, rm: str, tier: str = "basic") -> None:  # type: ignore[type-arg]
    CustomerSegment.objects.bulk_create(
        CustomerSegment(
            run=run,
            policy_version_id=run.policy_id,
            as_of=run.as_of,
            customer=c,
            unit_id=c.unit_id,
            rm_id=rm,
            recency_days=3,
            frequency=i % 7,
            monetary=Decimal(1000 * i),
            tier=tier,
            holdings=";deposit;wealth;",
            contribution=Decimal(i),
            last_contact_on=dt.date(2026, 9, 1),
        )
        for i, c in enumerate(customers)
    )


def grow_book(bank: Bank, run: SegmentRun, start: int, n: int) -> None:
    _segment(run, add_customers(staff=bank.alice, count=n, prefix=f"G{start}-"), "S-ALICE")


def grow_rms(bank: Bank, run: SegmentRun, start: int, n: int) -> None:
    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-Q{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.team_a2, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        customer = make_customer(customer_id=f"QC{i}", name=f"客户{i}", unit=bank.branch_a)
        make_assignment(customer=customer, staff=rm, valid_from=dt.date(2024, 1, 1))
        _segment(run, [customer], rm.staff_id, tier="core")


def grow_history(bank: Bank, run: SegmentRun, start: int, n: int) -> None:
    for i in range(start, start + n):
        older = make_run(as_of=dt.date(2020, 1, 1) + dt.timedelta(days=i))
        assert older.rows.filter(customer_id="C001").exists()


PAGES = [
    ("/customers/", "alice", grow_book),
    ("/customers/?tier=basic&holds=wealth&lacks=insurance&sort=-monetary", "alice", grow_book),
    ("/customers/?sort=-last_contact", "mike", grow_book),
    ("/segments/", "alice", grow_book),
    ("/segments/rm/S-ALICE/", "mike", grow_book),
    ("/segments/", "mike", grow_rms),
    ("/segments/", "hannah", grow_rms),
    ("/customers/C001/", "alice", grow_history),
    ("/api/segments/customers/C001", "alice", grow_history),
    ("/segments/runs/", "mike", grow_history),
]


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "persona", "grow"), PAGES, ids=[f"{p[1]}:{p[0]}" for p in PAGES])
def test_query_count_does_not_grow_with_rows(
    bank: Bank,
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    persona: str,
    grow: Callable[[Bank, SegmentRun, int, int], None],
) -> None:
    monkeypatch.setattr("rmperf.core.middleware._TOUCH_EVERY_SECONDS", 3600)
    run = make_run()
    client = client_as(persona)
    client.get(url)
    grow(bank, run, 0, 5)
    with_5 = _count(client, url)
    grow(bank, run, 5, 45)
    with_50 = _count(client, url)
    assert with_5 == with_50, f"{url}: {with_5} queries for 5 rows, {with_50} for 50"
