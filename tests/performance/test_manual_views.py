"""The manual-score pages (HTMX forms), what each reader sees, and distribution guidance
read from the cards the run used."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.performance.models import ManualScore, ScoringRun
from rmperf.performance.selectors import distribution_guidance, run_cards
from rmperf.performance.services.periods import period_open
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import CARD, PerfBank
from tests.performance.test_manual import MANUAL_CARD

pytestmark = pytest.mark.django_db

URL = "/performance/2026Q3/staff/RM1/manual/"


@pytest.fixture
def manual_bank(perf_bank: PerfBank, swap_cards: Callable[[str], Path]) -> PerfBank:
    swap_cards(MANUAL_CARD)
    period_open(actor=None, key="2026Q3")
    return perf_bank


def _post(client: Client, data: dict[str, str], htmx: bool = True) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(URL, data, headers=headers)
    assert response.status_code in (200, 302)
    return response.content.decode()


def test_a_branch_manager_scores_and_appoints_from_the_page(
    manual_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    bm1 = perf_client("bm1")
    page = bm1.get(URL).content.decode()
    assert "Self-review panel" in page and "Peer feedback" in page
    assert 'class="filters manual-score-form"' in page  # on the panel by right
    assert page.count("manual-appoint-form") == 2
    # A partial answer to an htmx post: the section only, with the message.
    part = _post(bm1, {"action": "score", "key": "self_review", "score": "80", "comment": "稳健"})
    assert part.startswith('\n<div id="manual-scores">') or part.lstrip().startswith(
        '<div id="manual-scores">'
    )
    assert "<html" not in part
    assert "Your score was recorded." in part
    assert '<strong class="manual-mean">80.00</strong>' in part
    part = _post(bm1, {"action": "score", "key": "self_review", "score": "120", "comment": "x"})
    assert "The score must be from 0 to 100, not 120." in part
    part = _post(bm1, {"action": "appoint", "key": "self_review", "reviewer": "TL1"})
    assert "The reviewer was appointed." in part
    tl1 = perf_client("tl1")
    part = tl1.post(
        URL,
        {"action": "score", "key": "self_review", "score": "90", "comment": "good"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert '<strong class="manual-mean">85.00</strong>' in part
    assert AuditEvent.objects.filter(verb="performance.manual.score").count() == 2
    # Without htmx the post redirects back to the page.
    response = bm1.post(URL, {"action": "appoint", "key": "peer_feedback", "reviewer": "RM2"})
    assert response.status_code == 302 and response["Location"] == URL


def test_what_the_rm_peers_and_others_see(
    manual_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    bm1 = perf_client("bm1")
    _post(bm1, {"action": "score", "key": "self_review", "score": "80", "comment": "稳健"})
    _post(bm1, {"action": "appoint", "key": "peer_feedback", "reviewer": "RM2"})
    rm2 = perf_client("rm2")
    # RM2 cannot read RM1's scorecard, but opens the manual page from their seat.
    assert rm2.get("/performance/2026Q3/staff/RM1/").status_code == 404
    page = rm2.get(URL).content.decode()
    assert "manual-score-form" in page and "manual-appoint-form" not in page
    assert "稳健" not in page  # the panel's scores are not a peer's business
    assert perf_client("rm2").get("/performance/2026Q3/").content.decode().count(URL) == 1
    rm2.post(URL, {"action": "score", "key": "peer_feedback", "score": "70", "comment": "乐于助人"})
    assert ManualScore.objects.get(reviewer_id="RM2").score == 70
    # Out of scope: a teller, another branch's manager, an RM without a seat.
    for who in ("te1", "bm2"):
        assert perf_client(who).get(URL).status_code == 404
    assert perf_client("rm2").get("/performance/2026Q3/staff/RM3/manual/").status_code == 404
    # The RM sees nothing before the period is computed …
    rm1 = perf_client("rm1")
    page = rm1.get(URL).content.decode()
    assert "The scores given to you are shown once the period is computed." in page
    assert "稳健" not in page and "乐于助人" not in page
    assert (
        rm1.post(
            URL, {"action": "score", "key": "self_review", "score": "100", "comment": "me"}
        ).status_code
        == 404
    )
    # … and after it, the panel by name and the peer anonymously.
    period_run(actor=None, key="2026Q3")
    page = rm1.get(URL).content.decode()
    assert "稳健" in page and "赵四" in page  # BM1's name and comment
    assert "乐于助人" in page and "anonymous peer" in page
    assert "李二" not in page and "RM2" not in page
    assert "manual-score-form" not in page


def test_the_score_page_names_the_missing_manual_inputs(
    manual_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    bm1 = perf_client("bm1")
    _post(bm1, {"action": "score", "key": "self_review", "score": "80", "comment": "稳健"})
    period_run(actor=None, key="2026Q3")
    page = bm1.get("/performance/2026Q3/staff/RM1/").content.decode()
    assert 'id="manual-missing"' in page
    assert "Peer feedback" in page
    assert (
        'Peer feedback <span class="muted">peer_feedback</span>: no score, left out; the '
        "other lines' weights were renormalised." in page
    )
    assert "self_review</span>: no score" not in page
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.force_login(manual_bank.users["bm1"])
    page = zh.get("/performance/2026Q3/staff/RM1/").content.decode()
    assert "缺少的人工评分" in page


def test_guidance_reads_the_cards_the_run_used(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path]
) -> None:
    run = period_run(actor=None, key="2026Q3")
    cards = run_cards(run)
    assert cards is not None
    assert cards["test_retail"].rating.forced_distribution is not None
    assert run.cards["test_retail"]["digest"].startswith(run.policy_versions["test_retail"])
    # Today's card caps outstanding at 34%: 3 × 0.34 = 1.02 → 1. The run used 67% (→ 2).
    swap_cards(CARD.replace('max_share: "0.67"', 'max_share: "0.34"'))
    (g,) = distribution_guidance(period=run.period, cards_shown={"test_retail"})
    assert (g.max_share, g.rms, g.allowed, g.actual) == (
        Decimal("0.67"), 3, 2, 1,
    )  # fmt: skip
    # A run stored before runs kept their cards: no guidance rather than today's caps.
    ScoringRun.objects.filter(pk=run.pk).update(cards={})
    assert distribution_guidance(period=run.period, cards_shown={"test_retail"}) == []
