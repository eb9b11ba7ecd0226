"""Periods, runs, calibration, close and the digest chain on the hand-built lake
(expected figures worked out in conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent
from rmperf.performance.models import (
    Calibration,
    ChainEntry,
    LineResult,
    PerfPeriod,
    RmResult,
    ScoringRun,
)
from rmperf.performance.services.calibration import period_confirm_calibration, result_calibrate
from rmperf.performance.services.chain import chain_verify, period_close
from rmperf.performance.services.periods import PerformanceError, period_open
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db


def _totals(key: str = "2026Q3") -> dict[str, tuple[Decimal, str]]:
    return {r.staff_id: (r.total, r.tier) for r in RmResult.objects.filter(period__key=key)}


def test_a_run_persists_one_result_per_rm_and_one_row_per_line(perf_bank: PerfBank) -> None:
    run = period_run(actor=perf_bank.users["hr1"], key="2026q3")
    assert run.period.key == "2026Q3"
    assert run.period.status == "computed"
    assert _totals() == {
        "RM1": (Decimal("100.00"), "outstanding"),
        "RM2": (Decimal("60.00"), "competent"),
        "RM3": (Decimal("21.00"), "not_competent"),
    }
    rm3 = RmResult.objects.get(period__key="2026Q3", staff_id="RM3")
    assert (rm3.base, rm3.bonus) == (Decimal("20.00"), Decimal("1.00"))
    (item,) = rm3.adjustments.all()
    assert (item.item, item.kind, item.value, item.points) == (
        "certifications", "bonus", Decimal("1.000000"), Decimal("1.00"),
    )  # fmt: skip
    rm2 = RmResult.objects.get(period__key="2026Q3", staff_id="RM2")
    lines = {ln.indicator: ln for ln in rm2.lines.all()}
    growth = lines["deposit_avg_growth"]
    # 250,000 − 100,000 = 150,000 of a 300,000 target: completion 0.5, 80 × 0.5 = 40.00
    assert (growth.value, growth.target, growth.completion, growth.points) == (
        Decimal("150000.000000"),
        Decimal("300000.000000"),
        Decimal("0.5000"),
        Decimal("40.00"),
    )
    assert growth.method == "ratio"
    assert lines["complaints"].points == Decimal("20.00")
    assert run.lake_import is not None
    assert run.policy_versions.keys() == {"test_retail"}
    assert len(run.inputs_digest) == 64
    assert rm2.policy_version == run.policy_versions["test_retail"]
    event = AuditEvent.objects.filter(verb="performance.period.run").get()
    assert event.after["results"] == 3
    assert event.after["inputs_digest"] == run.inputs_digest


def test_a_rerun_is_idempotent(perf_bank: PerfBank) -> None:
    first = period_run(actor=None, key="2026Q3")
    before = {r.staff_id: r.pk for r in RmResult.objects.all()}
    totals = _totals()
    second = period_run(actor=None, key="2026Q3")
    assert second.inputs_digest == first.inputs_digest
    assert {r.staff_id: r.pk for r in RmResult.objects.all()} == before
    assert _totals() == totals
    assert LineResult.objects.count() == 3 * 2
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "succeeded")
    assert ScoringRun.objects.count() == 2


def test_approved_targets_drive_the_run(perf_bank: PerfBank) -> None:
    from rmperf.performance.services.targets import (
        TargetInput,
        target_sheet_approve,
        target_sheet_propose,
    )

    target_sheet_propose(
        actor=perf_bank.users["rm2"],
        staff_id="RM2",
        year=2026,
        lines=[TargetInput("deposit_avg_growth", Decimal("600000"))],
    )
    period_run(actor=None, key="2026Q3")
    # Only proposed: the card's default (300,000 a quarter) still applies.
    assert _totals()["RM2"] == (Decimal("60.00"), "competent")
    target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM2", year=2026)
    period_run(actor=None, key="2026Q3")
    # 600,000 ÷ 4 = 150,000 for Q3; 150,000 ÷ 150,000 = 1 → 80 + 20
    assert _totals()["RM2"] == (Decimal("100.00"), "outstanding")
    line = LineResult.objects.get(result__staff_id="RM2", indicator="deposit_avg_growth")
    assert line.target == Decimal("150000.000000")
    assert line.target_source.startswith("approved target sheets 2026")


def test_only_hr_superusers_and_the_system_run_periods(perf_bank: PerfBank) -> None:
    for who in ("rm1", "tl1", "bm1"):
        with pytest.raises(Http404):
            period_run(actor=perf_bank.users[who], key="2026Q3")
        with pytest.raises(Http404):
            period_open(actor=perf_bank.users[who], key="2026Q3")
    assert not PerfPeriod.objects.exists()
    period_open(actor=perf_bank.users["root"], key="2026Q3")
    assert PerfPeriod.objects.get().status == "open"


def test_bad_period_keys_are_refused(perf_bank: PerfBank) -> None:
    with pytest.raises(PerformanceError, match="not a period"):
        period_open(actor=None, key="2026Q5")


def test_lifecycle_and_no_run_after_close(perf_bank: PerfBank) -> None:
    with pytest.raises(PerformanceError, match="not open"):
        period_close(actor=None, key="2026Q3")
    period_open(actor=None, key="2026Q3")
    with pytest.raises(PerformanceError, match="computed"):
        period_confirm_calibration(actor=None, key="2026Q3")
    period_run(actor=None, key="2026Q3")
    with pytest.raises(PerformanceError, match="calibrated"):
        period_close(actor=None, key="2026Q3")  # a person must confirm the ratings first
    period_confirm_calibration(actor=None, key="2026Q3")
    period = period_close(actor=None, key="2026Q3")
    assert period.status == "closed"
    assert period.close_seq == 1
    assert period.prev_digest == "0" * 64
    assert len(period.digest) == 64
    totals = _totals()
    for attempt in (
        lambda: period_run(actor=None, key="2026Q3"),
        lambda: period_close(actor=None, key="2026Q3"),
        lambda: period_confirm_calibration(actor=None, key="2026Q3"),
        lambda: result_calibrate(
            actor=perf_bank.users["bm1"], key="2026Q3", staff_id="RM1", tier="good", reason="x"
        ),
    ):
        with pytest.raises(PerformanceError, match="closed"):
            attempt()
    assert _totals() == totals
    assert chain_verify() == []
    assert audit_verify() == []


def test_calibration_needs_a_reason_and_the_rms_branch_manager(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    bm1, bm2 = perf_bank.users["bm1"], perf_bank.users["bm2"]
    with pytest.raises(PerformanceError, match="reason"):
        result_calibrate(actor=bm1, key="2026Q3", staff_id="RM2", tier="good", reason="  ")
    with pytest.raises(PerformanceError, match="tier"):
        result_calibrate(actor=bm1, key="2026Q3", staff_id="RM2", tier="great", reason="r")
    with pytest.raises(PerformanceError, match="between 0"):
        result_calibrate(
            actor=bm1, key="2026Q3", staff_id="RM2", tier="good", reason="r", total="-1"
        )
    # RM3 works in BR2: out of BM1's scope, answered like a missing result.
    with pytest.raises(Http404):
        result_calibrate(actor=bm1, key="2026Q3", staff_id="RM3", tier="good", reason="r")
    for who in ("rm1", "tl1", "hr1"):
        with pytest.raises(Http404):
            result_calibrate(
                actor=perf_bank.users[who], key="2026Q3", staff_id="RM2", tier="good", reason="r"
            )
    with pytest.raises(Http404):
        result_calibrate(actor=bm2, key="2026Q3", staff_id="RM2", tier="good", reason="r")
    assert not Calibration.objects.exists()

    result = result_calibrate(
        actor=bm1,
        key="2026Q3",
        staff_id="RM2",
        tier="good",
        total="76.50",
        reason="Took over a difficult book mid-quarter",
    )
    # The engine's figures stay beside the calibrated ones.
    assert (result.total, result.tier) == (Decimal("60.00"), "competent")
    assert (result.final_total, result.final_tier) == (Decimal("76.50"), "good")
    assert PerfPeriod.objects.get().status == "calibrated"
    cal = Calibration.objects.get()
    assert (cal.before_total, cal.before_tier, cal.after_total, cal.after_tier) == (
        Decimal("60.00"),
        "competent",
        Decimal("76.50"),
        "good",
    )
    event = AuditEvent.objects.get(verb="performance.result.calibrate")
    assert event.before == {"total": "60.00", "tier": "competent"}
    assert event.after["reason"] == "Took over a difficult book mid-quarter"
    assert event.actor_label == "bm1"


def test_a_rerun_clears_calibrations_but_keeps_their_history(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    result_calibrate(
        actor=perf_bank.users["bm1"], key="2026Q3", staff_id="RM2", tier="good", reason="r"
    )
    period_run(actor=None, key="2026Q3")
    rm2 = RmResult.objects.get(staff_id="RM2")
    assert not rm2.is_calibrated
    assert PerfPeriod.objects.get().status == "computed"
    assert Calibration.objects.count() == 1
    assert (
        AuditEvent.objects.filter(verb="performance.period.run")
        .order_by("seq")
        .last()
        .after["calibrations_cleared"]
        == 1
    )


def _close(key: str) -> PerfPeriod:
    period_run(actor=None, key=key)
    period_confirm_calibration(actor=None, key=key)
    return period_close(actor=None, key=key)


def test_closes_are_chained(perf_bank: PerfBank) -> None:
    q2 = _close("2026Q2")
    q3 = _close("2026Q3")
    assert (q2.close_seq, q3.close_seq) == (1, 2)
    assert q3.prev_digest == q2.digest
    assert all(r.digest for r in RmResult.objects.all())
    assert chain_verify() == []


def test_verify_detects_a_modified_closed_result(perf_bank: PerfBank) -> None:
    _close("2026Q3")
    # Someone edits the database directly (no service, no audit).
    RmResult.objects.filter(staff_id="RM3").update(total=Decimal("95.00"), tier="outstanding")
    problems = chain_verify()
    assert "period 2026Q3: the result of RM3 changed after the close" in problems
    assert "period 2026Q3: its results do not match the close digest" in problems


def test_verify_detects_a_modified_line_and_a_rewritten_digest(perf_bank: PerfBank) -> None:
    from rmperf.performance.services.chain import _row_digests, chain_digest

    q3 = _close("2026Q3")
    line = LineResult.objects.get(result__staff_id="RM3", indicator="deposit_avg_growth")
    LineResult.objects.filter(pk=line.pk).update(points=Decimal("80.00"))
    assert chain_verify() == [
        "period 2026Q3: the result of RM3 changed after the close",
        "period 2026Q3: its results do not match the close digest",
    ]
    # A careful forger rewrites the row digests and the period digest too: the close
    # digest in the (hash-chained) audit log still gives them away.
    digests = _row_digests(q3)
    for staff_id, d in digests.items():
        RmResult.objects.filter(staff_id=staff_id).update(digest=d)
    forged = chain_digest(q3.prev_digest, "2026Q3", digests)
    PerfPeriod.objects.filter(pk=q3.pk).update(digest=forged)
    ChainEntry.objects.filter(period=q3, kind="close").update(digest=forged)
    assert chain_verify() == [
        "period 2026Q3: the close digest differs from the one in the audit log"
    ]


def test_verify_detects_a_deleted_result(perf_bank: PerfBank) -> None:
    _close("2026Q3")
    LineResult.objects.filter(result__staff_id="RM1").delete()
    RmResult.objects.filter(staff_id="RM1").delete()
    assert chain_verify() == ["period 2026Q3: its results do not match the close digest"]


def test_verify_detects_a_modified_bonus_item(perf_bank: PerfBank) -> None:
    from rmperf.performance.models import AdjustmentResult

    _close("2026Q3")
    AdjustmentResult.objects.filter(result__staff_id="RM3").update(points=Decimal("2.00"))
    assert "period 2026Q3: the result of RM3 changed after the close" in chain_verify()


def test_a_year_goes_through_the_same_lifecycle_with_the_annual_target(
    perf_bank: PerfBank,
) -> None:
    # The year 2026 uses the card's per-person annual target whole (1,200,000), where a
    # quarter uses a quarter of it (300,000); the quarters' own results stay as they are.
    period_run(actor=None, key="2026Q3")
    q3 = _totals()
    run = period_run(actor=None, key="2026")
    assert (run.period.key, run.period.kind, run.period.status) == ("2026", "year", "computed")
    targets = {
        ln.result.staff_id: ln.target
        for ln in LineResult.objects.filter(
            result__period__key="2026", indicator="deposit_avg_growth"
        )
    }
    assert targets == {s: Decimal("1200000.000000") for s in ("RM1", "RM2", "RM3")}
    period_confirm_calibration(actor=None, key="2026")
    assert period_close(actor=None, key="2026").status == "closed"
    assert _totals("2026Q3") == q3
    assert chain_verify() == []
