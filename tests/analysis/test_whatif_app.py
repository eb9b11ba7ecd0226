"""What-if before adoption on the approval page (issue #15): a draft scorecard set compared
with the set in force for 2026Q3, run out of the request, on the pay app's small bank
(tests/pay/conftest.py).

The set in force is the test card (tests/performance/conftest.py): deposit growth weight
80, complaints 20. The draft moves ten points: deposit growth 90, complaints 10. Deposit
completions (Q3 target 300,000): RM1 1, RM2 0.5, RM3 0; nobody has a complaint; RM3 has a
certification bonus of 1.00.

- RM1: in force 80.00 + 20.00 = 100.00; draft 90.00 + 10.00 = 100.00: outstanding both.
- RM2: in force 0.5 × 80 = 40.00 + 20.00 = 60.00 (competent, 60–75); draft 0.5 × 90 =
  45.00 + 10.00 = 55.00 (not competent, under 60): the tier changes.
- RM3: in force 0 + 20.00 + 1.00 = 21.00; draft 0 + 10.00 + 1.00 = 11.00: not competent.

Pay of 2026Q3 (the only quarter with loans, so no earlier ratings are needed):
- RM1 (junior, outstanding, c 1.20): L1 8,000,000.00 at 15‱ = 12,000.00 and L2
  5,000,000.00 = 2,000,000.00 × 15‱ + 3,000,000.00 × 18‱ = 3,000.00 + 5,400.00 =
  8,400.00; × 1.20 → 14,400.00 + 10,080.00 = 24,480.00; deferred 30 % = 7,344.00;
  paid 3 × 2,300.00 + 17,136.00 = 24,036.00 on both sides.
- RM2 (senior, left 2026-09-30; NPL 100,000 ÷ 2,100,000 = 4.76 % > 2 %, so the immediate
  part is held): L4 100,000.00 and L3 2,000,000.00 at 15‱ = 150.00 + 3,000.00. In force
  (c 0.80): 120.00 + 2,400.00; L4 turned substandard in its own quarter and costs its
  120.00 as a clawback (the quarter's own thirds are not yet available): paid 3 ×
  3,500.00 − 120.00 = 10,380.00. Draft (c 0.50): 75.00 + 1,500.00; clawback −75.00: paid
  10,425.00. Performance pay 2,520.00 → 1,575.00 (−945.00); total paid +45.00.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rmperf.analysis import whatif_services
from rmperf.analysis.whatif_models import WhatIfHistory, WhatIfRun
from rmperf.core.audit import AuditEvent
from rmperf.core.runs import RunStatus
from rmperf.pay.models import PayRun
from rmperf.performance.models import RmResult, ScoringRun
from rmperf.policies.models import PolicyVersion
from rmperf.policies.services import policy_version_create
from tests.pay import conftest as pay_conftest
from tests.pay.conftest import QUARTER, PayBank
from tests.performance import conftest as perf_conftest
from tests.performance.conftest import CARD

DRAFT = CARD.replace("    weight: 80\n", "    weight: 90\n").replace(
    "{indicator: complaints, weight: 20,", "{indicator: complaints, weight: 10,"
)
HX = {"HTTP_HX_REQUEST": "true"}

# The pay app's small bank and its autouse fixtures (English, the test card in force).
pay_paths = pay_conftest.pay_paths
pay_bank = pay_conftest.pay_bank
_english = pay_conftest._english
_test_card = pay_conftest._test_card
swap_cards = perf_conftest.swap_cards


@pytest.fixture
def draft(pay_bank: PayBank) -> PolicyVersion:
    assert DRAFT != CARD
    return policy_version_create(
        actor=pay_bank.users["hr1"], kind="scorecards", yaml_text=DRAFT, label="weights-90-10"
    )


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's thread replaced by a direct call once the request commits."""
    monkeypatch.setattr(
        whatif_services, "launch", lambda run_id: whatif_services.whatif_execute(run_id=run_id)
    )


def _start(
    bank: PayBank, who: str, version: PolicyVersion, capture: Callable[..., Any], period: str
) -> Any:
    with capture(execute=True):
        return bank.client(who).post(
            f"/analysis/what-if/draft/{version.pk}/run/", {"period": period}, **HX
        )


def test_compare_a_draft_card_with_the_card_in_force(
    pay_bank: PayBank,
    draft: PolicyVersion,
    inline: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    page = pay_bank.client("hr2").get(f"/policies/{draft.pk}/")
    assert page.status_code == 200
    assert f"/analysis/what-if/draft/{draft.pk}/" in page.content.decode()
    panel = pay_bank.client("hr2").get(f"/analysis/what-if/draft/{draft.pk}/", **HX)
    assert (
        panel.status_code == 200 and "Compare with the version in force" in panel.content.decode()
    )

    results_before = (RmResult.objects.count(), ScoringRun.objects.count(), PayRun.objects.count())
    response = _start(pay_bank, "hr2", draft, django_capture_on_commit_callbacks, QUARTER)
    assert response.status_code == 200
    run = WhatIfRun.objects.get()
    assert (run.status, run.period_key, run.policy_id) == (RunStatus.SUCCEEDED, QUARTER, draft.pk)
    assert run.history == WhatIfHistory.NONE  # 2026Q3 is the first quarter with loans
    assert run.actor_label == "hr2" and run.row_count == 3
    rows = {r["staff_id"]: r for r in run.result["rows"]}
    got = {
        sid: (r["total_in_force"], r["total_draft"], r["tier_in_force"], r["tier_draft"])
        for sid, r in rows.items()
    }
    assert got == {
        "RM1": ("100.00", "100.00", "outstanding", "outstanding"),
        "RM2": ("60.00", "55.00", "competent", "not_competent"),
        "RM3": ("21.00", "11.00", "not_competent", "not_competent"),
    }
    assert [sid for sid, r in rows.items() if r["tier_changed"]] == ["RM2"]
    assert (rows["RM1"]["pay_in_force"], rows["RM1"]["pay_draft"]) == ("24036.00", "24036.00")
    assert (rows["RM2"]["pay_in_force"], rows["RM2"]["pay_draft"]) == ("10380.00", "10425.00")
    assert rows["RM2"]["pay_change"] == "45.00"
    assert (rows["RM2"]["performance_pay_in_force"], rows["RM2"]["performance_pay_draft"]) == (
        "2520.00",
        "1575.00",
    )
    summary = {m: (b, a, c) for m, b, a, c in run.result["summary"]}
    assert summary["tier.competent"] == ("1", "0", "-1")
    assert summary["tier.not_competent"] == ("1", "2", "1")
    assert summary["tier_changed"][2] == "1"
    assert summary["pay.total_paid"][2] == "45.00"  # only RM2's pay moves
    assert summary["pay.performance_pay"][2] == "-945.00"
    # Nothing stored as a result; the run's steps audited.
    assert (
        RmResult.objects.count(),
        ScoringRun.objects.count(),
        PayRun.objects.count(),
    ) == results_before
    verbs = set(
        AuditEvent.objects.filter(
            object_type="analysis.whatifrun", object_id=str(run.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == {"whatif.started", "whatif.succeeded"}

    shown = pay_bank.client("hr2").get(f"/analysis/what-if/run/{run.pk}/", **HX).content.decode()
    assert "1 RM changes tier" in shown
    assert "Competent → Not competent" in shown
    # Money as a bank writes it: RM1's 24,036.00 on both sides, RM2's 10,380.00 →
    # 10,425.00 (+45.00); the quarter's performance pay moves by −945.00.
    for figure in ("24,036.00", "10,380.00", "10,425.00", "45.00", "-945.00"):
        assert f'">{figure}</td>' in shown, figure
    zh = pay_bank.client("hr2", "zh-hans").get(f"/analysis/what-if/run/{run.pk}/", **HX)
    assert "层级" in zh.content.decode() or "档" in zh.content.decode()


def test_a_future_period_is_refused_and_nothing_runs(
    pay_bank: PayBank,
    draft: PolicyVersion,
    inline: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    response = _start(pay_bank, "hr1", draft, django_capture_on_commit_callbacks, "2099Q1")
    assert response.status_code == 400
    assert "has not ended yet" in response.content.decode()
    response = _start(pay_bank, "hr1", draft, django_capture_on_commit_callbacks, "2026Q9")
    assert response.status_code == 400
    assert not WhatIfRun.objects.exists()


@pytest.mark.parametrize("who", ["rm1", "tl1", "bm1", "au1"])
def test_only_the_makers_and_checkers_of_policies_compare(
    pay_bank: PayBank,
    draft: PolicyVersion,
    inline: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
    who: str,
) -> None:
    client = pay_bank.client(who)
    assert client.get(f"/analysis/what-if/draft/{draft.pk}/", **HX).status_code == 404
    assert (
        _start(pay_bank, who, draft, django_capture_on_commit_callbacks, QUARTER).status_code == 404
    )
    assert not WhatIfRun.objects.exists()
    # The version page is readable, without the compare action.
    page = client.get(f"/policies/{draft.pk}/").content.decode()
    assert "/analysis/what-if/" not in page
    # A run made by HR stays HR's to read.
    _start(pay_bank, "hr1", draft, django_capture_on_commit_callbacks, QUARTER)
    run = WhatIfRun.objects.get()
    assert client.get(f"/analysis/what-if/run/{run.pk}/", **HX).status_code == 404
    assert pay_bank.client("root").get(f"/analysis/what-if/run/{run.pk}/", **HX).status_code == 200


def test_the_maker_compares_and_active_versions_have_no_what_if(
    pay_bank: PayBank, draft: PolicyVersion
) -> None:
    maker = pay_bank.client("hr1")
    assert maker.get(f"/analysis/what-if/draft/{draft.pk}/", **HX).status_code == 200
    active = PolicyVersion.objects.get(kind="scorecards", status="active")
    assert maker.get(f"/analysis/what-if/draft/{active.pk}/", **HX).status_code == 404
    page = maker.get(f"/policies/{active.pk}/").content.decode()
    assert "/analysis/what-if/" not in page


def test_a_run_cut_off_is_said_so_and_not_polled(pay_bank: PayBank, draft: PolicyVersion) -> None:
    """A run still `running` an hour after it started lost its thread (the web process
    stopped): the page says so and stops polling; a new comparison can start."""
    import datetime as dt

    from django.utils import timezone

    run = WhatIfRun.objects.create(
        policy=draft, policy_label=draft.run_label, period_key=QUARTER, actor_label="hr1"
    )
    hr = pay_bank.client("hr1")
    fresh = hr.get(f"/analysis/what-if/run/{run.pk}/", **HX).content.decode()
    assert 'hx-trigger="every 2s"' in fresh and "cut off" not in fresh
    WhatIfRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
    stale = hr.get(f"/analysis/what-if/run/{run.pk}/", **HX).content.decode()
    assert "cut off" in stale and "hx-trigger" not in stale


# The in-force side is the stored period run: a card in force with a manual line, whose
# panel scores change the stored totals (issue: the what-if once scored on the lake alone).
MANUAL_IN_FORCE = CARD.replace("    weight: 80\n", "    weight: 60\n").replace(
    '  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}\n',
    '  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}\n'
    "  - {id: self_review, manual: self_review, category: development, weight: 20, "
    "method: manual}\n",
)
MANUAL_DRAFT = MANUAL_IN_FORCE.replace("    weight: 60\n", "    weight: 70\n").replace(
    "{indicator: complaints, weight: 20,", "{indicator: complaints, weight: 10,"
)


def test_the_in_force_side_is_the_stored_run_with_its_manual_scores(
    pay_bank: PayBank,
    inline: None,
    swap_cards: Callable[[str], Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """In force: deposit growth 60, complaints 20, self_review 20 (manual). BM1 scores RM1's
    self review 80 (share 0.80) and RM2's 50 (0.50); RM3 has none, so the line is left out
    and the used weight is 80 (growth 60 × 100 ÷ 80 = 75.0000, complaints 25.0000).

    - RM1: 60 × 1 + 20 + 20 × 0.80 = 96.00 (on the lake alone: 75 + 25 = 100.00);
    - RM2: 60 × 0.5 + 20 + 20 × 0.50 = 60.00, competent (lake alone: 37.50 + 25 = 62.50);
    - RM3: 75 × 0 + 25 + 1.00 certification = 26.00.
    The draft (growth 70, complaints 10, self_review 20):
    - RM1: 70 + 10 + 16.00 = 96.00; RM2: 35.00 + 10 + 10.00 = 55.00, not competent;
    - RM3: used weight 80: 87.5 × 0 + 12.50 + 1.00 = 13.50.
    Pay: RM1 outstanding and RM2 competent in force as in the first test (24,036.00 and
    10,380.00); under the draft RM2 is not competent: 10,425.00.
    """
    from decimal import Decimal

    from rmperf.performance.services.manual import manual_score_enter
    from rmperf.performance.services.periods import period_open
    from rmperf.performance.services.runs import period_run

    swap_cards(MANUAL_IN_FORCE)
    period_open(actor=None, key=QUARTER)
    for rm, score in (("RM1", "80"), ("RM2", "50")):
        manual_score_enter(
            actor=pay_bank.users["bm1"], key=QUARTER, staff_id=rm, manual_key="self_review",
            score=score, comment="ok",
        )  # fmt: skip
    run = period_run(actor=None, key=QUARTER)
    stored = {r.staff_id: r.total for r in RmResult.objects.filter(period=run.period)}
    assert stored == {"RM1": Decimal("96.00"), "RM2": Decimal("60.00"), "RM3": Decimal("26.00")}

    draft = policy_version_create(
        actor=pay_bank.users["hr1"], kind="scorecards", yaml_text=MANUAL_DRAFT, label="manual-70"
    )
    response = _start(pay_bank, "hr2", draft, django_capture_on_commit_callbacks, QUARTER)
    assert response.status_code == 200
    whatif = WhatIfRun.objects.get()
    assert whatif.status == RunStatus.SUCCEEDED, whatif.problem
    rows = {r["staff_id"]: r for r in whatif.result["rows"]}
    # The in-force side equals the stored run to the cent; the draft differs by the draft.
    assert {sid: Decimal(r["total_in_force"]) for sid, r in rows.items()} == stored
    got = {sid: (r["total_draft"], r["tier_in_force"], r["tier_draft"]) for sid, r in rows.items()}
    assert got == {
        "RM1": ("96.00", "outstanding", "outstanding"),
        "RM2": ("55.00", "competent", "not_competent"),
        "RM3": ("13.50", "not_competent", "not_competent"),
    }
    assert (rows["RM1"]["pay_in_force"], rows["RM1"]["pay_draft"]) == ("24036.00", "24036.00")
    assert (rows["RM2"]["pay_in_force"], rows["RM2"]["pay_draft"]) == ("10380.00", "10425.00")
