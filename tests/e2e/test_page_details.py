"""Details of single pages in a real browser at 1366 px (charts and the segments dashboard
also at 390 px, its card tables at 1000 px), in both languages: rows of a table keep one
height when their figures are missing, long notes wrap instead of running out of sight,
and a chart's texts are drawn whole inside its box."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from rmperf.analysis.thresholds_models import ThresholdProposal
from rmperf.core.runs import RunStatus
from rmperf.performance.models import InnovationProposal, ProposalStatus
from tests.analysis.threshold_helpers import threshold_of_hr
from tests.e2e.test_layout import open_page, passwords, sign_in  # noqa: F401 (fixture)
from tests.factories import Bank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("zh-CN", "en-US")


def _row(unit: str, proposed: str | None, note: str) -> dict[str, Any]:
    """A row as the demo bank's run keeps it: names and figures as wide as there."""
    figures = {k: proposed for k in ("proposed", "low", "high", "mae")}
    return {"unit_id": unit, "unit_name": "杭州城东支行", "scorecard": "sci_tech_rm",
            "indicator": "green_credit_share", "current": "0.100000", "n": 8,
            "note": note, "mape": "1.463700" if proposed else None, **figures}  # fmt: skip


@pytest.mark.parametrize("locale", LANGUAGES)
def test_threshold_rows_without_a_proposal_are_as_tall_as_the_others(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    locale: str,
) -> None:
    run = threshold_of_hr(bank)
    ThresholdProposal.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        result={
            "rows": [
                _row("BA", "0.850000", ""),
                _row("BB", None, "too_few_observations (4 < 6)"),
                _row("BC", "0.870000", "no_backtest"),
                _row("BD", None, "too_few_observations (5 < 6)"),
                # A long note may take lines of its own; it must not squeeze the others.
                _row(
                    "BE", "0.000000", "clipped to 0.000000 (model -0.537100, a share lies in 0..1)"
                ),
            ],
            "levels": [],
        },
    )
    passwords(bank, "hannah")
    page, watch = open_page(locale, "desktop")
    sign_in(page, live_server.url, "hannah")
    page.goto(f"{live_server.url}/analysis/thresholds/{run.pk}/")
    heights = page.eval_on_selector_all(
        "#rows tbody tr", "rows => rows.map(r => Math.round(r.getBoundingClientRect().height))"
    )
    assert len(heights) == 5
    assert max(heights[:4]) - min(heights[:4]) <= 1, heights
    # All eleven columns fit the 1366 px window: no column (the note last) cut by the box.
    scroll, client = page.eval_on_selector(
        "#rows", "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert scroll <= client, (scroll, client)
    assert watch.problems == []


#: A decision note as reviewers write them: a few sentences (the demo's are about as long).
NOTE = (
    "采纳：下月起试行三个月，按到访客户数和理财签约数评估效果，由营销一组牵头，"
    "每周一晨会通报进展，试行结束后决定是否在全行推广。"
    " Adopted: a three-month trial from next month, judged by visits and wealth contracts."
)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_long_decision_note_wraps_within_the_proposals_table(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    locale: str,
) -> None:
    now = timezone.now()
    InnovationProposal.objects.create(
        staff=bank.alice,
        title="周六网点理财咨询台",
        description="周六上午在网点大堂设理财咨询台，由客户经理轮值。",
        submitted_at=now,
        status=ProposalStatus.ADOPTED,
        reviewer=bank.tina,
        decided_at=now,
        decision_note=NOTE,
    )
    passwords(bank, "alice")
    page, watch = open_page(locale, "desktop")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/performance/proposals/")
    table = page.locator("#proposal-table")
    container = table.locator("xpath=..")
    # Nothing of the table lies beyond its container: no sideways scrolling to read it.
    assert table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth") <= 1
    note = page.locator("#proposal-table tbody tr td").nth(5)
    box, frame = note.bounding_box(), container.bounding_box()
    assert box is not None and frame is not None
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    assert box["height"] > 30  # wrapped onto more than one line
    assert watch.problems == []


#: What every text of a chart must do: lie inside the chart's box (ECharts draws an SVG
#: of that size; a text above or below it is cut by the box, a sliver shown at its edge).
TEXTS_OUTSIDE = """el => {
  const box = el.getBoundingClientRect();
  return Array.from(el.querySelectorAll("svg text"))
    .filter(t => t.textContent.trim() !== "")
    .filter(t => {
      const r = t.getBoundingClientRect();
      return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5
        || r.left < box.left - 0.5 || r.right > box.right + 0.5;
    })
    .map(t => t.textContent);
}"""


def texts_outside(page: Any, kind: str) -> list[str]:
    """The texts of the page's chart `kind` that do not lie inside its box, once drawn."""
    page.wait_for_selector(f'[data-chart="{kind}"][data-drawn] svg text', state="attached")
    outside: list[str] = page.locator(f'[data-chart="{kind}"]').evaluate(TEXTS_OUTSIDE)
    return outside


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_period_charts_draw_their_texts_whole(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    locale: str,
    viewport: str,
) -> None:
    from tests.analysis.test_fishbone_page import alices_result

    alices_result(bank)  # 2026Q3: alice scored, competent
    passwords(bank, "hannah")
    page, watch = open_page(locale, viewport)
    sign_in(page, live_server.url, "hannah")
    page.goto(f"{live_server.url}/performance/2026Q3/")
    # The value axis is named (RMs / 客户经理人数), and the name is drawn whole, not cut at
    # the chart's top edge under the tier list.
    assert texts_outside(page, "tiers") == []
    texts = page.locator('[data-chart="tiers"]').evaluate(
        "el => Array.from(el.querySelectorAll('svg text'), t => t.textContent)"
    )
    assert {"zh-CN": "客户经理人数", "en-US": "RMs"}[locale] in texts
    # The balanced-scorecard chart below: each perspective's name (Learning and growth the
    # longest, last at the right edge) drawn whole inside the box, on a phone too.
    assert texts_outside(page, "bsc") == []
    assert watch.problems == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_segments_dashboard_keeps_charts_and_tables_in_their_boxes(
    live_server: Any,
    bank: Bank,
    open_page: Any,  # noqa: F811
    locale: str,
    viewport: str,
) -> None:
    from tests.segments.factories import make_run

    make_run()
    passwords(bank, "mike")
    page, watch = open_page(locale, viewport)
    sign_in(page, live_server.url, "mike")
    page.goto(f"{live_server.url}/segments/")
    # Every text of the three charts (the product categories' names the longest) lies
    # whole inside its chart's box, none cut at an edge.
    for kind in ("pyramid", "penetration", "frequency"):
        assert texts_outside(page, kind) == [], kind
    # A window of 1000 px (and the phone): each card's table (tiers, penetration,
    # frequency) fits its card whole, no column cut at its right edge.
    width = 1000 if viewport == "desktop" else 390
    page.set_viewport_size({"width": width, "height": 800})
    page.reload()
    page.wait_for_selector('[data-chart="pyramid"][data-drawn]', state="attached")
    cut = page.eval_on_selector_all(
        ".grid.three .table",
        """tables => tables
          .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
          .map(t => [t.querySelector("th").textContent, t.scrollWidth,
                     t.parentElement.clientWidth])""",
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # A branch's amounts are long (the medium bank's AUM tile pushed a phone's page 17 px
    # sideways): every figure tile with such a value still fits the window.
    page.eval_on_selector_all(
        ".stat-value", "vs => vs.forEach(v => { v.textContent = '¥12,345,678,901.23'; })"
    )
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert watch.problems == []
