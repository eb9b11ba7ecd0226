"""Sessions end when idle; pages for signed-in users are never cached; security headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rmperf.core.middleware import LAST_SEEN_KEY
from tests.factories import Bank


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_is_ended(client_as: Callable[[str], Client], settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    client = client_as("alice")
    assert client.get("/customers/").status_code == 200
    _age_session(client, 601)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/customers/").status_code == 302  # still signed out


def test_an_active_session_lives_on(client_as: Callable[[str], Client], settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    client = client_as("alice")
    client.get("/customers/")
    _age_session(client, 590)
    assert client.get("/customers/").status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN_KEY] < 5  # the clock was reset


def test_the_absolute_session_limit_is_twelve_hours(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert 15 * 60 <= settings.SESSION_IDLE_SECONDS <= 30 * 60


@pytest.mark.parametrize("url", ["/customers/", "/customers/C001/", "/api/customers", "/org/"])
def test_signed_in_pages_are_not_stored(client_as: Callable[[str], Client], url: str) -> None:
    response = client_as("alice").get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_security_headers(client_as: Callable[[str], Client], bank: Bank) -> None:
    response = client_as("alice").get("/customers/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # htmx comes from our own static files, with the page's nonce.
    html = response.content.decode()
    assert "django_htmx/htmx" in html and 'nonce="' in html
    assert "cdn" not in html.lower()


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(
    client_as: Callable[[str], Client], settings: Any
) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    client = client_as("alice")
    client.get("/customers/")
    _age_session(client, 601)
    response = client.get("/customers/?kind=retail", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=")
