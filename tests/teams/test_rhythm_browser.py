"""Real-browser walks (Playwright + Debian's Chromium, tests/e2e/test_browser.py):

1. A 360 round: HR opens a round over branch A, three peers of alice answer her peer
   review one after another; her result stays hidden (anonymity) after the first and the
   second response and appears after the third.
2. The 晨会 board: the team leader fills the board from the lake, types the meeting's notes;
   the RM reads the figures and the notes without the forms (the leader's view is saved
   as docs/screens/team-board-zh.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.test_browser import PASSWORD, page  # noqa: F401 - shared fixtures
from tests.factories import Bank, make_staff
from tests.teams.helpers import board_lake, build_small

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str, then: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/login/?next={quote(then)}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button")
    page.wait_for_url(lambda url: url.startswith(f"{base}{then}"))


def _password(*users: Any) -> None:
    for user in users:
        user.set_password(PASSWORD)
        user.save()


def test_a_360_round_shows_results_only_after_the_third_peer(
    live_server: Any,
    bank: Bank,
    page: Any,  # noqa: F811
) -> None:
    # Branch A's RMs: alice (TA1), carol (TA2) and two more in TA1, so alice has three peers.
    dave = make_staff(staff_id="S-DAVE", name="Dave Du", role="rm", rank="junior",
                      unit=bank.team_a1, username="dave")  # fmt: skip
    erin = make_staff(staff_id="S-ERIN", name="Erin Ee", role="rm", rank="junior",
                      unit=bank.team_a1, username="erin")  # fmt: skip
    _password(bank.user("hannah"), bank.user("alice"), bank.user("carol"), dave.user, erin.user)
    base = live_server.url

    _sign_in(page, base, "hannah", "/feedback/")
    page.fill("#title", "2026年第四季度360评价")
    page.select_option("#unit", "BA")
    page.click("#open-form button[type=submit]")
    page.wait_for_url(f"{base}/feedback/rounds/*/")
    round_url = page.url.removeprefix(base)
    alice_row = "#results tr:has-text('S-ALICE')"
    assert page.locator(alice_row).count() == 0  # no response yet

    # Each peer answers 4, 5 and 3 on every question: (4 − 1) × 100 ÷ 4 = 75.00,
    # 100.00 and 50.00; the mean of the three is 225.00 ÷ 3 = 75.00.
    for n, (who, answer) in enumerate((("carol", "4"), ("dave", "5"), ("erin", "3")), 1):
        _sign_in(page, base, who, "/feedback/")
        page.click("#pending tr:has-text('Alice An') a")
        page.wait_for_url(f"{base}/feedback/invitations/*/")
        for group in page.locator("#answer-form fieldset").all():
            group.locator(f"input[value='{answer}']").check()
        page.click("#answer-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        _sign_in(page, base, "hannah", round_url)
        cells = page.locator(f"{alice_row} td").all_inner_texts()
        assert cells[2] == str(n)  # responses
        if n < 3:
            assert cells[3] == "—", f"shown after {n} responses: {cells}"
            assert "75.00" not in page.locator("#results").inner_text()
        else:
            assert cells[3] == "75.00"
    # alice reads her own result, without a reviewer's name.
    _sign_in(page, base, "alice", round_url)
    text = page.locator("#results").inner_text()
    assert "75.00" in text and "Carol" not in text and "Dave" not in text


def test_the_morning_board_in_the_browser(
    live_server: Any,
    db: None,
    page: Any,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.RMPERF_LAKE_DIR = str(board_lake(tmp_path / "lake"))
    small = build_small()
    _password(small.tl1.user, small.rm1.user)
    base = live_server.url
    url = "/teams/TM1/board/daily/?day=2026-09-16"

    _sign_in(page, base, "tl1", url)
    assert page.locator("#no-board").count() == 1
    page.click("#fill-form button")
    page.wait_for_load_state("networkidle")
    # Tuesday 09-15: RM1 5,000.00 − 1,200.50 = 3,799.50 and one account; RM2 −300.00;
    # the team 3,499.50.
    assert page.locator("#board tr[data-staff='RM1'] .assets").inner_text() == "3,799.50"
    assert page.locator("#board tr[data-staff='RM1'] .accounts").inner_text() == "1"
    assert page.locator("#board-total .assets").inner_text() == "3,499.50"
    page.fill("#notes", "王一跟进C5开户后的首笔理财；李二核实C2资金流出原因")
    page.click("#notes-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "王一跟进C5" in page.locator("#notes").input_value()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "team-board-zh.png"), full_page=True)

    _sign_in(page, base, "rm1", url)
    assert page.locator("#board-total .assets").inner_text() == "3,499.50"
    assert "王一跟进C5" in page.locator("#notes").inner_text()
    assert page.locator("#fill-form").count() == 0 and page.locator("#notes-form").count() == 0
