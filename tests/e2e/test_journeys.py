"""The three journeys of issue #16 in a real browser, each saving screenshots to
docs/screens/ (1366×768, the README links them):

(a) the RM's morning: the workbench, today's tasks, a customer opened from the list, the
    recommended product offered from the 360, a contact logged on the day's task (which
    closes it), an overdue task closed in the inbox;
(b) a teller's referral converted by the RM: the teller refers through the pickers, the
    RM accepts, records the contact and converts on the purchase in the lake, and the
    teller's points appear in the ledger;
(c) a manager approving targets: the team leader proposes next year's sheet, the RM
    accepts it, the branch manager approves it from the desk's inbox; and the branch
    manager calibrating a peer group on the calibration grid.

Every step fails on a console error, a 4xx/5xx answer, a page nested in another (two
top bars) or a page wider than the window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rmperf.performance.models import TargetSheet
from rmperf.recommend.models import Offer, Outcome
from rmperf.recommend.services import recommendation_run
from rmperf.referrals.models import PointsAccount, Referral, State
from rmperf.tasks.models import Interaction, Task, TaskStatus
from tests.e2e.test_layout import (  # noqa: F401 (fixture)
    SCREENS,
    Watch,
    open_page,
    overflow,
    passwords,
    sign_in,
)
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder
from tests.referrals.helpers import new_customer
from tests.tasks.conftest import make_task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def step(page: Any, watch: Watch, shot: str | None = None) -> None:
    """After each step: one page (not one inside another), no sideways scrolling, no
    error so far; then the screenshot (the window, not the whole page: modest files)."""
    page.wait_for_selector("main.container")
    assert page.locator("header.topbar").count() == 1, f"a nested page at {page.url}"
    assert overflow(page) <= 1, f"{page.url} is wider than the window"
    assert watch.problems == []
    if shot is not None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / shot))


def open_group(page: Any, group: str, href: str) -> None:
    """Through the navigation: open the group, follow its link."""
    page.click(f"#nav-group-{group} summary")
    page.click(f'#nav-group-{group} a[href="{href}"]')
    page.wait_for_url(f"**{href}")


@pytest.fixture
def recommended(bank: Bank, tmp_path: Path) -> None:
    """A recommendation run as of 2026-09-30 on a lake where C001 (risk level C3) looked at
    fund pages twice: the fund_interest rule recommends F3 (R3); F4 (R4 > C3) is withheld."""
    b = LakeBuilder()
    b.product("F2", "fund", "0.004000", risk_level="R2")
    b.product("F3", "fund", "0.006000", risk_level="R3")
    b.product("F4", "fund", "0.008000", risk_level="R4")
    b.customer("C001", risk_level="C3", risk_assessed_on="2026-01-15", birth_date="1990-01-01")
    b.holding("C001", "F2", "1000.00", "2025-01-01")
    b.event("C001", "2026-09-20T10:00:00+08:00", "page_view.fund", "/fund/detail")
    b.event("C001", "2026-09-21T10:00:00+08:00", "page_view.fund", "/fund/detail")
    recommendation_run(actor=None, as_of=dt.date(2026, 9, 30), lake_dir=b.write(tmp_path / "rec"))


def test_the_rms_morning(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    recommended: None,
) -> None:
    today = timezone.localdate()
    late = make_task(staff=bank.alice, customer=bank.c002, key="a", due=today - dt.timedelta(2))
    due = make_task(staff=bank.alice, customer=bank.c001, key="b", due=today)
    passwords(bank, "alice")
    page, watch = open_page("zh-CN")

    # She lands on the workbench; work is overdue, so the overdue tab is selected.
    sign_in(page, live_server.url, "alice")
    page.wait_for_url("**/workbench/")
    assert page.locator("h1").inner_text() == "我的工作台"
    assert page.locator("#tab-overdue").get_attribute("aria-current") == "page"
    assert "/customers/C002/" in page.locator("#wb-task-table").inner_html()
    step(page, watch, "rm-workbench-zh.png")

    # Today's tasks: C001's birthday.
    page.click("#tab-today")
    page.wait_for_url("**/workbench/?tasks=today")
    assert page.locator("#tab-today").get_attribute("aria-current") == "page"
    assert "/customers/C001/" in page.locator("#wb-task-table").inner_html()
    step(page, watch)

    # The customer from her list, through the navigation: the 360 on a page of its own.
    open_group(page, "customers", "/customers/")
    assert page.locator("h1").inner_text() == "我的客户"
    page.click('#customer-table a[href="/customers/C001/"]')
    page.wait_for_url("**/customers/C001/")
    assert "张三丰" in page.locator("h1").inner_text()
    page.wait_for_selector("#recommend-panel td:has-text('F3')")
    step(page, watch, "rm-customer-360-zh.png")

    # One click on the 360: the recommended fund offered (htmx swaps the panel in place).
    page.click("#recommend-panel button[value=offered]")
    page.wait_for_selector("#recommend-panel .tag:has-text('已推介')")
    step(page, watch)
    offer = Offer.objects.get(customer_id="C001")
    assert (offer.product_id, offer.outcome, offer.offered_by_id) == (
        "F3",
        Outcome.OFFERED,
        bank.alice.pk,
    )

    # A contact logged from the 360, on today's task: saving it closes the task.
    page.click("#log-interaction")
    page.wait_for_url("**/tasks/customers/C001/")
    page.select_option("#id_channel", "visit")
    page.select_option("#id_outcome", "reached")
    page.select_option("#id_task", str(due.pk))
    page.check("#id_complete_task")
    page.fill("#id_notes", "生日问候，约下周面谈理财")
    step(page, watch, "rm-contact-zh.png")
    page.click("#interaction-form button[type=submit]")
    page.wait_for_selector("#interaction-table td:has-text('生日问候')")
    step(page, watch)
    assert Interaction.objects.filter(customer_id="C001", staff=bank.alice).count() == 1
    due.refresh_from_db()
    assert due.status == TaskStatus.DONE

    # The overdue task closed in the inbox (htmx swaps the inbox in place).
    open_group(page, "work", "/tasks/")
    page.wait_for_selector("#task-table")
    page.check(f'#task-table input[name=task][value="{late.pk}"]')
    page.click("#task-actions button[value=done]")
    page.wait_for_selector(f'#task-table input[name=task][value="{late.pk}"]', state="detached")
    step(page, watch, "rm-tasks-closed-zh.png")
    assert Task.objects.get(pk=late.pk).status == TaskStatus.DONE


@pytest.fixture
def purchase_lake(tmp_path: Path, settings: Any) -> Path:
    """The lake the conversion reads: C900, a new customer, bought 95,000.00 of a wealth
    product today."""
    b = LakeBuilder()
    b.product("WMP", "wealth", risk_level="R2")
    b.customer("C900", opened_on=(timezone.localdate() - dt.timedelta(days=2)).isoformat())
    b.holding("C900", "WMP", "95000.00", timezone.localdate().isoformat())
    path = b.write(tmp_path / "lake")
    settings.RMPERF_LAKE_DIR = str(path)
    return path


def test_a_tellers_referral_converted_by_the_rm(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    purchase_lake: Path,
) -> None:
    new_customer(bank)  # C900 "新客户", opened 2 days ago, alice's
    passwords(bank, "terry", "alice")

    # The teller refers C900 to alice through the pickers (no ids typed).
    teller, teller_watch = open_page("zh-CN")
    sign_in(teller, live_server.url, "terry")
    open_group(teller, "work", "/referrals/")
    teller.click('a[href="/referrals/new/"]')
    teller.wait_for_url("**/referrals/new/")
    teller.fill("#pick-customer-q", "新客户")
    teller.click("#picks-customer button.pick")
    teller.wait_for_selector("#picked-customer")
    teller.fill("#pick-to_staff-q", "Alice")
    teller.click("#picks-to_staff button.pick")
    teller.wait_for_selector("#picked-to_staff")
    teller.select_option("#id_need", "wealth")
    teller.fill("#id_deposit", "60000.00")
    step(teller, teller_watch, "referral-new-zh.png")
    teller.click("button[name=op][value=create]")
    teller.wait_for_selector(".messages li.success")
    step(teller, teller_watch)
    referral = Referral.objects.get(customer_id="C900")
    assert (referral.from_staff_id, referral.to_staff_id, referral.state) == (
        "S-TERRY",
        "S-ALICE",
        State.CREATED,
    )

    # Alice finds it on her workbench, accepts, records the contact, converts.
    rm, rm_watch = open_page("en-US")
    sign_in(rm, live_server.url, "alice")
    rm.wait_for_url("**/workbench/")
    rm.click(f'#wb-referrals a[href="/referrals/{referral.pk}/"]')
    rm.wait_for_url(f"**/referrals/{referral.pk}/")
    for action in ("accept", "contact", "convert"):
        rm.click(f"form:has(input[name=action][value={action}]) button")
        rm.wait_for_load_state("load")
        step(rm, rm_watch)
    referral.refresh_from_db()
    # 10 points a conversion + ⌊95,000.00 ÷ 10,000⌋ = 10 + 9 = 19
    assert (referral.state, referral.product_id, referral.points) == (State.CONVERTED, "WMP", 19)
    step(rm, rm_watch, "referral-converted-en.png")

    # The teller's ledger shows the points.
    open_group(teller, "work", "/referrals/")
    teller.click('a[href="/referrals/points/"]')
    teller.wait_for_url("**/referrals/points/")
    assert teller.locator("#balance").inner_text() == "19"
    assert f"#{referral.pk}" in teller.locator("#ledger-table").inner_text()
    step(teller, teller_watch, "referral-points-zh.png")
    assert PointsAccount.objects.get(pk="S-TERRY").balance == 19


def test_a_manager_approving_targets(live_server: Any, bank: Bank, open_page: Any) -> None:  # noqa: F811
    year = timezone.localdate().year + 1  # next year's sheet: no mid-year change rules
    passwords(bank, "tina", "alice", "mike")
    sheet_url = f"/performance/targets/{year}/staff/S-ALICE/"

    # The team leader proposes alice's sheet from the team's targets page.
    tina, tina_watch = open_page("zh-CN")
    sign_in(tina, live_server.url, "tina")
    tina.goto(f"{live_server.url}/performance/targets/{year}/team/")
    tina.click(f'a[href="{sheet_url}"]')
    tina.wait_for_url(f"**{sheet_url}")
    tina.select_option("select[name=indicator_0]", "deposit_avg_growth")
    tina.fill("input[name=annual_0]", "1200000")
    tina.fill("#note", "存款增长按季均分")
    step(tina, tina_watch, "targets-propose-zh.png")
    tina.click("#propose-form button[type=submit]")
    tina.wait_for_selector("#sheet-status")
    step(tina, tina_watch)
    sheet = TargetSheet.objects.get(staff_id="S-ALICE", year=year)
    assert sheet.status == "proposed"

    # Alice accepts.
    rm, rm_watch = open_page("zh-CN")
    sign_in(rm, live_server.url, "alice")
    rm.goto(f"{live_server.url}{sheet_url}")
    rm.fill("#comment", "同意")
    rm.click("#respond-form button[value=accept]")
    rm.wait_for_selector("#sheet-answer")
    step(rm, rm_watch, "targets-accepted-zh.png")
    sheet.refresh_from_db()
    assert sheet.rm_response == "accepted"

    # The branch manager finds it in the desk's inbox and approves it.
    mike, mike_watch = open_page("en-US")
    sign_in(mike, live_server.url, "mike")
    mike.wait_for_url("**/workbench/desk/")
    step(mike, mike_watch, "desk-approvals-en.png")
    mike.click(f'#approvals-table a[href="{sheet_url}"]')
    mike.wait_for_url(f"**{sheet_url}")
    mike.click("#approve-form button")
    mike.wait_for_selector("#sheet-status:has-text('Approved')")
    step(mike, mike_watch, "targets-approved-en.png")
    sheet.refresh_from_db()
    assert sheet.status == "approved"


def test_a_branch_manager_calibrates_a_peer_group(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
) -> None:
    from tests.workbench.helpers import result, scored_quarter

    # A computed quarter: alice 92.50 (outstanding), carol 70.00 (good), both on the
    # retail card; mike calibrates alice down to good with a reason.
    period, run = scored_quarter()
    result(period, run, bank.alice, "92.50", "outstanding", [("deposit_avg_growth", "1", "1")])
    result(period, run, bank.carol, "70.00", "good", [("deposit_avg_growth", "1", "1")])
    passwords(bank, "mike")
    page, watch = open_page("zh-CN")
    sign_in(page, live_server.url, "mike")
    page.wait_for_url("**/workbench/desk/")
    page.click("#desk-calibration-link")
    page.wait_for_url("**/workbench/desk/calibration/**")
    row = page.locator("#row-S-ALICE")
    row.locator("select").select_option("good")
    page.click("#preview-button-retail_rm")
    page.wait_for_url("**S-ALICE=good**")
    assert page.locator("#row-S-ALICE form.inline-form input[name=tier]").input_value() == "good"
    row = page.locator("#row-S-ALICE")
    row.locator("input[name=reason]").fill("同组横向比较后下调")
    step(page, watch, "calibration-grid-zh.png")
    row.locator("form.inline-form button").click()
    page.wait_for_selector(".messages li.success")
    step(page, watch)
    from rmperf.performance.models import RmResult

    alice = RmResult.objects.get(period=period, staff=bank.alice)
    assert (alice.calibrated_tier, alice.calibration_reason) == ("good", "同组横向比较后下调")
