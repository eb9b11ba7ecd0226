"""No N+1 on the referral pages: 3 rows cost the same queries as 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.referrals.models import Referral, State
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer
from tests.referrals.test_points import give

pytestmark = pytest.mark.django_db

PAGES = (
    ("alice", "/referrals/"),
    ("mike", "/referrals/?box=all"),
    ("mike", "/referrals/funnel/?group=person"),
    ("mike", "/referrals/cases/"),
    ("alice", "/referrals/points/"),
    ("tina", "/referrals/points/"),
)


def grow(bank: Bank, start: int, n: int) -> None:
    for i in range(start, start + n):
        r = refer(bank, new_customer(bank, f"C9{i:02d}"))
        if i % 2:
            Referral.objects.filter(pk=r.pk).update(
                state=State.CONVERTED,
                accepted_at=timezone.now(),
                closed_at=timezone.now(),
                purchase_date=timezone.localdate(),
                points=11,
            )
        give("S-ALICE", 1)


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_referral_pages_do_not_grow_with_rows(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    grow(bank, 0, 3)
    small = {(p, u): count(client_as(p), u) for p, u in PAGES}
    grow(bank, 3, 9)
    large = {(p, u): count(client_as(p), u) for p, u in PAGES}
    assert large == small
