"""The org API: units and staff within scope; one error body."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client


def test_units_in_tree_order(client_as: Callable[[str], Client]) -> None:
    data = client_as("mike").get("/api/org/units").json()
    assert data == [
        {"unit_id": "BA", "name": "Branch A", "kind": "branch", "parent_id": "R1",
         "path": "/BANK/R1/BA/"},
        {"unit_id": "TA1", "name": "Team A1", "kind": "team", "parent_id": "BA",
         "path": "/BANK/R1/BA/TA1/"},
        {"unit_id": "TA2", "name": "Team A2", "kind": "team", "parent_id": "BA",
         "path": "/BANK/R1/BA/TA2/"},
    ]  # fmt: skip
    assert len(client_as("hannah").get("/api/org/units").json()) == 7


def test_a_staff_member(client_as: Callable[[str], Client]) -> None:
    data = client_as("tina").get("/api/staff/S-ALICE").json()
    assert data == {
        "staff_id": "S-ALICE",
        "name": "Alice An",
        "role": "rm",
        "rank": "senior",
        "unit_id": "TA1",
        "unit_name": "Team A1",
        "hired_on": "2020-03-01",
        "customer_count": 3,
    }


def test_staff_out_of_scope_is_404(client_as: Callable[[str], Client]) -> None:
    response = client_as("bob").get("/api/staff/S-ALICE", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "detail": None}
