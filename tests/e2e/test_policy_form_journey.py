"""A real browser: HR changes two scorecard weights through the policy form (in
Chinese), another person approves the draft (in English). Screenshots of each step go
to docs/screens/; any console error or any 4xx/5xx answer fails the journey."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from rmperf.policies.models import PolicyStatus, PolicyVersion
from tests.e2e.test_browser import ARTIFACTS, PASSWORD
from tests.factories import Bank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
# The shipped set: corporate (c0), retail (c1), sci_tech (c2); the retail card's first
# two lines, deposit and AUM growth, weigh 10 each.
DEPOSIT, AUM = "c1.l0.weight", "c1.l1.weight"


class Watch:
    """Console errors, page errors and 4xx/5xx answers seen by one page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.problems.append(f"console: {msg.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")


@pytest.fixture
def contexts(browser: Any, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    opened: dict[str, Any] = {}

    def open_page(locale: str) -> tuple[Any, Watch]:
        context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        opened[f"{locale}-{len(opened)}"] = page
        return page, Watch(page)

    yield {"open": open_page}
    report = getattr(request.node, "rep_call", None)
    for name, page in opened.items():
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)
        page.context.close()


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


def test_hr_changes_a_weight_in_the_form_and_another_approves(
    live_server: Any, bank: Bank, contexts: dict[str, Any]
) -> None:
    hannah = bank.user("hannah")
    hannah.set_password(PASSWORD)
    hannah.save()
    approver = User.objects.create(username="approver", is_superuser=True, is_staff=True)
    approver.set_password(PASSWORD)
    approver.save()
    SCREENS.mkdir(parents=True, exist_ok=True)

    page, watch = contexts["open"]("zh-CN")
    _sign_in(page, live_server.url, "hannah")
    page.goto(f"{live_server.url}/policies/")
    page.click("#form-scorecards")
    page.wait_for_url("**/policies/form/**")
    assert page.locator("h1").inner_text().startswith("用表单修改")
    assert page.locator(f'input[name="{DEPOSIT}"]').input_value() == "10"
    page.fill(f'input[name="{DEPOSIT}"]', "15")
    page.fill(f'input[name="{AUM}"]', "5")
    page.fill("#label", "weights-e2e")
    page.screenshot(path=str(SCREENS / "policy-form-zh.png"), full_page=True)
    page.click("#save-draft")
    page.wait_for_url("**/policies/*/")
    draft = PolicyVersion.objects.get(label="weights-e2e")
    assert draft.status == PolicyStatus.DRAFT
    assert "    weight: 15" in draft.yaml_text and "    weight: 5" in draft.yaml_text
    page.screenshot(path=str(SCREENS / "policy-draft-zh.png"), full_page=True)
    # Her own draft: she may not approve it.
    assert page.locator("button[value=approve]").count() == 0

    other, other_watch = contexts["open"]("en-US")
    _sign_in(other, live_server.url, "approver")
    other.goto(f"{live_server.url}/policies/form/?kind=scorecards")
    assert other.locator("h1").inner_text().startswith("Change with the form")
    other.screenshot(path=str(SCREENS / "policy-form-en.png"), full_page=True)
    other.goto(f"{live_server.url}/policies/{draft.pk}/")
    other.click("button[value=approve]")
    other.wait_for_load_state("networkidle")
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.APPROVED
    assert draft.approved_by == approver
    other.screenshot(path=str(SCREENS / "policy-approved-en.png"), full_page=True)

    assert watch.problems == []
    assert other_watch.problems == []
