"""A period run scores with the active scorecard set of the policies app and records which
version it used; `--scorecard PATH` on the command line still overrides it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.cli import main
from rmperf.performance.models import RmResult, ScoringRun
from rmperf.performance.services.runs import period_run
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active, policy_cards
from rmperf.policies.services import (
    policy_version_activate,
    policy_version_approve,
    policy_version_create,
)
from tests.performance.conftest import CARD, PerfBank

pytestmark = pytest.mark.django_db

#: The totals of tests/performance/test_services.py, computed there by hand from the lake.
TOTALS = {
    "RM1": (Decimal("100.00"), "outstanding"),
    "RM2": (Decimal("60.00"), "competent"),
    "RM3": (Decimal("21.00"), "not_competent"),
}


def _results() -> dict[str, tuple[str, Decimal, str]]:
    return {
        r.staff_id: (r.scorecard, r.total, r.tier)
        for r in RmResult.objects.filter(period__key="2026Q3")
    }


def _activate_v2(bank: PerfBank) -> PolicyVersion:
    """HR drafts the same card under a new name; the superuser approves; HR activates."""
    text = CARD.replace("name: test_retail", "name: test_retail_v2")
    draft = policy_version_create(
        actor=bank.users["hr1"], kind="scorecards", yaml_text=text, label="2027"
    )
    policy_version_approve(actor=bank.users["root"], version_id=draft.pk)
    return policy_version_activate(actor=bank.users["hr1"], version_id=draft.pk)


def test_a_run_uses_and_records_the_active_scorecard_set(perf_bank: PerfBank) -> None:
    first = policy_active("scorecards")
    run = period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    assert run.policy == first and run.policy_label == "scorecards test-card"
    assert {k: v[0] for k, v in _results().items()} == dict.fromkeys(TOTALS, "test_retail")
    v2 = _activate_v2(perf_bank)
    run2 = period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    assert run2.policy == v2 and run2.policy_label == "scorecards 2027"
    assert _results() == {k: ("test_retail_v2", *v) for k, v in TOTALS.items()}
    card = policy_cards(v2)["test_retail_v2"]
    assert run2.policy_versions == {"test_retail_v2": card.version}
    assert set(RmResult.objects.values_list("policy_version", flat=True)) == {card.version}
    # The page names the set for people (its kind's name, version and the day it took
    # effect) and links to it.
    page = perf_bank.client("hr1").get("/performance/2026Q3/").content.decode()
    assert f'href="/policies/{v2.pk}/">RM scorecards · 2027 (in force from ' in page


def test_the_command_line_scorecard_overrides_the_active_set(
    perf_bank: PerfBank, perf_paths: tuple[object, object], capsys: pytest.CaptureFixture[str]
) -> None:
    _lake, card_dir = perf_paths
    _activate_v2(perf_bank)
    assert main(["period-run", "2026Q3", "--scorecard", str(card_dir)]) == 0
    out = capsys.readouterr().out
    assert f"scorecards file {card_dir} (test_retail " in out
    run = ScoringRun.objects.get(status="succeeded")
    assert run.policy is None and run.policy_label == f"file {card_dir}"
    assert _results() == {k: ("test_retail", *v) for k, v in TOTALS.items()}
    # Without the option, the active set (v2) again.
    assert main(["period-run", "2026Q3"]) == 0
    assert "scorecards 2027 (test_retail_v2 " in capsys.readouterr().out
    assert PolicyVersion.objects.get(status=PolicyStatus.ACTIVE, kind="scorecards").label == "2027"
