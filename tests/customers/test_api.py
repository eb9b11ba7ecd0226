"""The customer API: session auth, restricted, always masked, the page's FilterSet."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from tests.factories import Bank, add_customers


def test_the_list_is_restricted_and_masked(client_as: Callable[[str], Client]) -> None:
    data = client_as("alice").get("/api/customers").json()
    assert (data["count"], data["page"], data["pages"], data["page_size"]) == (3, 1, 1, 25)
    first = data["items"][0]
    assert first == {
        "customer_id": "C001",
        "name": "张三丰",
        "kind": "retail",
        "home_branch_id": "BA",
        "home_branch": "Branch A",
        "opened_on": "2021-05-04",
        "risk_level": "C3",
        "risk_assessed_on": "2026-01-15",
        "contact_verified_on": "2026-02-01",
        "phone_masked": "138****1234",
    }
    assert "13812341234" not in str(data)


def test_hr_gets_masked_names(client_as: Callable[[str], Client]) -> None:
    items = client_as("hannah").get("/api/customers").json()["items"]
    assert [i["name"] for i in items] == [
        "张**",
        "Acme Trading Ltd",
        "李*",
        "王*",
        "赵*",
        "B***********",
    ]


def test_the_same_filters_as_the_page(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")

    def ids(query: str) -> list[str]:
        return [i["customer_id"] for i in client.get(f"/api/customers?{query}").json()["items"]]

    assert ids("q=1234") == ["C001"]
    assert ids("kind=corporate") == ["C002"]
    assert ids("risk_level=C1") == ["C003"]


def test_an_invalid_filter_answers_422_with_the_error_body(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("alice").get("/api/customers?kind=gold", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Invalid request."
    assert body["detail"][0]["loc"] == ["query", "kind"]


def test_pagination(bank: Bank, client_as: Callable[[str], Client]) -> None:
    add_customers(staff=bank.alice, count=30)
    client = client_as("alice")
    page2 = client.get("/api/customers?page=2").json()
    assert (page2["count"], page2["pages"], len(page2["items"])) == (33, 2, 8)
    assert client.get("/api/customers?page=9").json()["items"] == []
    assert client.get("/api/customers?page=0").status_code == 422


def test_the_detail_is_masked_with_the_rm_history(client_as: Callable[[str], Client]) -> None:
    data = client_as("alice").get("/api/customers/C003").json()
    assert data["phone_masked"] == "139****5678"
    assert data["id_number_masked"] == "310101********5678"
    assert data["birth_year"] == 1985
    assert "birth_date" not in data and "phone" not in data
    assert [a["staff_id"] for a in data["assignments"]] == ["S-ALICE", "S-CAROL"]


def test_out_of_scope_and_missing_answer_the_same_404(client_as: Callable[[str], Client]) -> None:
    client = client_as("bob")
    hidden = client.get("/api/customers/C001", HTTP_ACCEPT_LANGUAGE="en")
    missing = client.get("/api/customers/NOPE", HTTP_ACCEPT_LANGUAGE="en")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"message": "Not found.", "detail": None}


def test_anonymous_gets_401(db: None) -> None:
    response = Client().get("/api/customers", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication required.", "detail": None}


def test_openapi_describes_each_endpoint(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")
    schema = client.get("/api/openapi.json").json()
    assert {"/api/customers", "/api/customers/{customer_id}", "/api/org/units",
            "/api/staff/{staff_id}"} <= set(schema["paths"])  # fmt: skip
    schemas = schema["components"]["schemas"]
    assert {"CustomerListOut", "CustomerDetailOut", "UnitOut", "StaffOut", "ErrorOut"} <= set(
        schemas
    )
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.content.decode().lower()
    assert Client().get("/api/docs").status_code == 302  # docs need a login too
