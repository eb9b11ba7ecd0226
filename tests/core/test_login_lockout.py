"""Sign-in lockout (research/regulation-security.md X-05): five failures of one user name
from one address lock that pair out for fifteen minutes (django-axes); the lockout is in
the audit chain; someone elsewhere cannot lock the user out; a success clears the count."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent
from tests.factories import Bank

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-123"


@pytest.fixture
def alice(bank: Bank) -> Bank:
    user = bank.user("alice")
    user.set_password(PASSWORD)
    user.save()
    return bank


def _sign_in(client: Client, password: str) -> int:
    response = client.post(reverse("login"), {"username": "alice", "password": password})
    return response.status_code


def test_five_failures_lock_the_name_at_that_address(alice: Bank) -> None:
    desk = Client(REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="en")
    # Four failures: still the sign-in form (200), the fifth locks.
    assert [_sign_in(desk, "wrong") for _ in range(4)] == [200] * 4
    assert _sign_in(desk, "wrong") == 429
    # Locked: even the right password is refused, with the page saying why and how long.
    response = desk.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "After 5 failed sign-ins" in page and "Try again in 15 minutes" in page
    assert "_auth_user_id" not in desk.session
    (locked,) = AuditEvent.objects.filter(verb="auth.locked_out")
    assert (locked.actor_id, locked.object_id) == (None, "alice")
    assert locked.after == {"ip": "10.1.2.3", "failures": 5, "minutes": 15}
    assert audit_verify() == []
    # Soft lockout: the same name from another address still signs in.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert _sign_in(other, PASSWORD) == 302
    assert other.session["_auth_user_id"] == str(alice.user("alice").pk)


def test_the_lockout_ends_after_fifteen_minutes(alice: Bank) -> None:
    desk = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(5):
        _sign_in(desk, "wrong")
    assert _sign_in(desk, PASSWORD) == 429
    # Fifteen minutes later (the attempt's clock moved back instead of the test's forward).
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    assert _sign_in(desk, PASSWORD) == 302


def test_a_success_clears_the_count(alice: Bank) -> None:
    desk = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(4):
        _sign_in(desk, "wrong")
    assert _sign_in(desk, PASSWORD) == 302
    desk.post(reverse("logout"))
    # The count starts again: four more failures do not lock.
    assert [_sign_in(desk, "wrong") for _ in range(4)] == [200] * 4
    assert _sign_in(desk, PASSWORD) == 302
    assert not AuditEvent.objects.filter(verb="auth.locked_out").exists()


def test_the_lockout_page_is_in_chinese_too(alice: Bank) -> None:
    desk = Client(REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(5):
        _sign_in(desk, "wrong")
    page = desk.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert page.status_code == 429
    assert "登录已锁定" in page.content.decode()
