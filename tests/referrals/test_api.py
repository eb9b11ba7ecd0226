"""The referral API: check, create with per-field errors, transition, scope."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from rmperf.referrals.models import Referral
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_check_then_create(bank: Bank, client_as: Callable[[str], Client]) -> None:
    new_customer(bank)
    terry = client_as("terry")
    body = {"customer_id": "C900", "need": "wealth", "deposit": "49999.99"}
    status, out = post(terry, "/api/referrals/check", body)
    assert status == 200
    assert out["ok"] is False and list(out["errors"]) == ["deposit"]  # type: ignore[arg-type]
    body["deposit"] = "50000.00"
    status, out = post(terry, "/api/referrals/check", body)
    assert (status, out["ok"], out["rule_id"]) == (200, True, "teller_new_account_wealth")
    status, out = post(terry, "/api/referrals/", body)
    assert status == 201
    assert (out["to_staff_id"], out["state"]) == ("S-ALICE", "created")
    # the same again: a duplicate open referral, named on the need
    status, out = post(terry, "/api/referrals/", body)
    assert status == 422
    assert list(out["detail"]) == ["need"]  # type: ignore[arg-type]


def test_create_names_every_bad_field(bank: Bank, client_as: Callable[[str], Client]) -> None:
    status, out = post(client_as("terry"), "/api/referrals/", {"customer_id": "", "need": "x"})
    assert status == 422
    assert set(out["detail"]) == {"customer", "need"}  # type: ignore[arg-type]
    assert Referral.objects.count() == 0


def test_transition_by_role_and_scope(bank: Bank, client_as: Callable[[str], Client]) -> None:
    r = refer(bank)
    url = f"/api/referrals/{r.pk}/transition"
    status, out = post(client_as("bob"), url, {"action": "accept"})
    assert status == 404 and set(out) == {"message", "detail"}
    status, out = post(client_as("terry"), url, {"action": "accept"})
    assert status == 422 and list(out["detail"]) == ["action"]  # type: ignore[arg-type]
    status, out = post(client_as("alice"), url, {"action": "accept"})
    assert (status, out["state"]) == (200, "accepted")
    status, out = post(client_as("alice"), url, {"action": "lose"})
    assert status == 422 and list(out["detail"]) == ["lost_reason"]  # type: ignore[arg-type]


def test_list_is_scoped(bank: Bank, client_as: Callable[[str], Client]) -> None:
    r = refer(bank)
    assert client_as("alice").get("/api/referrals/?box=inbox").json()["count"] == 1
    assert client_as("bob").get("/api/referrals/").json()["count"] == 0
    assert client_as("bob").get(f"/api/referrals/{r.pk}").status_code == 404
    assert client_as("mike").get(f"/api/referrals/{r.pk}").json()["rule_id"] == (
        "teller_new_account_wealth"
    )
