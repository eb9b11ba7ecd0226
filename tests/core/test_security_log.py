"""Security events in the audit chain (research/regulation-security.md X-09)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent
from tests.factories import Bank

pytestmark = pytest.mark.django_db


def _events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


def test_sign_in_success_failure_and_sign_out_are_recorded(bank: Bank) -> None:
    user = bank.user("alice")
    user.set_password("right-password-123")
    user.save()
    client = Client(REMOTE_ADDR="10.1.2.3")
    login = reverse("login")

    client.post(login, {"username": "alice", "password": "wrong"})
    client.post(login, {"username": "alice", "password": "right-password-123"})
    client.post(reverse("logout"))

    (failed,) = _events("auth.login_failed")
    assert (failed.actor_id, failed.actor_label, failed.object_id) == (None, "system", "alice")
    assert failed.after == {"ip": "10.1.2.3"}
    # The password is never written, not even the wrong one.
    assert "wrong" not in str(failed.before) + str(failed.after)
    (ok,) = _events("auth.login")
    assert (ok.actor_id, ok.object_id, ok.after) == (user.pk, "alice", {"ip": "10.1.2.3"})
    (out,) = _events("auth.logout")
    assert (out.actor_id, out.object_id) == (user.pk, "alice")
    assert failed.seq < ok.seq < out.seq
    assert audit_verify() == []


def test_an_out_of_scope_object_is_refused_and_recorded(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("alice")
    # C100 is bob's customer in another branch: the same 404 as a missing customer …
    denied = alice.get(reverse("customers:detail", kwargs={"customer_id": "C100"}))
    missing = alice.get(reverse("customers:detail", kwargs={"customer_id": "NOPE"}))
    assert denied.status_code == missing.status_code == 404
    # … and both attempts are in the chain with who, what and how (the two look alike on
    # purpose: the record does not tell the user whether the object exists).
    events = _events("authz.denied")
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (bank.user("alice").pk, "customers:detail", "customer_id=C100"),
        (bank.user("alice").pk, "customers:detail", "customer_id=NOPE"),
    ]
    assert events[0].after == {
        "method": "GET",
        "path": "/customers/C100/",
        "status": 404,
        "ip": "127.0.0.1",
    }
    assert audit_verify() == []


def test_own_objects_unknown_paths_and_anonymous_requests_are_not_denials(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("alice")
    assert alice.get(reverse("customers:detail", kwargs={"customer_id": "C001"})).status_code == 200
    assert alice.get("/no-such-page/").status_code == 404  # no route: a typo, not an object
    anonymous = Client()
    assert (
        anonymous.get(reverse("customers:detail", kwargs={"customer_id": "C100"})).status_code
        == 302
    )
    assert _events("authz.denied") == []
