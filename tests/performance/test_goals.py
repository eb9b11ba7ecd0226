"""Goals, 一人一表 co-set: propose → the RM accepts or comments → approve; versions kept;
a mid-year change needs a reason and a second approver; per-person weights reach the run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import Http404

from rmperf.core.models import AuditEvent
from rmperf.org.models import Staff
from rmperf.performance.models import LineResult, RmResult, TargetSheet, TargetSheetVersion
from rmperf.performance.services import targets as targets_service
from rmperf.performance.services.goals import target_sheet_respond
from rmperf.performance.services.periods import PerformanceError
from rmperf.performance.services.runs import period_run
from rmperf.performance.services.targets import (
    TargetInput,
    approved_targets,
    target_sheet_approve,
    target_sheet_propose,
)
from tests.performance.conftest import CARD, PerfBank

pytestmark = pytest.mark.django_db
GROWTH = "deposit_avg_growth"
# The test card with ranges: deposits 80 in [60, 90], complaints 20 in [10, 40].
RANGED_CARD = CARD.replace(
    "    weight: 80\n", "    weight: 80\n    weight_range: [60, 90]\n"
).replace(
    "{indicator: complaints, weight: 20,",
    "{indicator: complaints, weight: 20, weight_range: [10, 40],",
)


def _today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(targets_service, "_today", lambda: day)


def _propose(bank: PerfBank, who: str, year: int = 2026, **kw: object) -> TargetSheet:
    lines = kw.pop("lines", [TargetInput(GROWTH, Decimal("1200000"))])
    return target_sheet_propose(
        actor=bank.users[who],
        staff_id=str(kw.pop("staff_id", "RM1")),
        year=year,
        lines=lines,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _history(staff_id: str = "RM1") -> list[tuple[int, str, str, str]]:
    return [
        (v.version, v.event, v.by.username if v.by else "", v.status)
        for v in TargetSheetVersion.objects.filter(sheet__staff_id=staff_id).order_by("pk")
    ]


def test_propose_comment_accept_approve_with_every_version_kept(
    perf_bank: PerfBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, dt.date(2025, 12, 1))  # before the year: no mid-year rule
    users = perf_bank.users
    _propose(perf_bank, "tl1", note="first draft")
    with pytest.raises(PerformanceError, match="not yet accepted or commented"):
        target_sheet_approve(actor=users["bm1"], staff_id="RM1", year=2026)
    with pytest.raises(PerformanceError, match="needs some text"):
        target_sheet_respond(actor=users["rm1"], staff_id="RM1", year=2026, accept=False)
    for who in ("rm2", "tl1", "bm1"):  # only the RM answers
        with pytest.raises(Http404):
            target_sheet_respond(actor=users[who], staff_id="RM1", year=2026, accept=True)
    sheet = target_sheet_respond(
        actor=users["rm1"], staff_id="RM1", year=2026, accept=False, comment="too high for Q1"
    )
    assert (sheet.rm_response, sheet.rm_comment) == ("commented", "too high for Q1")
    # The leader proposes again: the RM's answer is asked for again.
    sheet = _propose(perf_bank, "tl1", lines=[TargetInput(GROWTH, Decimal("1000000"))])
    assert (sheet.version, sheet.rm_response) == (2, "")
    target_sheet_respond(actor=users["rm1"], staff_id="RM1", year=2026, accept=True)
    assert target_sheet_approve(actor=users["bm1"], staff_id="RM1", year=2026).status == (
        "approved"
    )
    with pytest.raises(PerformanceError, match="Only a proposed sheet"):
        target_sheet_respond(actor=users["rm1"], staff_id="RM1", year=2026, accept=True)
    assert _history() == [
        (1, "proposed", "tl1", "proposed"),
        (1, "commented", "rm1", "proposed"),
        (2, "proposed", "tl1", "proposed"),
        (2, "accepted", "rm1", "proposed"),
        (2, "approved", "bm1", "approved"),
    ]
    first = TargetSheetVersion.objects.filter(sheet__staff_id="RM1").order_by("pk").first()
    assert first is not None
    assert first.comment == "first draft"
    assert first.lines == [[GROWTH, "1200000.00", *["300000.00"] * 4, ""]]
    verbs = list(
        AuditEvent.objects.filter(object_id="RM1/2026")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "performance.targets.propose",
        "performance.targets.comment",
        "performance.targets.propose",
        "performance.targets.accept",
        "performance.targets.approve",
    ]


def test_an_rms_own_proposal_is_their_acceptance(perf_bank: PerfBank) -> None:
    sheet = _propose(perf_bank, "rm1", year=2999)
    assert sheet.rm_response == "accepted"
    with pytest.raises(PerformanceError, match="proposed this sheet yourself"):
        target_sheet_respond(actor=perf_bank.users["rm1"], staff_id="RM1", year=2999, accept=True)
    assert target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM1", year=2999).status == (
        "approved"
    )


def test_a_mid_year_change_needs_a_reason_and_a_second_manager(
    perf_bank: PerfBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = perf_bank.users
    _today(monkeypatch, dt.date(2025, 12, 15))
    _propose(perf_bank, "rm2", staff_id="RM2", lines=[TargetInput(GROWTH, Decimal("600000"))])
    target_sheet_approve(actor=users["bm1"], staff_id="RM2", year=2026)
    _today(monkeypatch, dt.date(2026, 7, 1))  # the year has begun
    change = [TargetInput(GROWTH, Decimal("1200000"))]
    with pytest.raises(PerformanceError, match="mid-year change needs a reason"):
        _propose(perf_bank, "tl1", staff_id="RM2", lines=change)
    sheet = _propose(perf_bank, "tl1", staff_id="RM2", lines=change, reason="new customers moved")
    assert (sheet.mid_year, sheet.change_reason) == (True, "new customers moved")
    target_sheet_respond(actor=users["rm2"], staff_id="RM2", year=2026, accept=True)
    # Until the change is approved twice, runs read the lines approved before.
    sheet_in_force, _digest = approved_targets(year=2026)
    assert sheet_in_force.get("RM2", GROWTH, 2026).annual == Decimal("600000.00")  # type: ignore[union-attr]
    sheet = target_sheet_approve(actor=users["bm1"], staff_id="RM2", year=2026)
    assert (sheet.status, sheet.checked_by) == ("checked", users["bm1"])
    with pytest.raises(PerformanceError, match="another manager than the first"):
        target_sheet_approve(actor=users["bm1"], staff_id="RM2", year=2026)
    assert approved_targets(year=2026)[0].get("RM2", GROWTH, 2026).annual == Decimal(  # type: ignore[union-attr]
        "600000.00"
    )
    sheet = target_sheet_approve(actor=users["hr1"], staff_id="RM2", year=2026)
    assert (sheet.status, sheet.approved_by) == ("approved", users["hr1"])
    assert approved_targets(year=2026)[0].get("RM2", GROWTH, 2026).annual == Decimal(  # type: ignore[union-attr]
        "1200000.00"
    )
    assert [e for _v, e, _b, _s in _history("RM2")] == [
        "proposed",
        "approved",
        "proposed",
        "accepted",
        "checked",
        "approved",
    ]
    assert AuditEvent.objects.filter(verb="performance.targets.first_approve").count() == 1


def test_access_to_the_workflow(perf_bank: PerfBank) -> None:
    for who in ("rm2", "bm2", "te1", "ro1"):
        with pytest.raises(Http404):
            _propose(perf_bank, who, year=2999)
    _propose(perf_bank, "tl1", year=2999)
    target_sheet_respond(actor=perf_bank.users["rm1"], staff_id="RM1", year=2999, accept=True)
    for who in ("rm1", "tl1", "bm2", "ro1"):  # leaders propose, managers and HR approve
        with pytest.raises(Http404):
            target_sheet_approve(actor=perf_bank.users[who], staff_id="RM1", year=2999)
    assert target_sheet_approve(actor=perf_bank.users["hr1"], staff_id="RM1", year=2999).status == (
        "approved"
    )


def test_a_per_person_weight_changes_the_run_total_as_computed_by_hand(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    swap_cards(RANGED_CARD)
    Staff.objects.filter(staff_id="RM2").update(business_line="retail")
    _today(monkeypatch, dt.date(2025, 12, 1))
    # RM2: growth 150,000 of the default Q3 target 300,000 → 0.5; no complaint → share 1.
    period_run(actor=None, key="2026Q3")
    assert RmResult.objects.get(staff_id="RM2").total == Decimal("60.00")  # 80×0.5 + 20
    # Bad weights are refused whole, with the card's words.
    for lines, message in (
        ([TargetInput(GROWTH, Decimal("1200000"), weight=Decimal("95"))], "outside card"),
        ([TargetInput(GROWTH, Decimal("1200000"), weight=Decimal("70"))], "sum to 90, not 100"),
        ([TargetInput("new_loans", Decimal("1"), weight=Decimal("5"))], "no line reading"),
    ):
        with pytest.raises(PerformanceError, match=message):
            _propose(perf_bank, "rm2", staff_id="RM2", lines=lines)
    assert not TargetSheet.objects.filter(staff_id="RM2").exists()
    _propose(
        perf_bank,
        "rm2",
        staff_id="RM2",
        lines=[
            TargetInput(GROWTH, Decimal("1200000"), weight=Decimal("70")),
            TargetInput("complaints", Decimal("0"), weight=Decimal("30")),
        ],
    )
    target_sheet_approve(actor=perf_bank.users["bm1"], staff_id="RM2", year=2026)
    period_run(actor=None, key="2026Q3")
    # 70 × 0.5 = 35.00; complaints 30 × 1 = 30.00 → 65.00
    assert RmResult.objects.get(staff_id="RM2").total == Decimal("65.00")
    line = LineResult.objects.get(result__staff_id="RM2", indicator=GROWTH)
    assert (line.weight, line.points) == (Decimal("70.0000"), Decimal("35.00"))


def test_weights_need_a_known_card(perf_bank: PerfBank) -> None:
    with pytest.raises(PerformanceError, match="scorecard of RM1 is not known"):
        _propose(
            perf_bank,
            "rm1",
            lines=[TargetInput(GROWTH, Decimal("1"), weight=Decimal("80"))],
        )


def test_the_demo_story_proposes_the_cards_default_targets(perf_bank: PerfBank) -> None:
    from django.utils import timezone

    from rmperf.performance.demo import demo_goals_story

    Staff.objects.filter(staff_id="RM1").update(business_line="retail")
    sheet = demo_goals_story(leader=perf_bank.users["tl1"], rm_staff_id="RM1")
    assert sheet is not None
    assert (sheet.year, sheet.status, sheet.rm_response) == (
        timezone.localdate().year,
        "proposed",
        "",
    )
    # The test card's one per-person line: deposit growth, default 1,200,000.
    assert [(ln.indicator, ln.annual) for ln in sheet.lines.all()] == [
        (GROWTH, Decimal("1200000.00"))
    ]
    assert demo_goals_story(leader=perf_bank.users["tl1"], rm_staff_id="RM1") is None  # once
