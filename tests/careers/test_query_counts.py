"""No N+1 on the careers pages: the same number of queries for 5 rows as for 50."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.careers.models import CareerCheck, CheckStatus, NegativeListing, NegativeListRun
from rmperf.org.models import Staff
from rmperf.policies.selectors import policy_active
from tests.factories import Bank


def _rm(bank: Bank, i: int) -> Staff:
    return Staff.objects.create(
        staff_id=f"S-Q{i}", name=f"RM {i}", role="rm", rank="junior",
        unit=bank.team_a2, hired_on=dt.date(2022, 1, 1),
    )  # fmt: skip


def grow_checks(bank: Bank, start: int, n: int) -> None:
    for i in range(start, start + n):
        CareerCheck.objects.create(
            staff=_rm(bank, i), year=2026, rank_from="junior", rank_to="intermediate",
            eligible=i % 2 == 0, rating="good", grade_steps=2,
            measured={"years_of_service": 4, "managed_loans": 50 + i, "overdue_rate": "0.000000"},
            policy_version="career default", computed_at=timezone.now(),
            status=CheckStatus.PROPOSED if i % 2 == 0 else CheckStatus.NOT_ELIGIBLE,
        )  # fmt: skip


def grow_listings(bank: Bank, start: int, n: int) -> None:
    run, _ = NegativeListRun.objects.get_or_create(
        period="2026Q3", defaults={"policy_version": "v", "computed_at": timezone.now()}
    )
    for i in range(start, start + n):
        NegativeListing.objects.create(
            run=run, staff=_rm(bank, i), period="2026Q3", previous_period="2026Q2",
            branch=bank.branch_a, scorecard="retail", total=Decimal("40.00"),
            previous_total=Decimal("41.00"),
        )  # fmt: skip


PAGES = [
    ("/careers/?year=2026", "mike", grow_checks),
    ("/careers/negative/", "mike", grow_listings),
]


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "persona", "grow"), PAGES, ids=[p[0] for p in PAGES])
def test_query_count_does_not_grow_with_rows(
    bank: Bank,
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    persona: str,
    grow: Callable[[Bank, int, int], None],
) -> None:
    monkeypatch.setattr("rmperf.core.middleware._TOUCH_EVERY_SECONDS", 3600)
    policy_active("career")  # the shipped policy is recorded on first use, before counting
    policy_active("scorecards")  # so are the cards (the list names each row's card)
    client = client_as(persona)
    client.get(url)
    grow(bank, 0, 5)
    with_5 = _count(client, url)
    grow(bank, 5, 45)
    with_50 = _count(client, url)
    assert with_5 == with_50, f"{url}: {with_5} queries for 5 rows, {with_50} for 50"
