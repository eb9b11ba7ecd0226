"""The policy API: everyone reads the versions; HR checks, proposes, and (someone other
than the author) approves and activates, through the same services as the pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active
from tests.factories import Bank

DEFAULT = KINDS["segmentation"].default_text()
STRICTER = DEFAULT.replace("frequency_min: 5", "frequency_min: 6")
# The core rule's frequency threshold as a word: the loader says where and why.
BROKEN = DEFAULT.replace("frequency_min: 5", "frequency_min: many")


def post(client: Client, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body) if body is not None else ""
    response = client.post(
        url, data=data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    return response.status_code, response.json()


def test_everyone_reads_the_versions_with_their_text(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    default = policy_active("segmentation")
    listed = client_as("alice").get("/api/policies/versions?kind=segmentation").json()
    assert [(v["id"], v["status"], v["is_default"]) for v in listed] == [
        (default.pk, "active", True)
    ]
    one = client_as("bob").get(f"/api/policies/versions/{default.pk}").json()
    assert one["yaml_text"] == DEFAULT and one["digest"] == default.digest
    assert client_as("bob").get("/api/policies/versions/999999").status_code == 404


def test_check_names_file_line_and_rule_and_stores_nothing(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("alice")
    status, ok = post(alice, "/api/policies/segmentation/check", {"yaml_text": STRICTER})
    assert (status, ok["valid"], ok["issues"]) == (200, True, [])
    assert len(ok["digest"]) == 64
    status, bad = post(alice, "/api/policies/segmentation/check", {"yaml_text": BROKEN})
    assert (status, bad["valid"], bad["digest"]) == (200, False, None)
    (issue,) = bad["issues"]
    line = next(i for i, text in enumerate(BROKEN.splitlines(), 1) if "many" in text)
    assert (issue["file"], issue["line"], issue["severity"]) == ("segmentation.yaml", line, "error")
    assert "frequency_min" in issue["path"]
    assert post(alice, "/api/policies/nonsense/check", {"yaml_text": ""})[0] == 404
    assert not PolicyVersion.objects.exists()


def test_maker_checker_over_the_api(bank: Bank, client_as: Callable[[str], Client]) -> None:
    default = policy_active("segmentation")
    hannah = client_as("hannah")
    # Only HR writes: anyone else gets 404, before the body is read.
    for who in ("alice", "mike", "audrey"):
        assert post(client_as(who), "/api/policies/segmentation/versions", {})[0] == 404
    status, out = post(hannah, "/api/policies/segmentation/versions", {"yaml_text": BROKEN})
    assert (status, out["message"]) == (422, "The policy is not valid.")
    assert out["detail"][0]["file"] == "segmentation.yaml"
    status, out = post(hannah, "/api/policies/segmentation/versions", {"label": "no text"})
    assert (status, out["message"]) == (422, "Invalid request.")
    status, draft = post(
        hannah, "/api/policies/segmentation/versions", {"yaml_text": STRICTER, "label": "v2"}
    )
    assert (status, draft["status"], draft["created_by"]) == (201, "draft", "hannah")
    vid = draft["id"]
    # The author may not approve it; a draft cannot go into force.
    status, out = post(hannah, f"/api/policies/versions/{vid}/approve")
    assert status == 422 and "someone other than its author" in out["message"]
    status, out = post(hannah, f"/api/policies/versions/{vid}/activate")
    assert status == 422 and "approved version" in out["message"]
    assert post(client_as("alice"), f"/api/policies/versions/{vid}/approve")[0] == 404
    checker = User.objects.create(username="root", is_superuser=True, is_staff=True)
    root = Client(HTTP_ACCEPT_LANGUAGE="en")
    root.force_login(checker)
    status, out = post(root, f"/api/policies/versions/{vid}/approve")
    assert (status, out["status"], out["approved_by"]) == (200, "approved", "root")
    status, out = post(hannah, f"/api/policies/versions/{vid}/activate")
    assert (status, out["status"]) == (200, "active")
    assert policy_active("segmentation").pk == vid
    default.refresh_from_db()
    assert default.status == PolicyStatus.RETIRED
    verbs = list(
        AuditEvent.objects.filter(object_type="policy_version")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs[-4:] == ["policy.create", "policy.approve", "policy.retire", "policy.activate"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_shipped_default_checks_valid(
    bank: Bank, client_as: Callable[[str], Client], kind: str
) -> None:
    status, out = post(
        client_as("hannah"),
        f"/api/policies/{kind}/check",
        {"yaml_text": KINDS[kind].default_text()},
    )
    assert (status, out["valid"]) == (200, True), out["issues"]


# potential with core's bounds: every customer it would accept is core already.
UNREACHABLE = (
    DEFAULT.replace("recency_max: 60", "recency_max: 30")
    .replace("frequency_min: 3", "frequency_min: 5")
    .replace('monetary_min: "200000.00"', 'monetary_min: "500000.00"')
)


def test_a_valid_text_with_warnings_says_so(bank: Bank, client_as: Callable[[str], Client]) -> None:
    line = next(i for i, t in enumerate(UNREACHABLE.splitlines(), 1) if "tier: potential" in t)
    status, out = post(
        client_as("alice"), "/api/policies/segmentation/check", {"yaml_text": UNREACHABLE}
    )
    assert (status, out["valid"]) == (200, True)
    (warning,) = out["issues"]
    assert (warning["severity"], warning["rule"], warning["line"]) == (
        "warning", "rule_unreachable", line,
    )  # fmt: skip
    # The editor's Check shows it too, beside "valid".
    page = client_as("hannah").post(
        "/policies/new/",
        {"kind": "segmentation", "yaml_text": UNREACHABLE, "action": "check"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = page.content.decode()
    assert page.status_code == 200 and 'id="policy-valid"' in body
    assert 'id="policy-warnings"' in body and "rule_unreachable" in body
    assert f"Line {line}: This tier can never be reached" in body
    # The shipped default has none.
    assert (
        'id="policy-warnings"'
        not in client_as("hannah")
        .post(
            "/policies/new/",
            {"kind": "segmentation", "yaml_text": DEFAULT, "action": "check"},
        )
        .content.decode()
    )
