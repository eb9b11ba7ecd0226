"""A real browser on "why this score": RM2 opens why their deposit growth scored what
it did, in Chinese and in English, with the chart drawn, the details toggle opened and
the customer drill-down; screenshots go to docs/screens/, and any console error or
4xx/5xx answer fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rmperf.performance.services.runs import period_run
from tests.e2e.test_browser import ARTIFACTS, PASSWORD
from tests.e2e.test_policy_form_journey import SCREENS, Watch
from tests.performance.conftest import PerfBank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
URL = "/performance/2026Q3/staff/RM2/why/deposit_avg_growth/"


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_an_rm_reads_why_in_both_languages(
    live_server: Any, perf_bank: PerfBank, page: Any
) -> None:
    period_run(actor=None, key="2026Q3")
    rm2 = perf_bank.users["rm2"]
    rm2.set_password(PASSWORD)
    rm2.save()
    watch = Watch(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rm2")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/performance/2026Q3/staff/RM2/")
    page.click(f'a[href="{URL}"]')
    page.wait_for_url(f"**{URL}")
    assert page.locator("h1").inner_text() == "得分原因：日均存款增长"
    assert page.locator("#why-value").inner_text() == "150,000.00 元"
    page.wait_for_selector("#why-chart[data-drawn] svg")
    assert not page.locator("#why-rows").is_visible()  # the technical rows wait behind details
    page.screenshot(path=str(SCREENS / "why-zh.png"), full_page=True)
    page.click("#why-details > summary")
    assert page.locator("#why-rows").is_visible()

    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Why: Average daily deposit growth"
    page.wait_for_selector("#why-chart[data-drawn] svg")
    page.screenshot(path=str(SCREENS / "why-en.png"), full_page=True)
    page.click(f'#why-customer-rows a[href="{URL}customer/C2/"]')
    page.wait_for_url(f"**{URL}customer/C2/")
    assert "客户C2" in page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENS / "why-customer-en.png"), full_page=True)
    assert watch.problems == []
