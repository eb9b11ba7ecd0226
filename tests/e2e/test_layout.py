"""Layout in a real browser: every main page of each role (every link of its navigation,
and an RM's customer 360) at 1366×768 and on a 390×844 phone, with a few rows in each
list. No page may scroll sideways (a wide table scrolls in its own container), no page
may answer 4xx/5xx, and the grouped navigation opens and leads where it says, on the
phone through the menu button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.test_browser import ARTIFACTS, PASSWORD
from tests.factories import Bank
from tests.referrals.helpers import refer
from tests.tasks.conftest import make_task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
#: One persona per role (tests/factories.py): RM, team leader, branch manager, teller,
#: HR, auditor.
ROLES = ("alice", "tina", "mike", "terry", "hannah", "audrey")
#: Pages that are not the app's own: the API's Swagger page and Django's admin.
NOT_OURS = ("/api/docs", "/admin/")
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
#: Pages one step below the navigation that each role opens daily (next year's target
#: sheet: its form is the widest of the app).
NEXT_YEAR = timezone.localdate().year + 1
TARGETS = f"/performance/targets/{NEXT_YEAR}/staff/S-ALICE/"
MORE: dict[str, list[str]] = {
    "alice": [
        "/customers/C001/", "/tasks/customers/C001/", "/referrals/new/", TARGETS,
        "/workbench/?tasks=today",
    ],
    "tina": [TARGETS, "/customers/C001/", "/tasks/customers/C001/"],
    "mike": [TARGETS, "/workbench/desk/calibration/", "/referrals/points/"],
    "terry": ["/referrals/new/", "/referrals/points/"],
}  # fmt: skip


class Watch:
    """Console errors, page errors and 4xx/5xx answers seen by one page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.problems.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Opens a page in a fresh context (locale, viewport); failures leave screenshots."""
    opened: list[Any] = []

    def make(locale: str = "zh-CN", viewport: str = "desktop") -> tuple[Any, Watch]:
        context = browser.new_context(locale=locale, viewport=VIEWPORTS[viewport])
        page = context.new_page()
        page.set_default_timeout(30_000)
        opened.append(page)
        return page, Watch(page)

    yield make
    report = getattr(request.node, "rep_call", None)
    for i, page in enumerate(opened):
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
        page.context.close()


def sign_in(page: Any, url: str, username: str) -> None:
    """Sign in through the login form; lands on the role's home page."""
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button")
    page.wait_for_selector("nav.nav", state="attached")


def passwords(bank: Bank, *personas: str) -> None:
    for persona in personas:
        user = bank.user(persona)
        user.set_password(PASSWORD)
        user.save()


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate(OVERFLOW))


def rows(bank: Bank) -> None:
    """A few rows in the lists: alice's tasks (overdue, today, upcoming) and a referral."""
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    make_task(staff=bank.alice, customer=bank.c002, key="a", due=today - 2 * day)
    make_task(staff=bank.alice, customer=bank.c001, key="b", due=today)
    make_task(staff=bank.alice, customer=bank.c003, kind="maturity", key="c", due=today + day)
    refer(bank)


def nav_links(page: Any) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "nav.nav a", "links => links.map(a => a.getAttribute('href'))"
    )
    return hrefs


def settle(page: Any) -> None:
    """Wait two animation frames: the resize handlers (the charts redraw) have run."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("persona", ROLES)
def test_every_main_page_fits_the_window(
    live_server: Any, bank: Bank, open_page: Any, persona: str
) -> None:
    """Both viewports in one signed-in page: each page is opened once and measured at
    1366×768, then at 390×844 (the window resized, as a phone turned or a window narrowed;
    the charts redraw on `resize`)."""
    passwords(bank, persona)
    rows(bank)
    page, watch = open_page("zh-CN", "desktop")
    sign_in(page, live_server.url, persona)
    pages = [h for h in nav_links(page) if not h.startswith(NOT_OURS)]
    pages += MORE.get(persona, [])
    assert len(pages) >= 5
    wide: dict[str, dict[str, int]] = {viewport: {} for viewport in VIEWPORTS}
    for path in pages:
        page.set_viewport_size(VIEWPORTS["desktop"])
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 400, path
        page.wait_for_selector("main.container")
        for viewport, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            settle(page)
            extra = overflow(page)
            if extra > 1:
                wide[viewport][path] = extra
    assert wide == {v: {} for v in VIEWPORTS}, f"{persona}: wider than the window by px: {wide}"
    assert watch.problems == []


@pytest.mark.parametrize("persona", ["alice", "mike"])
def test_the_grouped_nav_opens_and_leads_on_a_desktop(
    live_server: Any, bank: Bank, open_page: Any, persona: str
) -> None:
    passwords(bank, persona)
    page, watch = open_page("zh-CN", "desktop")
    sign_in(page, live_server.url, persona)
    groups = page.locator("nav.nav details.nav-group")
    assert groups.count() == 4
    for i in range(groups.count()):
        group = groups.nth(i)
        group.locator("summary").click()
        links = group.locator(".nav-menu a")
        assert links.count() >= 1
        for j in range(links.count()):
            box = links.nth(j).bounding_box()
            assert links.nth(j).is_visible() and box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1366
        assert overflow(page) <= 1
        # Only one group open at a time; Escape closes it.
        assert page.locator("nav.nav details[open]").count() == 1
    if persona == "mike":  # the last group, 团队与管理, is open: its dropdown for the README
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "nav-desktop-zh.png"))
    page.keyboard.press("Escape")
    assert page.locator("nav.nav details[open]").count() == 0
    # Keyboard: focus the customers group, open it with Enter, follow its first link.
    page.locator("#nav-group-customers summary").focus()
    page.keyboard.press("Enter")
    first = page.locator("#nav-group-customers .nav-menu a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("#nav-group-customers summary").get_attribute("aria-current") == "true"
    assert page.locator(f'nav.nav a[href="{href}"]').get_attribute("aria-current") == "page"
    assert watch.problems == []


def test_the_menu_button_opens_the_nav_on_a_phone(
    live_server: Any, bank: Bank, open_page: Any
) -> None:
    passwords(bank, "mike")
    page, watch = open_page("en-US", "phone")
    sign_in(page, live_server.url, "mike")
    assert not page.locator("nav.nav").is_visible()
    page.click("label.nav-toggle-label")
    assert page.locator("nav.nav").is_visible()
    summaries = page.locator("nav.nav summary")
    assert [s.strip() for s in summaries.all_inner_texts()] == [
        "My work", "Customers", "Performance", "Team and management"
    ]  # fmt: skip
    page.click("#nav-group-performance summary")
    link = page.locator('#nav-group-performance a[href="/careers/negative/"]')
    assert link.is_visible()
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert overflow(page) <= 1
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "nav-phone-en.png"))
    link.click()
    page.wait_for_url("**/careers/negative/")
    assert overflow(page) <= 1
    assert watch.problems == []
