"""schemathesis over every API operation, as an RM and as an admin (issue 18).

All of schemathesis' checks run against the Django app in-process (its WSGI transport,
no server): no server errors, every status code and body as documented, invalid input
refused, valid input accepted, wrong methods answered 405, no answer without a session.
The budget is bounded so the whole run stays within about a minute on two cores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from rmperf.config.api import api
from tests.factories import Bank

#: Examples per operation and persona (the coverage phase adds its own boundary cases).
MAX_EXAMPLES = 8
CSRF = "Schemathesis0Csrf0Token000000000"  # 32 characters: an unmasked CSRF secret


def _document() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


#: Every check on, on every operation. One setting is the API's, not schemathesis': a write
#: (POST) may refuse schema-valid input with 422 for a business rule the schema cannot
#: state (an unknown customer, a duplicate open referral, a transition out of order), so
#: 422 counts as accepted there. Reads must accept every schema-valid request.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "operations": [
            {
                "include-method": "POST",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                    }
                },
            }
        ],
    }
)
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)
schema.app = get_wsgi_application()

PERSONAS = ("alice", "admin")
#: The session of the running test's persona (set by the `session` fixture).
_SIGNED_IN: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class SessionAuth:
    """The schema's `SessionAuth` (the `sessionid` cookie) is the persona's real session;
    schemathesis knows it as the credentials, so it can also leave them out on purpose
    (the `ignored_auth` check: every operation must answer 401 without a session)."""

    def get(self, case: Any, context: Any) -> str:
        # Also asked while tests are collected, before anyone signs in: no session then.
        return _SIGNED_IN.get("sessionid", "")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.cookies = {**(case.cookies or {}), "sessionid": data}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes database connections around each request; the test's
    transaction lives on that connection, so (as Django's test client does) not here."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=PERSONAS)
def persona(request: pytest.FixtureRequest, bank: Bank) -> Iterator[str]:
    """Signs in an RM (alice) or a superuser for the operation's examples."""
    if request.param == "admin":
        user = User.objects.create_superuser("root", "root@example.com", "x")
    else:
        user = bank.user(request.param)
    client = Client()
    client.force_login(user)
    _SIGNED_IN["sessionid"] = client.cookies["sessionid"].value
    yield request.param
    _SIGNED_IN.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case: Any, persona: str) -> None:
    # The CSRF pair a browser would send (unsafe methods need it with a session).
    case.call_and_validate(headers={"X-CSRFToken": CSRF}, cookies={"csrftoken": CSRF})
