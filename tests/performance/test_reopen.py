"""Reopening a closed period: reason required, HR only, appended to the chain (nothing
edited), the results as closed kept beside the new ones, `rmperf verify` still holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client

from rmperf.cli import main
from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent
from rmperf.performance.models import ChainEntry, PerfPeriod, RmResult
from rmperf.performance.services.calibration import period_confirm_calibration, result_calibrate
from rmperf.performance.services.chain import (
    chain_verify,
    period_close,
    period_reopen,
)
from rmperf.performance.services.periods import PerformanceError
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db


def _close(key: str = "2026Q3") -> PerfPeriod:
    period_run(actor=None, key=key)
    period_confirm_calibration(actor=None, key=key)
    return period_close(actor=None, key=key)


def test_reopen_needs_hr_a_reason_and_a_closed_period(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    with pytest.raises(PerformanceError, match="not closed"):
        period_reopen(actor=perf_bank.users["hr1"], key="2026Q3", reason="typo")
    period_confirm_calibration(actor=None, key="2026Q3")
    period_close(actor=None, key="2026Q3")
    for who in ("bm1", "rm1", "tl1", "ro1"):
        with pytest.raises(Http404):
            period_reopen(actor=perf_bank.users[who], key="2026Q3", reason="please")
    with pytest.raises(PerformanceError, match="needs a reason"):
        period_reopen(actor=perf_bank.users["hr1"], key="2026Q3", reason="  ")
    assert PerfPeriod.objects.get(key="2026Q3").status == "closed"
    assert ChainEntry.objects.count() == 1


def test_reopen_recalibrate_and_close_again_appends_to_the_chain(perf_bank: PerfBank) -> None:
    q2 = _close("2026Q2")
    q3 = _close("2026Q3")
    first_close = q3.digest
    rows_before = {r.staff_id: r.digest for r in RmResult.objects.filter(period=q3)}
    reopened = period_reopen(
        actor=perf_bank.users["hr1"], key="2026Q3", reason="RM2's complaint was withdrawn"
    )
    assert reopened.status == "calibrated"
    assert (reopened.digest, reopened.close_seq) == ("", None)
    assert not any(RmResult.objects.filter(period=q3).values_list("digest", flat=True))
    entry = ChainEntry.objects.get(kind="reopen")
    assert (entry.seq, entry.prev_digest) == (3, first_close)
    assert entry.reason == "RM2's complaint was withdrawn"
    assert entry.snapshot["results"]["RM2"]["total"] == "60.00"
    # The reopened close still verifies, against what the reopening kept.
    assert chain_verify() == []
    result_calibrate(
        actor=perf_bank.users["bm1"], key="2026Q3", staff_id="RM2", tier="good",
        total="80", reason="complaint withdrawn",
    )  # fmt: skip
    again = period_close(actor=perf_bank.users["hr1"], key="2026Q3")
    assert again.close_seq == 4
    assert again.prev_digest == entry.digest
    assert again.digest != first_close
    assert [(e.seq, e.kind, e.period.key) for e in ChainEntry.objects.order_by("seq")] == [
        (1, "close", "2026Q2"), (2, "close", "2026Q3"), (3, "reopen", "2026Q3"),
        (4, "close", "2026Q3"),
    ]  # fmt: skip
    # RM1 and RM3 did not move: their row digests are the same as at the first close.
    now = {r.staff_id: r.digest for r in RmResult.objects.filter(period=q3)}
    assert now["RM1"] == rows_before["RM1"] and now["RM3"] == rows_before["RM3"]
    assert now["RM2"] != rows_before["RM2"]
    assert PerfPeriod.objects.get(pk=q2.pk).digest == q2.digest  # nothing else edited
    assert chain_verify() == []
    assert audit_verify() == []
    verbs = list(
        AuditEvent.objects.filter(object_id="2026Q3", verb__contains="period.").values_list(
            "verb", flat=True
        )
    )
    assert verbs.count("performance.period.close") == 2
    assert verbs.count("performance.period.reopen") == 1


def test_verify_detects_an_edited_reopening(perf_bank: PerfBank) -> None:
    _close()
    period_reopen(actor=None, key="2026Q3", reason="recount")
    entry = ChainEntry.objects.get(kind="reopen")
    snap = entry.snapshot
    snap["results"]["RM3"]["total"] = "95.00"
    ChainEntry.objects.filter(pk=entry.pk).update(snapshot=snap)
    assert chain_verify() == [
        "period 2026Q3: its results do not match the close digest",
        "period 2026Q3: the reopening #2 was altered",
    ]
    snap["results"]["RM3"]["total"] = "21.00"
    ChainEntry.objects.filter(pk=entry.pk).update(snapshot=snap, reason="something else")
    assert chain_verify() == ["period 2026Q3: the reopening #2 was altered"]


def test_verify_detects_a_deleted_reopening(perf_bank: PerfBank) -> None:
    _close("2026Q2")
    _close("2026Q3")
    period_reopen(actor=None, key="2026Q2", reason="recount")
    period_close(actor=None, key="2026Q2")
    ChainEntry.objects.filter(kind="reopen").delete()
    problems = chain_verify()
    assert "period 2026Q2: a close is followed by no reopening" in problems
    assert "period 2026Q2 does not link to the close before it" in problems


def test_the_cli_reopens_with_a_reason(
    perf_bank: PerfBank, capsys: pytest.CaptureFixture[str]
) -> None:
    _close()
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["period-reopen", "2026Q3"])  # --reason is required
    capsys.readouterr()
    assert main(["period-reopen", "2026Q3", "--reason", "数据更正"]) == 0
    out = capsys.readouterr().out
    assert "period 2026Q3: reopened (#2), calibrated; digest " in out
    assert main(["period-reopen", "2026Q3", "--reason", "again"]) == 2
    assert "not closed" in capsys.readouterr().err
    assert main(["period-close", "2026Q3"]) == 0
    assert "closed (#3)" in capsys.readouterr().out
    assert main(["period-show", "2026Q3"]) == 0
    out = capsys.readouterr().out
    assert "#2 reopen" in out and "数据更正" in out
    assert main(["verify"]) == 0
    assert "ok: 1 closed period(s), 3 close/reopen entries" in capsys.readouterr().out


def _recalibrate_rm2(bank: PerfBank) -> None:
    """After the reopening: RM2 (60.00, competent when closed) calibrated to 80, good."""
    result_calibrate(
        actor=bank.users["bm1"], key="2026Q3", staff_id="RM2", tier="good", total="80",
        reason="complaint withdrawn",
    )  # fmt: skip


def test_the_period_page_shows_the_results_as_closed_beside_now(
    perf_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    _close()
    page = perf_client("hr1").get("/performance/2026Q3/").content.decode()
    assert 'id="reopen-form"' in page
    assert 'id="reopen-form"' not in perf_client("bm1").get("/performance/2026Q3/").content.decode()
    response = perf_client("hr1").post(
        "/performance/2026Q3/action/", {"action": "reopen", "reason": ""}, follow=True
    )
    assert "needs a reason" in response.content.decode()
    perf_client("hr1").post(
        "/performance/2026Q3/action/", {"action": "reopen", "reason": "late complaint"}
    )
    assert PerfPeriod.objects.get(key="2026Q3").status == "calibrated"
    _recalibrate_rm2(perf_bank)
    page = perf_client("bm1").get("/performance/2026Q3/").content.decode()
    assert "late complaint" in page
    assert "Results as closed, beside the results now" in page
    # BM1 sees the rows of BR1 only; RM2 was 60.00 competent at the close, 80.00 now.
    assert '<tr class="changed"><td>RM2</td><td class="num">60.00</td>' in page
    assert "<td>RM3</td>" not in page
    rm1_page = perf_client("rm1").get("/performance/2026Q3/").content.decode()
    assert "<td>RM1</td>" in rm1_page and "<td>RM2</td>" not in rm1_page


def test_the_scorecard_says_the_period_was_reopened_and_what_was_closed(
    perf_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    _close()
    page = perf_client("bm1").get("/performance/2026Q3/staff/RM2/").content.decode()
    assert 'id="reopened"' not in page  # closed once, never reopened
    period_reopen(actor=perf_bank.users["hr1"], key="2026Q3", reason="late complaint")
    _recalibrate_rm2(perf_bank)
    page = perf_client("bm1").get("/performance/2026Q3/staff/RM2/").content.decode()
    assert 'id="reopened"' in page
    assert "late complaint" in page
    # RM2 was 60.00 competent when closed and is 80.00 good now: marked as changed.
    assert "as closed: 60.00, Competent" in page
    assert "changed since" in page
    # RM1 was not recalibrated: the notice is there, without the mark.
    rm1 = perf_client("rm1").get("/performance/2026Q3/staff/RM1/").content.decode()
    assert 'id="reopened"' in rm1 and "late complaint" in rm1
    assert "changed since" not in rm1
    zh = (
        perf_client("bm1")
        .get("/performance/2026Q3/staff/RM2/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "本考核期关闭后已重新开启" in zh
