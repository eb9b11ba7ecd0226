"""The customer list's row count is kept for a minute under a key of its query and the
newest lake import: each scope counts its own rows, and a new import counts afresh."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from rmperf.customers.models import Customer
from rmperf.lakes.models import ImportStatus, LakeImport
from rmperf.segments.selectors import cached_count
from tests.factories import Bank, add_customers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _import() -> None:
    now = timezone.now()
    LakeImport.objects.create(
        lake_path="/lake",
        started_at=now,
        finished_at=now,
        actor_label="test",
        status=ImportStatus.SUCCEEDED,
        today=timezone.localdate(),
    )


def test_each_scope_counts_its_own_rows_and_a_new_import_counts_afresh(bank: Bank) -> None:
    alice_own = Customer.objects.restrict(bank.alice.user)
    bob_own = Customer.objects.restrict(bank.bob.user)
    alice_before, bob_before = alice_own.count(), bob_own.count()
    assert cached_count(alice_own) == alice_before
    assert cached_count(bob_own) == bob_before

    add_customers(staff=bank.alice, count=3)
    # Within the minute and without a new delivery the kept count answers …
    assert cached_count(Customer.objects.restrict(bank.alice.user)) == alice_before
    # … a new lake import changes the key, so the three new customers are counted.
    _import()
    assert cached_count(Customer.objects.restrict(bank.alice.user)) == alice_before + 3
    assert cached_count(Customer.objects.restrict(bank.bob.user)) == bob_before


def test_an_empty_selection_counts_zero_without_a_query(bank: Bank) -> None:
    assert cached_count(Customer.objects.filter(pk__in=[])) == 0
