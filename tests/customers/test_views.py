"""Customer pages by persona: the list (filter, sort, page, htmx partial), the masked
detail page and the audited reveal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.core.models import AuditEvent
from tests.factories import Bank, add_customers


def rows(html: str) -> list[str]:
    """Customer ids in the table, in order."""
    return re.findall(r'<a href="/customers/([^/]+)/"[^>]*>', html)


def test_alice_sees_her_own_customers_masked(client_as: Callable[[str], Client]) -> None:
    response = client_as("alice").get("/customers/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "My customers" in body
    assert rows(body) == ["C001", "C002", "C003"]
    assert "张三丰" in body  # an RM serves her customers by name
    assert "138****1234" in body and "13812341234" not in body
    assert "Branch A" in body  # home branch
    assert "C3" in body and "Retail" in body and "Corporate" in body


def test_a_customer_opens_as_a_page_of_its_own(client_as: Callable[[str], Client]) -> None:
    # The results are boosted (filters and pages swap the table only); the link to the 360
    # is not, or the whole 360 lands inside the list (issue #16).
    body = client_as("alice").get("/customers/").content.decode()
    assert 'hx-boost="true"' in body
    assert '<a href="/customers/C001/" hx-boost="false">C001</a>' in body


def test_bob_sees_only_his(client_as: Callable[[str], Client]) -> None:
    body = client_as("bob").get("/customers/").content.decode()
    assert rows(body) == ["C004", "C100"]


def test_hr_sees_every_customer_with_retail_names_masked(
    client_as: Callable[[str], Client],
) -> None:
    body = client_as("hannah").get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customers" in body and "My customers" not in body
    assert rows(body) == ["C001", "C002", "C003", "C004", "C010", "C100"]
    assert "张**" in body and "张三丰" not in body
    assert "Acme Trading Ltd" in body  # a company's name is not personal data


def test_the_branch_manager_sees_the_branch(client_as: Callable[[str], Client]) -> None:
    body = client_as("mike").get("/customers/").content.decode()
    assert rows(body) == ["C001", "C002", "C003", "C010"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=C00", ["C001", "C002", "C003"]),
        ("q=acme", ["C002"]),
        ("q=1234", ["C001"]),  # the phone's last 4 digits
        ("q=5678", ["C003"]),
        ("q=0000", []),  # not a phone tail of hers
        ("kind=corporate", ["C002"]),
        ("risk_level=C1", ["C003"]),
        ("kind=retail&risk_level=C3", ["C001"]),
    ],
)
def test_filters(client_as: Callable[[str], Client], query: str, expected: list[str]) -> None:
    assert rows(client_as("alice").get(f"/customers/?{query}").content.decode()) == expected


def test_an_invalid_filter_is_reported_not_ignored_silently(
    client_as: Callable[[str], Client],
) -> None:
    body = client_as("alice").get("/customers/?kind=gold", HTTP_ACCEPT_LANGUAGE="en")
    assert 'class="error"' in body.content.decode()


def test_sorting(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")
    assert rows(client.get("/customers/?sort=-customer_id").content.decode()) == [
        "C003", "C002", "C001",
    ]  # fmt: skip
    # by opened on, then id: C001..C003 share a date, so the default order stays stable
    assert rows(client.get("/customers/?sort=risk_level").content.decode()) == [
        "C003", "C001", "C002",
    ]  # fmt: skip


def test_pages_of_25(bank: Bank, client_as: Callable[[str], Client]) -> None:
    add_customers(staff=bank.alice, count=30)  # 33 in all
    client = client_as("alice")
    first = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(rows(first)) == 25
    assert "Page 1 of 2 (33 rows)" in first
    second = client.get("/customers/?page=2").content.decode()
    assert len(rows(second)) == 8


def test_htmx_requests_get_the_table_partial_only(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")
    partial = client.get("/customers/?kind=corporate", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="customer-results"')
    assert "<html" not in body and rows(body) == ["C002"]
    assert "HX-Request" in partial["Vary"]
    # The back button restores history with a full page.
    restore = client.get(
        "/customers/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()


def test_the_detail_page_is_masked(client_as: Callable[[str], Client]) -> None:
    response = client_as("alice").get("/customers/C001/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "138****1234" in body and "13812341234" not in body
    assert "110101********1234" in body and "110101199001011234" not in body
    assert "Reveal full personal data" in body
    assert "Alice An" in body  # who looks after C001


def test_the_detail_page_shows_the_customers_rm_history(
    client_as: Callable[[str], Client],
) -> None:
    body = client_as("alice").get("/customers/C003/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert body.index("Alice An") < body.index("Carol Cao")  # newest first
    assert "current" in body


def test_hr_sees_the_birth_year_only_and_no_reveal_button(
    client_as: Callable[[str], Client],
) -> None:
    body = client_as("hannah").get("/customers/C001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "born in 1990" in body
    assert "Reveal full personal data" not in body
    assert "张**" in body


def test_reveal_shows_full_values_once_and_is_audited(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    client = client_as("alice")
    response = client.post(
        "/customers/C001/reveal/", {"purpose": "service_call"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "13812341234" in body and "110101199001011234" in body
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(verb="customer.reveal_pi")
    assert (event.verb, event.object_type, event.object_id) == (
        "customer.reveal_pi", "customer", "C001",
    )  # fmt: skip
    assert event.actor == bank.user("alice")
    # Alice is C001's RM: the reveal shows her the customer profile too, and says so.
    assert event.after == {
        "fields": [
            "phone", "id_number", "birth_date",
            "industry", "household", "hobbies", "preferred_contact_times",
        ],
        "purpose": "service_call",
    }  # fmt: skip
    assert "13812341234" not in str(event.after)  # the log never holds the values
    # Shown once: the page is masked again on the next visit.
    assert "13812341234" not in client.get("/customers/C001/").content.decode()


def test_reveal_over_htmx_swaps_the_personal_data_block(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("mike").post(
        "/customers/C001/reveal/", {"purpose": "complaint"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card revealed" id="personal-data">')
    assert "13812341234" in body


@pytest.mark.parametrize("persona", ["terry", "hannah", "audrey", "bob", "nostaff"])
def test_reveal_is_refused_like_not_found(client_as: Callable[[str], Client], persona: str) -> None:
    response = client_as(persona).post("/customers/C001/reveal/", {"purpose": "complaint"})
    assert response.status_code == 404
    # Nothing was revealed; the refused attempt itself is on record (docs/security.md).
    assert not AuditEvent.objects.filter(verb="customer.reveal_pi").exists()
    (denied,) = AuditEvent.objects.filter(verb="authz.denied")
    assert (denied.object_type, denied.object_id) == ("customers:reveal", "customer_id=C001")


def test_reveal_needs_post(client_as: Callable[[str], Client]) -> None:
    assert client_as("alice").get("/customers/C001/reveal/").status_code == 405


def test_roles_with_masked_names_cannot_search_by_name(
    client_as: Callable[[str], Client],
) -> None:
    assert rows(client_as("hannah").get("/customers/?q=张三丰").content.decode()) == []
    assert rows(client_as("hannah").get("/customers/?q=C001").content.decode()) == ["C001"]
    assert rows(client_as("alice").get("/customers/?q=张三丰").content.decode()) == ["C001"]


def test_a_reveal_needs_a_purpose(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")
    for purpose in ("", "curiosity"):
        response = client.post(
            "/customers/C001/reveal/", {"purpose": purpose}, HTTP_ACCEPT_LANGUAGE="en"
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert "Choose why you need the full personal data." in body
        assert "13812341234" not in body
    assert not AuditEvent.objects.filter(verb__startswith="customer.reveal").exists()
    # The form offers the purposes, in both languages.
    page = client.get("/customers/C001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="purpose"' in page and "投诉处理" in page


def test_reveals_are_limited_per_hour_and_the_refusal_is_recorded(
    bank: Bank, client_as: Callable[[str], Client], settings: Any
) -> None:
    settings.RMPERF_REVEAL_PER_HOUR = 2
    client = client_as("alice")
    url = "/customers/C001/reveal/"
    assert [client.post(url, {"purpose": "complaint"}).status_code for _ in range(2)] == [200, 200]
    response = client.post(url, {"purpose": "complaint"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    body = response.content.decode()
    assert "2 times in the last hour" in body and "13812341234" not in body
    assert AuditEvent.objects.filter(verb="customer.reveal_pi").count() == 2
    refused = AuditEvent.objects.get(verb="customer.reveal_refused")
    assert (refused.actor, refused.object_id) == (bank.user("alice"), "C001")
    assert refused.after == {"purpose": "complaint", "limit": 2, "window_minutes": 60}
    # Over htmx the block is swapped in with the reason (htmx swaps 2xx answers only).
    partial = client.post(url, {"purpose": "complaint"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and 'id="reveal-error"' in partial.content.decode()
    # An hour later the count has moved on; others were never limited.
    AuditEvent.objects.filter(verb="customer.reveal_pi").update(
        ts=timezone.now() - dt.timedelta(hours=1, seconds=1)
    )
    assert client.post(url, {"purpose": "complaint"}).status_code == 200
    assert client_as("mike").post(url, {"purpose": "complaint"}).status_code == 200
