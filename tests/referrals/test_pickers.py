"""The referral form's customer and colleague pickers: search and choose through HTMX,
only within what `restrict()` lets the person see (persona bank: tests/factories.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import Bank

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _picks(client: Client, url: str, q: str) -> list[str]:
    response = client.get(url, {"q": q}, HTTP_HX_REQUEST="true", **ZH)
    assert response.status_code == 200
    return re.findall(r"choose=([\w-]+)", response.content.decode())


def test_the_form_has_pickers_not_id_boxes(client_as: Callable[[str], Client]) -> None:
    body = client_as("terry").get("/referrals/new/", **ZH).content.decode()
    assert 'id="picker-customer"' in body and 'id="picker-to_staff"' in body
    assert 'type="hidden" name="customer"' in body and 'type="hidden" name="to_staff"' in body
    assert "客户编号" not in body  # no typed customer id box


def test_a_teller_finds_the_customers_of_her_branch_only(
    client_as: Callable[[str], Client],
) -> None:
    # terry works in Branch A: C001-C003 and C010 are its customers; C004 and C100 are
    # Branch B's (C004's RM is bob now).
    terry = client_as("terry")
    assert _picks(terry, "/referrals/pick/customer/", "C00") == ["C001", "C002", "C003"]
    assert _picks(terry, "/referrals/pick/customer/", "C100") == []
    # A teller serves customers face to face: the name finds them, shown in full.
    body = terry.get("/referrals/pick/customer/", {"q": "张三"}, **ZH).content.decode()
    assert "choose=C001" in body and "张三丰" in body


def test_an_rm_finds_only_her_own_customers(bank: Bank, client_as: Callable[[str], Client]) -> None:
    # alice looks after C001, C002 and C003 today; C004 went to bob 30 days ago.
    assert _picks(client_as("alice"), "/referrals/pick/customer/", "C0") == [
        "C001",
        "C002",
        "C003",
    ]


def test_the_colleague_picker_lists_receivers_in_scope_never_oneself(
    client_as: Callable[[str], Client],
) -> None:
    # Branch A's RMs are alice and carol; bob works in Branch B; tina and mike are managers.
    assert _picks(client_as("terry"), "/referrals/pick/colleague/", "S-") == [
        "S-ALICE",
        "S-CAROL",
    ]
    assert _picks(client_as("terry"), "/referrals/pick/colleague/", "Bob") == []
    # An RM sees only her own staff record (restrict): nobody else to pick, never herself.
    assert _picks(client_as("alice"), "/referrals/pick/colleague/", "Alice") == []


def test_choosing_fills_the_hidden_field_and_only_in_scope(
    client_as: Callable[[str], Client],
) -> None:
    terry = client_as("terry")
    body = terry.get("/referrals/pick/customer/", {"choose": "C001"}, **ZH).content.decode()
    assert 'name="customer" id="id_customer" value="C001"' in body
    assert "张三丰" in body
    # Out of scope: nothing chosen, nothing named.
    body = terry.get("/referrals/pick/customer/", {"choose": "C100"}, **ZH).content.decode()
    assert 'name="customer" id="id_customer" value=""' in body
    assert "C100" not in body


def test_a_referral_made_through_the_pickers_is_saved(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    terry = client_as("terry")
    response = terry.post(
        "/referrals/new/",
        {"customer": "C001", "to_staff": "S-ALICE", "need": "wealth", "op": "check"},
        **ZH,
    )
    assert response.status_code == 200
    body = response.content.decode()
    # The chosen customer and colleague stay chosen on the answer page.
    assert 'name="customer" id="id_customer" value="C001"' in body
    assert 'name="to_staff" id="id_to_staff" value="S-ALICE"' in body


def test_an_empty_referral_is_refused(client_as: Callable[[str], Client]) -> None:
    response = client_as("terry").post("/referrals/new/", {"op": "create"}, **ZH)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
