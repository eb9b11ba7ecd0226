"""A real browser against a live server: an RM signs in, opens their customers, switches
language. Drives Debian's Chromium through Playwright; a failure leaves a screenshot in
test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rmperf.customers.models import Assignment
from tests.factories import Bank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "e2e-Secret-2026"
# `browser`: one Chromium per test process, tests/conftest.py.


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_rm_signs_in_sees_customers_and_switches_language(
    live_server: Any, bank: Bank, page: Any
) -> None:
    alice = bank.user("alice")
    alice.set_password(PASSWORD)
    alice.save()
    own = {a.customer_id for a in Assignment.objects.filter(staff=bank.alice, valid_to=None)}
    others = {a.customer_id for a in Assignment.objects.filter(staff=bank.bob, valid_to=None)}
    assert own and others

    page.goto(f"{live_server.url}/customers/")
    # Anonymous: sent to the sign-in page, which the zh-CN browser gets in Chinese.
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")

    page.wait_for_url(f"{live_server.url}/customers/**")
    assert page.locator("h1").inner_text() == "我的客户"
    table_text = page.locator("table").inner_text()
    for customer_id in own:
        assert customer_id in table_text
    for customer_id in others:
        assert customer_id not in table_text

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "My customers"
    assert page.locator("html").get_attribute("lang") == "en"
