"""Home sends each role to its first page; the no-staff page; the audit-log page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from rmperf.core.audit import audit_record
from rmperf.core.models import AuditEvent
from tests.factories import Bank, make_user


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("alice", "/workbench/"),
        ("bob", "/workbench/"),
        ("terry", "/customers/"),
        ("tina", "/workbench/desk/"),
        ("mike", "/workbench/desk/"),
        ("hannah", "/org/"),
        ("audrey", "/org/"),
    ],
)
def test_home_sends_each_role_to_its_page(
    client_as: Callable[[str], Client], persona: str, target: str
) -> None:
    response = client_as(persona).get("/")
    assert response.status_code == 302
    assert response["Location"] == target


def test_a_login_without_staff_record_is_told_so(client_as: Callable[[str], Client]) -> None:
    response = client_as("nostaff").get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "not linked to a staff record" in body
    assert "nostaff" in body


def test_a_superuser_without_staff_record_starts_at_the_tree(bank: Bank) -> None:
    client = Client()
    client.force_login(make_user(username="root", is_superuser=True))
    assert client.get("/")["Location"] == "/org/"


def test_the_nav_shows_name_role_unit_and_the_language_switch(
    client_as: Callable[[str], Client],
) -> None:
    body = client_as("alice").get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Alice An" in body and "客户经理" in body and "Team A1" in body
    assert 'name="language" value="en"' in body and "简体中文" in body
    assert "我的客户" in body and "退出登录" in body


def test_switching_language_posts_to_set_language(client_as: Callable[[str], Client]) -> None:
    client = client_as("alice")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302
    assert "My customers" in client.get("/customers/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    assert "我的客户" in client.get("/customers/").content.decode()


def test_the_audit_log_lists_events_and_verifies_the_chain(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    audit_record(actor=bank.user("alice"), verb="customer.reveal_pi", object_type="customer",
                 object_id="C001")  # fmt: skip
    audit_record(actor=bank.user("mike"), verb="customer.reveal_pi", object_type="customer",
                 object_id="C010")  # fmt: skip
    client = client_as("audrey")  # signing in is itself an event (auth.login)
    body = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chain verified: 3 events, intact." in body
    assert "customer.reveal_pi" in body and "C010" in body and "mike" in body

    first = AuditEvent.objects.order_by("seq").first()
    assert first is not None
    AuditEvent.objects.filter(pk=first.pk).update(actor_label="someone-else")
    body = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chain verification failed." in body
    assert f"event {first.seq} was changed after it was written" in body


@pytest.mark.parametrize("persona", ["alice", "mike", "hannah", "nostaff"])
def test_only_auditors_open_the_audit_log(client_as: Callable[[str], Client], persona: str) -> None:
    assert client_as(persona).get("/audit/").status_code == 404


def test_login_and_logout(bank: Bank) -> None:
    user = bank.user("alice")
    user.set_password("a-long-test-password")
    user.save()
    client = Client()
    bad = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert bad.status_code == 200 and "error" in bad.content.decode()
    good = client.post("/login/", {"username": "alice", "password": "a-long-test-password"})
    assert good.status_code == 302 and good["Location"] == "/"
    assert client.get("/customers/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/customers/").status_code == 302
