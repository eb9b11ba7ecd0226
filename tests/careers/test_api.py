"""The careers API: the same services and access rules as the pages."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.careers.models import CareerCheck, CheckStatus
from rmperf.careers.services import listing_plan_set, next_quarter
from tests.careers.helpers import check_in_alices_scope, listing_in_alices_scope
from tests.factories import Bank

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> object:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_checks_and_decision(bank: Bank, client_as: Callable[[str], Client]) -> None:
    check = check_in_alices_scope(bank)
    assert [c["staff_id"] for c in client_as("alice").get("/api/careers/checks/2026").json()] == [
        "S-ALICE"
    ]
    assert client_as("bob").get("/api/careers/checks/2026").json() == []
    url = f"/api/careers/checks/{check.pk}/decide"
    refused = _post(client_as("mike"), url, {"decision": "reject"})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert _post(client_as("tina"), url, {"decision": "confirm"}).status_code == 404  # type: ignore[attr-defined]
    done = _post(client_as("mike"), url, {"decision": "confirm"})
    assert done.status_code == 200  # type: ignore[attr-defined]
    body = done.json()  # type: ignore[attr-defined]
    assert (body["status"], body["effective_quarter"]) == (
        "confirmed",
        next_quarter(timezone.localdate()),
    )
    assert CareerCheck.objects.get(pk=check.pk).status == CheckStatus.CONFIRMED


@pytest.mark.parametrize(
    ("persona", "status", "entries"),
    [
        ("alice", 200, ["S-ALICE"]),
        ("tina", 200, ["S-ALICE"]),
        ("mike", 200, ["S-ALICE"]),
        ("hannah", 200, ["S-ALICE"]),
        ("carol", 200, []),
        ("bob", 200, []),
        ("terry", 404, None),
        ("audrey", 404, None),
    ],
)
def test_negative_list_per_role(
    bank: Bank,
    client_as: Callable[[str], Client],
    persona: str,
    status: int,
    entries: list[str] | None,
) -> None:
    entry = listing_in_alices_scope(bank)
    listing_plan_set(
        actor=bank.user("tina"),
        listing_id=entry.pk,
        goals=["每周拜访10位客户"],
        review_date=timezone.localdate().replace(year=timezone.localdate().year + 1),
    )
    response = client_as(persona).get("/api/careers/negative")
    assert response.status_code == status
    detail = client_as(persona).get(f"/api/careers/negative/{entry.pk}")
    if entries is None:
        assert detail.status_code == 404
        return
    body = response.json()
    assert [e["staff_id"] for e in body["entries"]] == entries
    if entries:
        assert body["entries"][0]["recovery"] == "pending"
        assert detail.status_code == 200 and detail.json()["goals"] == ["每周拜访10位客户"]
        assert detail.json()["status"] == "plan"
    else:
        assert detail.status_code == 404
