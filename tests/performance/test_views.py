"""The performance pages on the hand-built lake: ranking, scorecard, why, calibration,
targets, export (figures from conftest.py)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from rmperf.core.models import AuditEvent
from rmperf.org.models import Staff
from rmperf.performance.models import LineResult, PerfPeriod, RmResult, TargetSheet
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
Clients = Callable[[str], Client]


def test_hr_takes_a_period_through_its_lifecycle_in_the_ui(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    hr = perf_client("hr1")
    page = hr.get("/performance/?p=2026q3")
    assert page.status_code == 302
    assert page["Location"] == "/performance/2026Q3/"
    body = hr.get("/performance/2026Q3/").content.decode()
    assert 'value="open"' in body
    for action, status in (
        ("open", "open"),
        ("run", "computed"),
        ("close", "computed"),  # refused: not calibrated yet
        ("confirm", "calibrated"),
        ("close", "closed"),
    ):
        response = hr.post("/performance/2026Q3/action/", {"action": action}, follow=True)
        assert response.status_code == 200
        assert PerfPeriod.objects.get().status == status, action
    assert "must be calibrated" not in body
    body = hr.get("/performance/2026Q3/").content.decode()
    assert 'value="run"' not in body  # closed: no button to compute again
    assert PerfPeriod.objects.get().digest in body


def test_only_hr_sees_and_uses_the_workflow(perf_bank: PerfBank, perf_client: Clients) -> None:
    assert 'value="run"' not in perf_client("bm1").get("/performance/2026Q3/").content.decode()
    for who in ("rm1", "tl1", "bm1"):
        response = perf_client(who).post("/performance/2026Q3/action/", {"action": "run"})
        assert response.status_code == 404
    assert not PerfPeriod.objects.exists()


def test_the_branch_manager_ranks_the_rms_of_the_branch(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    period_run(actor=None, key="2026Q3")
    body = perf_client("bm1").get("/performance/2026Q3/").content.decode()
    ranking = body[body.index('id="ranking"') :]
    # RM1 100.00 first, RM2 60.00 second; RM3 is in BR2
    assert ranking.index("RM1") < ranking.index("RM2")
    assert "RM3" not in body
    assert 'id="perf-chart"' in body
    counts = body[
        body.index('id="tier-counts"') : body.index("</ul>", body.index('id="tier-counts"'))
    ]
    assert "Outstanding</span> 1" in counts
    assert "Competent</span> 1" in counts
    assert "Not competent</span> 0" in counts
    # BSC, averaged over the two RMs shown: financial weight (80 + 80) / 2 = 80.00,
    # points (80 + 40) / 2 = 60.00; process (complaints) weight (20 + 20) / 2 = 20.00.
    bsc = body[body.index('id="bsc-table"') :]
    assert "80.00" in bsc
    assert "60.00" in bsc
    assert "160.00" not in bsc
    # an RM sees only their own row
    body = perf_client("rm2").get("/performance/2026Q3/").content.decode()
    assert "RM2" in body
    assert "RM1" not in body


def test_an_rm_reads_their_scorecard_and_why(perf_bank: PerfBank, perf_client: Clients) -> None:
    period_run(actor=None, key="2026Q3")
    rm2 = perf_client("rm2")
    body = rm2.get("/performance/2026Q3/staff/RM2/").content.decode()
    assert '<span class="stat-value" id="final-total">60.00</span>' in body
    assert "Competent" in body
    assert "150,000.00" in body  # the value of deposit growth
    assert "300,000.00" in body  # its target
    assert "50%" in body  # completion 0.5
    assert "/performance/2026Q3/staff/RM2/why/deposit_avg_growth/" in body
    assert 'id="calibrate-form"' not in body
    assert "deposit_avg_growth" in body[body.index('id="explanation"') :]
    why = rm2.get("/performance/2026Q3/staff/RM2/why/deposit_avg_growth/").content.decode()
    rows = why[why.index('id="why-rows"') :]
    assert "C2" in rows  # the customer behind the value
    assert "C1" not in rows
    assert rm2.get("/performance/2026Q3/staff/RM1/").status_code == 404
    assert perf_client("bm2").get("/performance/2026Q3/staff/RM2/").status_code == 404
    assert perf_client("te1").get("/performance/2026Q3/staff/RM2/").status_code == 404


def test_the_scorecard_says_each_figure_in_its_indicator_unit(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    period_run(actor=None, key="2026Q3")
    # RM2's second line made a ratio line (cross-sell rate 0.76 against 0.80), as a card
    # with one would store it: the page says a ratio in percent, money in yuan.
    LineResult.objects.filter(result__staff_id="RM2", indicator="complaints").update(
        line="cross_sell_rate", indicator="cross_sell_rate", value="0.76", target="0.80"
    )
    rm2 = perf_client("rm2")
    for language, money in (("en", "150,000.00 CNY"), ("zh-hans", "150,000.00 元")):
        body = rm2.get("/performance/2026Q3/staff/RM2/", HTTP_ACCEPT_LANGUAGE=language)
        lines = body.content.decode()
        lines = lines[
            lines.index('id="lines"') : lines.index("</table>", lines.index('id="lines"'))
        ]
        assert "76.00%" in lines and "80.00%" in lines, language
        assert ">0.76<" not in lines and ">0.8<" not in lines
        assert money in lines and "300,000.00" in lines  # deposit growth and its target


def test_calibration_in_the_ui(perf_bank: PerfBank, perf_client: Clients) -> None:
    period_run(actor=None, key="2026Q3")
    bm1 = perf_client("bm1")
    assert 'id="calibrate-form"' in bm1.get("/performance/2026Q3/staff/RM2/").content.decode()
    url = "/performance/2026Q3/staff/RM2/calibrate/"
    response = bm1.post(url, {"tier": "good", "reason": ""}, follow=True)
    assert "A calibration needs a reason." in response.content.decode()
    assert not RmResult.objects.get(staff_id="RM2").is_calibrated
    response = bm1.post(url, {"tier": "good", "total": "75", "reason": "新客户群"}, follow=True)
    body = response.content.decode()
    assert "Calibrated to 75.00 (Good); the engine computed 60.00." in body
    assert "新客户群" in body
    assert perf_client("bm2").post(url, {"tier": "good", "reason": "x"}).status_code == 404
    assert perf_client("rm2").post(url, {"tier": "good", "reason": "x"}).status_code == 404


def test_target_sheet_pages(perf_bank: PerfBank, perf_client: Clients) -> None:
    rm1 = perf_client("rm1")
    url = "/performance/targets/2026/staff/RM1/"
    assert 'id="no-sheet"' in rm1.get(url).content.decode()
    response = rm1.post(
        url,
        {"rows": "2", "indicator_0": "deposit_avg_growth", "annual_0": "1000000",
         "indicator_1": "", "annual_1": "", "note": "stretch"},
        follow=True,
    )  # fmt: skip
    body = response.content.decode()
    assert "The target sheet was proposed." in body
    assert "250,000.00" in body  # 1,000,000 ÷ 4
    assert 'id="approve-form"' not in body  # nobody approves their own targets
    response = rm1.post(url, {"rows": "1", "indicator_0": "x", "annual_0": "abc"}, follow=True)
    assert "Row 1: the targets must be numbers." in response.content.decode()
    assert perf_client("rm2").get(url).status_code == 404
    bm1 = perf_client("bm1")
    assert 'id="approve-form"' in bm1.get(url).content.decode()
    response = bm1.post(url + "approve/", follow=True)
    assert "The target sheet was approved." in response.content.decode()
    assert TargetSheet.objects.get().status == "approved"
    assert perf_client("bm2").post(url + "approve/").status_code == 404


def test_excel_export_is_formula_safe_scoped_and_audited(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    Staff.objects.filter(pk="RM2").update(name='=HYPERLINK("http://x","y")')
    period_run(actor=None, key="2026Q3")
    bm1 = perf_client("bm1")
    assert "2 results in your scope" in bm1.get("/performance/2026Q3/export/").content.decode()
    response = bm1.post("/performance/2026Q3/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    results = list(wb["results"].iter_rows(values_only=True))
    assert [r[0] for r in results[1:]] == ["RM1", "RM2"]
    assert results[2][1] == '\'=HYPERLINK("http://x","y")'
    assert results[2][8] == 60  # the total stays a number
    lines = list(wb["lines"].iter_rows(values_only=True))
    assert len(lines) == 1 + 2 * 2
    event = AuditEvent.objects.get(verb="performance.export")
    assert event.after["rows"] == 2
    assert Decimal(str(results[1][8])) == Decimal("100")


def test_csv_export_beside_excel_same_scope_safety_and_audit(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    Staff.objects.filter(pk="RM2").update(name='=HYPERLINK("http://x","y")')
    period_run(actor=None, key="2026Q3")
    bm1 = perf_client("bm1")
    assert 'value="csv"' in bm1.get("/performance/2026Q3/export/").content.decode()
    response = bm1.post("/performance/2026Q3/export/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # bm1's branch has RM1 and RM2 (as in the Excel file); RM2's name stays text.
    assert [r[0] for r in rows[1:]] == ["RM1", "RM2"]
    assert rows[2][1] == '\'=HYPERLINK("http://x","y")'
    assert Decimal(rows[1][8]) == Decimal("100")
    event = AuditEvent.objects.get(verb="performance.export")
    assert event.after["rows"] == 2
    assert event.after["filename"].endswith(".csv")
    assert event.after["sha256"] == hashlib.sha256(response.content).hexdigest()


def test_distribution_guidance_flags_calibrations_over_the_cap(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    period_run(actor=None, key="2026Q3")
    bm1 = perf_client("bm1")
    body = bm1.get("/performance/2026Q3/").content.decode()
    # 3 RMs on the card × 0.67 = 2.01 → at most 2 outstanding; now RM1 only
    # The card by its name (names.en of test_retail), not its id.
    assert "test retail: at most 2 of 3 RMs Outstanding (share 0.67); now 1." in body
    assert "Over the cap" not in body
    zh = bm1.get("/performance/2026Q3/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    guidance = zh[zh.index('id="guidance"') :]
    assert "测试零售" in guidance[: guidance.index("</ul>")]
    facts = zh[: zh.index('id="guidance"')]
    assert '测试零售 <code class="hash muted">' in facts and "test_retail" not in zh
    url = "/performance/2026Q3/staff/{}/calibrate/"
    bm1.post(url.format("RM2"), {"tier": "outstanding", "reason": "r"})
    perf_client("bm2").post(url.format("RM3"), {"tier": "outstanding", "reason": "r"})
    body = bm1.get("/performance/2026Q3/").content.decode()
    assert "now 3." in body
    assert "Over the cap: review the calibrations." in body
    assert "RM3" not in body  # counts only: RM3 is in BR2


def test_bonus_items_are_shown_and_explained(perf_bank: PerfBank, perf_client: Clients) -> None:
    period_run(actor=None, key="2026Q3")
    bm2 = perf_client("bm2")
    body = bm2.get("/performance/2026Q3/staff/RM3/").content.decode()
    items = body[body.index('id="adjustments"') :]
    assert "certifications" in items
    assert "1.00" in items  # one certification × 1 point
    explanation = body[body.index('id="explanation"') :]
    assert "bonus 1.00" in explanation
    why = bm2.get("/performance/2026Q3/staff/RM3/why/certifications/").content.decode()
    assert "trainings" in why[why.index('id="why-rows"') :]  # the source table of the row


def test_the_scorecard_shows_the_trend_of_earlier_quarters(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    period_run(actor=None, key="2026Q2")
    period_run(actor=None, key="2026Q3")
    body = perf_client("rm1").get("/performance/2026Q3/staff/RM1/").content.decode()
    trend = body[body.index('id="trend"') : body.index("</table>", body.index('id="trend"'))]
    assert trend.index("2026Q2") < trend.index("2026Q3")
    assert "2026Q3/staff/RM1/" in trend
