"""Searching referrals by customer (finding 4 of issue 18: any `q` was a 500).

The search goes through the customer relation: a part of the customer's id, and of their
name for the roles that see names in full (an auditor sees names masked, so a name must
not find anything for them: a hit would confirm who the customer is)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer

pytestmark = pytest.mark.django_db


def _ids(client: Client, q: str) -> list[int]:
    response = client.get("/api/referrals/", {"q": q})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_api_search_by_id_part_and_name(bank: Bank, client_as: Callable[[str], Client]) -> None:
    mine = refer(bank, new_customer(bank, "C900"))
    other = refer(bank, new_customer(bank, "C917"))
    alice = client_as("alice")
    assert _ids(alice, "c90") == [mine.pk]
    assert sorted(_ids(alice, "C9")) == sorted([mine.pk, other.pk])
    assert sorted(_ids(alice, "新客")) == sorted([mine.pk, other.pk])  # both are "新客户"
    assert _ids(alice, "nobody") == []
    assert sorted(_ids(alice, "   ")) == sorted([mine.pk, other.pk])  # blank: no filter


def test_masked_roles_find_by_id_but_not_by_name(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    r = refer(bank)
    audrey = client_as("audrey")
    assert _ids(audrey, "C900") == [r.pk]
    assert _ids(audrey, "新客") == []


def test_inbox_page_search(bank: Bank, client_as: Callable[[str], Client]) -> None:
    r = refer(bank)
    alice = client_as("alice")
    hit = alice.get("/referrals/", {"box": "inbox", "q": "900"}, HTTP_HX_REQUEST="true")
    assert hit.status_code == 200 and f"#{r.pk}" in hit.content.decode()
    miss = alice.get("/referrals/", {"box": "inbox", "q": "C1"}, HTTP_HX_REQUEST="true")
    assert miss.status_code == 200 and f"#{r.pk}" not in miss.content.decode()
