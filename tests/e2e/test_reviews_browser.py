"""A real browser walks a performance talk and a 述职 panel: the team leader records the
talk, the RM acknowledges it; the RM writes and submits a 述职 with a PDF, HR appoints a
panel of three, each member scores privately (a member's page never shows another's
score before the close), HR closes it and the panel's score appears."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.test_browser import PASSWORD, page  # noqa: F401 - shared fixtures
from tests.factories import Bank
from tests.reviews.helpers import PDF_BYTES, confirmed_quarter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str, then: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/login/?next={quote(then)}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: url.startswith(f"{base}{then}"))


def test_a_talk_and_a_panel_in_the_browser(live_server: Any, bank: Bank, page: Any) -> None:  # noqa: F811
    for persona in ("alice", "tina", "mike", "hannah"):
        user = bank.user(persona)
        user.set_password(PASSWORD)
        user.save()
    confirmed_quarter("2026Q3")
    base = live_server.url

    # The team leader records the quarter's talk.
    _sign_in(page, base, "tina", "/reviews/talks/new/?staff=S-ALICE&period=2026Q3")
    page.fill("#strengths", "存款日均增长稳定")
    page.fill("#problems", "理财交叉销售偏弱")
    page.fill("#focus", "代发客户理财转化")
    page.fill("#actions", "每周两次外拓")
    page.click("#talk-form button[type=submit]")
    page.wait_for_url(f"{base}/reviews/talks/*/")
    talk_url = page.url
    assert "理财交叉销售偏弱" in page.locator("#talk").inner_text()

    # The RM acknowledges it with a comment.
    _sign_in(page, base, "alice", talk_url.removeprefix(base))
    page.fill("#comment", "同意，下季度抓理财转化")
    page.click("#ack-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#rm-comment").inner_text() == "同意，下季度抓理财转化"
    assert page.locator("#ack-form").count() == 0

    # The RM starts, writes and submits the half-year 述职 with a PDF.
    page.goto(f"{base}/reviews/")
    page.fill("#span", "2026H2")
    page.click("#review-new button[type=submit]")
    page.wait_for_url(f"{base}/reviews/self/*/")
    review_url = page.url.removeprefix(base)
    page.set_input_files(
        "#file", files=[{"name": "述职.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.click("#attach-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "述职.pdf" in page.locator("#attachments").inner_text()
    page.fill("#report", "下半年述职：存款完成序时进度，理财偏弱；明年目标与措施……")
    page.click("#report-form button[value='1']")
    page.wait_for_load_state("networkidle")
    assert page.locator("#report-form").count() == 0

    # HR appoints three members.
    _sign_in(page, base, "hannah", review_url)
    for member in ("S-TINA", "S-MIKE", "S-HANNAH"):
        page.fill("#member", member)
        page.click("#appoint-form button[type=submit]")
        page.wait_for_load_state("networkidle")
    assert page.locator("#panel tbody tr").count() == 3

    # Each member scores; nobody sees another's score before the close.
    for persona, score in (("tina", "71.37"), ("mike", "88.12"), ("hannah", "80.00")):
        if persona != "hannah":
            _sign_in(page, base, persona, review_url)
        else:
            _sign_in(page, base, "hannah", review_url)
        page.fill("#score", score)
        page.fill("#score-comment", "述职清晰")
        page.click("#score-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.locator("#panel").inner_text()
        assert score in text
        for other in {"71.37", "88.12", "80.00"} - {score}:
            assert other not in text

    # HR closes the panel into 2026Q3: (71.37 + 88.12 + 80.00) ÷ 3 = 239.49 ÷ 3 = 79.83.
    page.select_option("#close-period", "2026Q3")
    page.click("#close-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#panel-score strong").inner_text() == "79.83"
    assert "2026Q3" in page.locator("#period-filled").inner_text()
    panel = page.locator("#panel").inner_text()
    assert "71.37" in panel and "88.12" in panel

    # The RM reads the closed panel with every score.
    _sign_in(page, base, "alice", review_url)
    assert page.locator("#panel-score strong").inner_text() == "79.83"
