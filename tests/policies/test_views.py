"""The policies pages: list, one version's YAML, a diff, the editor with inline errors,
approve and activate; who may do what (restrict: HR and superusers write, all read)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.policies.kinds import KINDS, PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active, policy_diff
from tests.factories import Bank

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TASKS = KINDS["tasks"].default_text()
TASKS_V2 = TASKS.replace("due_in_days: 7", "due_in_days: 5", 1)


def _root() -> Client:
    client = Client()
    client.force_login(User.objects.create(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_list_shows_every_kind_and_only_hr_gets_the_actions(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    body = client_as("alice").get("/policies/", **EN).content.decode()
    for kind in PolicyKind:
        assert f'id="kind-{kind.value}"' in body
        assert str(kind.label) in body
    assert "/policies/new/" not in body and 'value="approve"' not in body
    hr = client_as("hannah").get("/policies/", **EN).content.decode()
    assert "/policies/new/?kind=scorecards" in hr


def test_hr_edits_checks_saves_and_another_approves_then_activates(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    hannah = client_as("hannah")
    start = policy_active("tasks")
    page = hannah.get("/policies/new/?kind=tasks", **EN)
    assert page.status_code == 200
    assert "due_in_days: 7" in page.content.decode()  # starts from the version in force
    # Check only: nothing saved.
    checked = hannah.post(
        "/policies/new/", {"kind": "tasks", "yaml_text": TASKS_V2, "action": "check"}, **EN
    )
    assert checked.status_code == 200 and 'id="policy-valid"' in checked.content.decode()
    assert PolicyVersion.objects.filter(kind="tasks").count() == 1
    saved = hannah.post(
        "/policies/new/",
        {"kind": "tasks", "yaml_text": TASKS_V2, "label": "v2", "action": "save"},
    )
    draft = PolicyVersion.objects.get(kind="tasks", label="v2")
    assert saved.status_code == 302 and saved["Location"] == f"/policies/{draft.pk}/"
    detail = hannah.get(f"/policies/{draft.pk}/", **EN).content.decode()
    assert "another approver must approve it" in detail and 'value="approve"' not in detail
    # The maker's own approval is refused even when forced through the form.
    refused = hannah.post(f"/policies/{draft.pk}/", {"action": "approve"}, **EN)
    assert refused.status_code == 400
    assert "someone other than its author" in refused.content.decode()
    root = _root()
    assert root.post(f"/policies/{draft.pk}/", {"action": "approve"}).status_code == 302
    assert hannah.post(f"/policies/{draft.pk}/", {"action": "activate"}).status_code == 302
    assert policy_active("tasks") == draft
    start.refresh_from_db()
    assert start.status == PolicyStatus.RETIRED
    verbs = list(
        AuditEvent.objects.filter(object_type="policy_version")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "policy.default", "policy.create", "policy.approve", "policy.retire", "policy.activate",
    ]  # fmt: skip


def test_the_editor_lists_errors_with_their_lines_and_marks_them(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    broken = TASKS.replace("due_in_days: 7", "due_in_days: soon", 1)
    line = next(n for n, t in enumerate(broken.splitlines(), 1) if "due_in_days: soon" in t)
    response = client_as("hannah").post(
        "/policies/new/", {"kind": "tasks", "yaml_text": broken, "action": "save"}, **EN
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The policy was not saved" in body
    assert f'href="#E{line}">Line {line}: This value must be a whole number.</a>' in body
    assert "[schema.int_parsing]" in body  # the engine's own text, behind the details
    assert f'<tr class="bad" id="E{line}"><td class="ln">{line}</td>' in body
    assert "due_in_days: soon" in body  # the edited text is kept in the form
    assert not PolicyVersion.objects.filter(kind="tasks").exclude(is_default=True).exists()


def test_the_diff_shows_changed_lines_escaped(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    hannah = client_as("hannah")
    old = policy_active("tasks")
    evil = TASKS_V2 + "# <script>alert(1)</script>\n"
    hannah.post(
        "/policies/new/", {"kind": "tasks", "yaml_text": evil, "label": "v2", "action": "save"}
    )
    new = PolicyVersion.objects.get(label="v2")
    body = client_as("alice").get(f"/policies/diff/?a={old.pk}&b={new.pk}", **EN).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "# &lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<tr class="removed">' in body and '<tr class="added">' in body
    assert "due_in_days: 7" in body and "due_in_days: 5" in body
    assert client_as("alice").get(f"/policies/diff/?a={old.pk}&b=x").status_code == 404


def test_policy_diff_numbers_lines_on_both_sides() -> None:
    old = "a\nb\nc\nd\ne\nf\ng\nh\n"
    new = "a\nb\nc\nD\ne\nf\ng\nh\ni\n"
    # d → D at line 4 and i appended at line 9; the 4 equal lines between them are more
    # than twice the context, so two hunks: c, -d, +D, e and h, +i.
    hunks = policy_diff(old, new, context=1)
    assert [(d.change, d.old_no, d.new_no, d.text) for d in hunks[0].lines] == [
        ("same", 3, 3, "c"),
        ("removed", 4, None, "d"),
        ("added", None, 4, "D"),
        ("same", 5, 5, "e"),
    ]
    assert [(h.old_start, h.new_start) for h in hunks] == [(3, 3), (8, 8)]
    assert [(d.change, d.old_no, d.new_no, d.text) for d in hunks[1].lines] == [
        ("same", 8, 8, "h"),
        ("added", None, 9, "i"),
    ]
    assert policy_diff(old, old) == []


@pytest.mark.parametrize("persona", ["alice", "mike", "audrey", "terry"])
def test_only_hr_opens_the_editor_or_acts(
    bank: Bank, client_as: Callable[[str], Client], persona: str
) -> None:
    version = policy_active("referrals")
    client = client_as(persona)
    assert client.get("/policies/new/?kind=referrals").status_code == 404
    assert client.post("/policies/new/", {"kind": "referrals", "yaml_text": "x"}).status_code == 404
    assert client.post(f"/policies/{version.pk}/", {"action": "activate"}).status_code == 404
    assert client.get(f"/policies/{version.pk}/").status_code == 200  # everyone reads


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    for url in ("/policies/", "/policies/new/?kind=tasks", "/policies/1/", "/policies/diff/"):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_kind_or_version_is_not_found(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    hannah = client_as("hannah")
    assert hannah.get("/policies/new/?kind=bonus_pool").status_code == 404
    assert hannah.get("/policies/999999/").status_code == 404
    other = policy_active("tasks")
    assert hannah.get(f"/policies/new/?kind=referrals&from={other.pk}").status_code == 404


def test_the_list_runs_as_many_queries_for_many_versions_as_for_few(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rmperf.policies.services import policy_version_create

    hannah = client_as("hannah")

    def grow(start: int, n: int) -> None:
        for i in range(start, start + n):
            text = TASKS + f"# draft {i}\n"
            policy_version_create(
                actor=bank.user("hannah"), kind="tasks", yaml_text=text, label=f"d{i}"
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert hannah.get("/policies/").status_code == 200
        return len(ctx.captured_queries)

    policy_active("tasks")
    grow(0, 2)
    count()  # the first request of a session warms caches
    few = count()
    grow(2, 10)
    assert count() == few
