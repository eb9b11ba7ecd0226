"""Dynamic thresholds in the app (issue #15): a run of the threshold model kept as a
proposal, turned by HR into a scorecard draft that applies only once another person
approves it; branch managers see their branches' rows; RMs and team leaders get 404.

The engine is tested on hand-computed lakes (tests/engine_analysis/test_thresholds.py);
here its result is given by hand so the app's arithmetic is visible:
- corporate_rm raroc, level target 0.15 in the shipped set in force;
- Branch A proposes 0.120000 (0.110000–0.130000, MAE 0.004000, MAPE 0.030000, 8 obs),
  Branch B 0.130000 (no interval, 7 obs);
- the draft's level is the median of the two: (0.12 + 0.13) ÷ 2 = 0.125 → "0.1250".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client

from rmperf.analysis import thresholds_services
from rmperf.analysis.thresholds_models import ThresholdDecision, ThresholdProposal
from rmperf.core.audit import AuditEvent
from rmperf.core.runs import RunStatus
from rmperf.engine.analysis.thresholds import (
    EconomicSeriesError,
    Fit,
    Proposal,
    ThresholdLine,
    ThresholdRun,
)
from rmperf.engine.lake import Lake
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_cards, policy_in_force
from rmperf.policies.services import policy_version_approve
from tests.factories import Bank, make_user

D = Decimal
RUN_DAY = dt.date(2026, 10, 9)
LINE = ThresholdLine("corporate_rm", "raroc", D("0.15"))
RUN = ThresholdRun(
    period="2026Q4",
    series=("pmi", "gdp_growth"),
    history=("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"),
    series_months=("2024-07", "2026-09"),
    digest="d" * 64,
    proposals=[
        Proposal(
            "BA",
            "Branch A",
            LINE,
            Fit(D("0.120000"), D("0.110000"), D("0.130000"), D("0.004000"), D("0.030000"), 8),
        ),
        Proposal("BB", "Branch B", LINE, Fit(D("0.130000"), None, None, D("0.002"), None, 7)),
    ],
)


def _raroc(cards: Any) -> Decimal:
    [line] = [ln for ln in cards["corporate_rm"].policy.lines if ln.indicator == "raroc"]
    return Decimal(line.target.value)


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """The engine's result given by hand; the run executes when the request commits."""
    calls: list[Any] = []

    def propose(lake: Lake, **kw: Any) -> ThresholdRun:
        calls.append(kw)
        return RUN

    monkeypatch.setattr(thresholds_services, "propose_thresholds", propose)
    monkeypatch.setattr(
        thresholds_services, "current_pay_lake", lambda: Lake(tmp_path, today=RUN_DAY)
    )
    monkeypatch.setattr(
        thresholds_services,
        "launch",
        lambda run_id: thresholds_services.thresholds_execute(run_id=run_id),
    )
    return calls


def _run(client: Client, capture: Callable[..., Any]) -> ThresholdProposal:
    with capture(execute=True):
        response = client.post("/analysis/thresholds/run/", {"period": "2026Q4"})
    assert response.status_code == 302
    return ThresholdProposal.objects.get()


def test_draft_applies_only_after_another_person_approves(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    hr = client_as("hannah")
    run = _run(hr, django_capture_on_commit_callbacks)
    assert (run.status, run.decision, run.period_key) == (
        RunStatus.SUCCEEDED,
        ThresholdDecision.PROPOSED,
        "2026Q4",
    )
    assert (run.model_name, run.model_version) == ("ols_trend_lagged_series", "1")
    assert run.inputs_digest == "d" * 64 and run.series_months == ["2024-07", "2026-09"]
    assert run.row_count == 2
    assert run.result["levels"] == [
        {
            "scorecard": "corporate_rm",
            "indicator": "raroc",
            "current": "0.15",
            "proposed": "0.1250",
            "drafted": True,
        }
    ]
    [a, b] = run.result["rows"]
    assert (a["unit_id"], a["proposed"], a["low"], a["high"], a["mae"], a["mape"], a["n"]) == (
        "BA", "0.120000", "0.110000", "0.130000", "0.004000", "0.030000", 8
    )  # fmt: skip
    assert (b["unit_id"], b["low"], b["mape"]) == ("BB", None, None)
    in_force, cards = policy_in_force(PolicyKind.SCORECARDS)
    assert model[0]["cards"] is cards  # the model read the set in force

    page = hr.get(f"/analysis/thresholds/{run.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    # RAROC is a ratio: the page (in Chinese here) says it in percent. Level 0.1250 → 12.50%, current 0.15
    # → 15.00%; Branch A's MAE 0.004000 → 0.40%, MAPE 0.030000 → 3.00%.
    assert "风险调整资本回报率" in html and "Branch B" in html  # RAROC, in Chinese
    for figure in ("12.50%", "15.00%", "0.40%", "3.00%"):
        assert figure in html, figure

    assert hr.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 302
    run.refresh_from_db()
    draft = run.draft
    assert run.decision == ThresholdDecision.DRAFTED and draft is not None
    assert draft.status == PolicyStatus.DRAFT and draft.kind == PolicyKind.SCORECARDS
    assert _raroc(policy_cards(draft)) == D("0.1250")
    # Not applied: the set in force keeps 0.15.
    assert policy_in_force(PolicyKind.SCORECARDS)[0].pk == in_force.pk
    assert _raroc(policy_in_force(PolicyKind.SCORECARDS)[1]) == D("0.15")
    # The maker cannot approve it; a second person can.
    with pytest.raises(ValidationError):
        policy_version_approve(actor=bank.user("hannah"), version_id=draft.pk)
    checker = make_user(username="checker", is_superuser=True)
    policy_version_approve(actor=checker, version_id=draft.pk)
    assert hr.get("/analysis/thresholds/").status_code == 200
    run.refresh_from_db()
    assert run.decision == ThresholdDecision.APPROVED and run.decided_by_id == checker.pk
    # Approved, still not in force until activated.
    assert _raroc(policy_in_force(PolicyKind.SCORECARDS)[1]) == D("0.15")
    verbs = list(
        AuditEvent.objects.filter(object_type="analysis.thresholdproposal")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "thresholds.started",
        "thresholds.succeeded",
        "thresholds.drafted",
        "thresholds.approved",
    ]
    # A decided proposal is not drafted twice.
    assert hr.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 400
    assert PolicyVersion.objects.filter(kind=PolicyKind.SCORECARDS).count() == 2


def test_reject_keeps_the_proposal(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    hr = client_as("hannah")
    run = _run(hr, django_capture_on_commit_callbacks)
    assert hr.post(f"/analysis/thresholds/{run.pk}/reject/").status_code == 302
    run.refresh_from_db()
    assert run.decision == ThresholdDecision.REJECTED and run.draft is None
    assert run.decided_by_id == bank.user("hannah").pk
    assert hr.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 400
    assert AuditEvent.objects.filter(verb="thresholds.rejected", object_id=str(run.pk)).exists()


def test_a_missing_series_fails_the_run_and_says_which(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def missing(lake: Lake, **kw: Any) -> ThresholdRun:
        raise EconomicSeriesError("gdp_growth", "BA", "2026-07")

    monkeypatch.setattr(thresholds_services, "propose_thresholds", missing)
    hr = client_as("hannah")
    run = _run(hr, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "'gdp_growth'" in run.problem and "BA" in run.problem and "2026-07" in run.problem
    assert run.result == {}
    assert "gdp_growth" in hr.get(f"/analysis/thresholds/{run.pk}/").content.decode()
    assert hr.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 400


def test_branch_manager_sees_their_branch_and_cannot_draft(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    run = _run(client_as("hannah"), django_capture_on_commit_callbacks)
    mike = client_as("mike")  # branch manager of Branch A
    page = mike.get(f"/analysis/thresholds/{run.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Branch A" in html and "Branch B" not in html
    assert f"/analysis/thresholds/{run.pk}/draft/" not in html
    assert mike.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 404
    assert mike.post(f"/analysis/thresholds/{run.pk}/reject/").status_code == 404
    run.refresh_from_db()
    assert run.decision == ThresholdDecision.PROPOSED


@pytest.mark.parametrize("persona", ["alice", "tina", "audrey", "nostaff"])
def test_others_get_404(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
    persona: str,
) -> None:
    run = _run(client_as("hannah"), django_capture_on_commit_callbacks)
    who = client_as(persona)  # alice is an RM, tina a team leader, audrey an auditor
    assert who.get("/analysis/thresholds/").status_code == 404
    assert who.get(f"/analysis/thresholds/{run.pk}/").status_code == 404
    assert who.post("/analysis/thresholds/run/", {"period": "2026Q4"}).status_code == 404
    assert who.post(f"/analysis/thresholds/{run.pk}/draft/").status_code == 404
    assert ThresholdProposal.objects.count() == 1


def test_the_demo_step_leaves_an_approved_proposal(bank: Bank, model: list[Any]) -> None:
    from rmperf.analysis.thresholds_demo import demo_thresholds

    make_user(username="checker", is_superuser=True)
    [line] = demo_thresholds(hr_username="hannah", checker_username="checker", period_key="2026Q4")
    run = ThresholdProposal.objects.get()
    assert run.decision == ThresholdDecision.APPROVED and run.draft is not None
    assert run.draft.status == PolicyStatus.APPROVED and run.draft.approved_by is not None
    assert run.draft.created_by == bank.user("hannah")
    assert "2 branch × line proposals, 1 level(s)" in line
    assert _raroc(policy_in_force(PolicyKind.SCORECARDS)[1]) == D("0.15")  # not activated


def test_a_negative_level_keeps_the_current_target() -> None:
    from rmperf.analysis.thresholds_services import draft_text

    base = (
        "name: c\nlines:\n"
        "  - {indicator: raroc, method: ratio, target: {basis: level, value: '0.15'}}\n"
        "  - {indicator: green_credit_share, method: ratio, target: {basis: level, value: '0.10'}}\n"
    )
    levels = [
        {"scorecard": "c", "indicator": "raroc", "proposed": "0.1250", "drafted": True},
        {"scorecard": "c", "indicator": "green_credit_share", "proposed": "-0.0200",
         "drafted": False},
    ]  # fmt: skip
    [doc] = yaml.safe_load_all(draft_text(base, levels))
    assert [ln["target"]["value"] for ln in doc["lines"]] == ["0.1250", "0.10"]


def test_a_clipped_share_says_why_in_both_languages(
    bank: Bank,
    client_as: Callable[[str], Client],
    model: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Branch A's HNW retention: the model gave 1.074 (107.40%), clipped to 1 (100.00%)
    # by the engine, which writes the note in English.
    line = ThresholdLine("retail_rm", "hnw_retention", D("0.95"))
    note = "clipped to 1.000000 (model 1.074000, a share lies in 0..1)"
    clipped = ThresholdRun(
        period="2026Q4",
        series=("pmi",),
        history=RUN.history,
        series_months=RUN.series_months,
        digest="e" * 64,
        proposals=[
            Proposal(
                "BA", "Branch A", line, Fit(D("1.000000"), None, None, None, None, 8, note=note)
            )
        ],
    )
    monkeypatch.setattr(thresholds_services, "propose_thresholds", lambda lake, **kw: clipped)
    hr = client_as("hannah")
    run = _run(hr, django_capture_on_commit_callbacks)
    assert run.result["rows"][0]["note"] == note
    en = hr.get(f"/analysis/thresholds/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "the model gave 107.40%, but a share lies between 0.00% and 100.00%: the proposal is "
        "clipped to 100.00%"
    ) in en
    zh = hr.get(f"/analysis/thresholds/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "模型给出 107.40%，但占比只能在 0.00% 到 100.00% 之间：建议值截断为 100.00%" in zh
    assert "clipped" not in zh


def test_the_page_says_every_time_in_one_format_per_language(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    from tests.analysis.threshold_helpers import threshold_of_hr

    run = threshold_of_hr(bank)
    # 12:42 UTC is 20:42 in Shanghai (the app's time zone); decided a day later.
    started = dt.datetime(2026, 10, 9, 12, 42, tzinfo=dt.UTC)
    ThresholdProposal.objects.filter(pk=run.pk).update(
        started_at=started,
        decided_at=started + dt.timedelta(days=1),
        decided_by=bank.user("hannah"),
        decision=ThresholdDecision.REJECTED,
    )
    hr = client_as("hannah")
    url = f"/analysis/thresholds/{run.pk}/"
    en = hr.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Started: in the facts and in the list of runs; decided: in the facts.
    assert en.count("10/09/2026 8:42 p.m.") == 2
    assert en.count("10/10/2026 8:42 p.m.") == 1
    assert "Oct. 9, 2026" not in en and "Oct. 10, 2026" not in en
    zh = hr.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert zh.count("2026年10月9日 20:42") == 2
    assert zh.count("2026年10月10日 20:42") == 1
