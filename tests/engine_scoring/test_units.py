"""Unit cards (seed 003 §五, 功能差异化考核): a branch scored from its two teams' roll-up.

The branch BR1 has two teams: TM1 (RM1, RM2) and TM2 (RM3). A second branch BR2 has no
RM and is not scored. The branch card has three lines, one per category it needs:

roe (business, 30; ratio on a level target 0.15). ROE is the branch's own figure, from
the rows of the units under it, each once (not once per RM):
  TM1: profit 150,000.00 a month, equity 10,000,000.00; TM2: 20,000.00 and 10,000,000.00.
  Σ profit × 12 = (3 × 150,000 + 3 × 20,000) × 12 = 510,000 × 12 = 6,120,000
  Σ equity = 6 × 10,000,000 = 60,000,000 → ROE = 0.102
  (summed per RM it would be (2 × 450,000 + 60,000) × 12 ÷ 90,000,000 = 0.128.)
  completion = 0.102 ÷ 0.15 = 0.68 → 30 × 0.68 = 20.40 points.
complaints (compliance, 35; deduction 3.5 per complaint): C1 (RM1) one complaint, C3 (RM3)
  two → 3; 35 − 3 × 3.5 = 24.5 → share 24.5 ÷ 35 = 0.7 → 24.50 points.
overdue_rate (risk, 35; ratio, lower is better, level target 0.015), last month 2026-09:
  L1 (RM1) 1,000,000.00 current, L2 (RM2) 500,000.00 10 days overdue, L3 (RM3)
  3,500,000.00 current: 500,000 ÷ 5,000,000 = 0.1 → completion 0.015 ÷ 0.1 = 0.15 →
  35 × 0.15 = 5.25 points.
Total 20.40 + 24.50 + 5.25 = 50.15 → not competent (< 60).

P-02 holds: business 30, compliance 35 and risk 35 ≥ 30 + margin 5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pa_csv
import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring import load_scorecard_text, load_scorecards
from rmperf.engine.scoring.run import score_lake
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
CARD = """\
name: branch_test
names: {zh: 支行测试, en: branch test}
subject: unit
applies_to: {unit_kind: branch}
lines:
  - {indicator: roe, weight: 30, method: ratio, target: {basis: level, value: "0.15"}}
  - {indicator: complaints, weight: 35, method: deduction, per_occurrence: "3.5"}
  - {indicator: overdue_rate, weight: 35, method: ratio, target: {basis: level, value: "0.015"}}
"""
RM_CARD = """\
name: rm_test
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
lines:
  - {indicator: complaints, weight: 100, method: deduction, per_occurrence: "10"}
"""


def _bank() -> LakeBuilder:
    b = LakeBuilder()
    b.add(
        "org_units",
        {"unit_id": "TM2", "name": "西湖二组", "kind": "team", "parent_id": "BR1"},
        {"unit_id": "BR2", "name": "孤山支行", "kind": "branch", "parent_id": "RG1"},
    )
    b.add(
        "staff",
        {
            "staff_id": "RM3",
            "name": "孙六",
            "role": "rm",
            "rank": "junior",
            "unit_id": "TM2",
            "hired_on": "2020-01-01",
        },
    )
    b.product("BL", "business_loan", "0.050000")
    for cid, rm in (("C1", "RM1"), ("C2", "RM2"), ("C3", "RM3")):
        b.customer(cid, rm=rm)
    for loan, cid, rm, amount, overdue in (
        ("L1", "C1", "RM1", "1000000.00", "0"),
        ("L2", "C2", "RM2", "500000.00", "10"),
        ("L3", "C3", "RM3", "3500000.00", "0"),
    ):
        b.loan(loan, cid, "BL", amount, "2026-01-10", "2028-01-10", staff_id=rm)
        b.loan_status(loan, "2026-09", amount, overdue=overdue)
    b.event("C1", "2026-07-05T10:00:00+08:00", "complaint")
    b.event("C3", "2026-08-05T10:00:00+08:00", "complaint")
    b.event("C3", "2026-09-05T10:00:00+08:00", "complaint")
    for month in ("2026-07", "2026-08", "2026-09"):
        b.add(
            "unit_financials",
            {"unit_id": "TM1", "month": month, "net_profit": "150000.00", "equity": "10000000.00"},
            {"unit_id": "TM2", "month": month, "net_profit": "20000.00", "equity": "10000000.00"},
        )
    return b


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("units")
    _bank().write(root / "lake")
    (root / "cards").mkdir()
    (root / "cards" / "branch.yaml").write_text(CARD, encoding="utf-8")
    (root / "cards" / "rm.yaml").write_text(RM_CARD, encoding="utf-8")
    return root


def test_branch_scored_from_its_two_teams(root: Path) -> None:
    cards = load_scorecards(root / "cards")
    scored = score_lake(
        Lake(root / "lake", today=TODAY), period=Period.parse("2026Q3"), cards=cards, units=True
    )
    units = scored.units
    assert units is not None
    assert units.skipped == {"BR2": "no RM in this branch for 2026Q3"}
    assert units.units["BR1"].staff_count == 3
    total = units.result.total_of("BR1")
    assert total.scorecard == "branch_test"
    lines = {ln.line: ln for ln in units.result.lines_of("BR1")}
    assert lines["roe"].value == Decimal("0.102")
    assert lines["roe"].completion == Decimal("0.68")
    assert lines["roe"].points == Decimal("20.40")
    assert lines["complaints"].value == 3
    assert lines["complaints"].share == Decimal("0.7")
    assert lines["complaints"].points == Decimal("24.50")
    assert lines["overdue_rate"].value == Decimal("0.1")
    assert lines["overdue_rate"].completion == Decimal("0.15")
    assert lines["overdue_rate"].points == Decimal("5.25")
    assert total.total == Decimal("50.15")
    assert str(total.tier) == "not_competent"
    # The RM card scores the three RMs as before; the unit card scores no RM.
    assert sorted(t.staff_id for t in scored.result.totals) == ["RM1", "RM2", "RM3"]
    assert {t.scorecard for t in scored.result.totals} == {"rm_test"}


def test_cli_units_out_leaves_the_rm_output_as_it_was(root: Path) -> None:
    common = [
        "score",
        "--lake",
        str(root / "lake"),
        "--period",
        "2026Q3",
        "--scorecard",
        str(root / "cards"),
        "--today",
        TODAY.isoformat(),
    ]
    assert main([*common, "--out", str(root / "plain.csv")]) == 0
    assert (
        main(
            [
                *common,
                "--out",
                str(root / "with.csv"),
                "--units-out",
                str(root / "units.csv"),
                "--unit-lines",
                str(root / "unit_lines.csv"),
            ]
        )
        == 0
    )
    assert (root / "plain.csv").read_bytes() == (root / "with.csv").read_bytes()
    units = pa_csv.read_csv(
        root / "units.csv",
        convert_options=pa_csv.ConvertOptions(column_types={"total": "string"}),
    ).to_pylist()
    assert [(u["unit_id"], u["unit_kind"], u["staff_count"], u["total"]) for u in units] == [
        ("BR1", "branch", 3, "50.15")
    ]
    lines = pa_csv.read_csv(root / "unit_lines.csv").to_pylist()
    assert [ln["line"] for ln in lines] == ["roe", "complaints", "overdue_rate"]
    assert all(ln["unit_id"] == "BR1" for ln in lines)


def test_cli_explain_a_unit(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "explain",
            "--lake",
            str(root / "lake"),
            "--period",
            "2026Q3",
            "--scorecard",
            str(root / "cards"),
            "--today",
            TODAY.isoformat(),
            "--unit",
            "BR1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "西湖支行 (branch, 3 RMs rolled up)" in out
    assert "total 50.15" in out
    # The rows behind the complaints line are the branch's three RMs.
    assert "rows behind complaints (complaints): 3 of 3" in out
    assert main(["explain", "--lake", str(root / "lake"), "--period", "2026Q3", "--scorecard",
                 str(root / "cards"), "--today", TODAY.isoformat(), "--unit", "BR2"]) == 2  # fmt: skip
    assert "BR2 is not scored: no RM in this branch" in capsys.readouterr().err


# -- P-02 validation -----------------------------------------------------------------------

P02_BREACH = """\
name: branch_bad
names: {zh: 支行, en: branch}
subject: unit
applies_to: {unit_kind: branch}
lines:
  - {indicator: roe, weight: 30, method: ratio, target: {basis: level, value: "0.15"}}
  - {indicator: complaints, weight: 30, method: deduction, per_occurrence: "1"}
  - {indicator: overdue_rate, weight: 40, method: ratio, target: {basis: level, value: "0.015"}}
"""


def test_p02_refuses_a_unit_card_naming_categories_and_weights() -> None:
    # business 30, compliance 30, risk 40: compliance needs ≥ 30 + 5 = 35; risk 40 passes.
    with pytest.raises(PolicyError) as exc:
        load_scorecard_text(P02_BREACH, source="branch_bad.yaml")
    issues = [i for i in exc.value.issues if i.rule == "unit_compliance_risk_weigh_more"]
    assert len(issues) == 1
    issue = issues[0]
    assert issue.file == "branch_bad.yaml"
    assert str(issue).startswith("branch_bad.yaml:5: error [unit_compliance_risk_weigh_more]")
    assert issue.line == 5  # `lines:`
    assert "the compliance category weighs 30" in issue.message
    assert "(business 30) + margin 5 = 35" in issue.message
    assert "risk 40" in issue.message
    assert "P-02" in issue.message


def test_p02_margin_is_policy_and_rm_cards_keep_their_floor() -> None:
    # The same weights pass with a margin of 0 (compliance 30 ≥ business 30 + 0) …
    loaded = load_scorecard_text(
        P02_BREACH.replace("applies_to:", "compliance_risk_margin: 0\napplies_to:"),
        source="x.yaml",
    )
    assert loaded.policy.compliance_risk_margin == 0
    # … and on an RM card, whose floor is compliance + risk ≥ 20 (70 here).
    rm = P02_BREACH.replace("subject: unit\n", "").replace(
        "{unit_kind: branch}", "{business_line: retail}"
    )
    assert load_scorecard_text(rm, source="rm.yaml").policy.is_unit is False


def test_unit_card_refuses_a_deposit_ranking() -> None:
    card = P02_BREACH.replace(
        "  - {indicator: roe, weight: 30,",
        "  - {indicator: deposit_avg_balance, weight: 30, method: rank}\n"
        "  - {indicator: roe, weight: 0,",
    ).replace('"0.15"}}\n  - {indicator: complaints, weight: 30', '"0.15"}}\n  - {indicator: complaints, weight: 35').replace(
        "overdue_rate, weight: 40", "overdue_rate, weight: 35"
    )  # fmt: skip
    with pytest.raises(PolicyError) as exc:
        load_scorecard_text(card, source="dep.yaml")
    found = [i for i in exc.value.issues if i.rule == "no_deposit_ranking"]
    assert len(found) == 1
    assert found[0].line == 6
    assert "deposit_avg_balance is a deposit indicator: no ranking" in found[0].message


def test_unit_card_refuses_per_person_parts() -> None:
    card = CARD.replace(
        '{basis: level, value: "0.15"}}',
        '{source: per_person, basis: level, value: "0.15"}}',
    )
    with pytest.raises(PolicyError) as exc:
        load_scorecard_text(card, source="pp.yaml")
    assert [i.rule for i in exc.value.issues] == ["unit_lines_supported"]


def test_shipped_branch_card_is_a_unit_card_meeting_p02() -> None:
    cards = load_scorecards(None)
    branch = cards["branch_unit"].policy
    assert branch.is_unit
    assert str(branch.applies_to.unit_kind) == "branch"
    # compliance 30 and risk 30 ≥ business 25 + 5
    from rmperf.engine.scoring.library import default_library
    from rmperf.engine.scoring.rules import category_weights

    weights = category_weights(branch, default_library())
    assert weights["compliance"] == weights["risk"] == 30
    assert weights["business"] == 25


def test_unit_card_refuses_a_deposit_market_share_indicator() -> None:
    from tests.engine_scoring.library import LIB

    card = CARD.replace("{indicator: roe,", "{indicator: deposit_market_share,").replace(
        'target: {basis: level, value: "0.15"}}', 'target: {basis: level, value: "0.3"}}'
    )
    with pytest.raises(PolicyError) as exc:
        load_scorecard_text(card, source="share.yaml", library=LIB)
    found = [(i.rule, i.file, i.line) for i in exc.value.issues]
    assert found == [("no_deposit_ranking", "share.yaml", 6)]
    assert "deposit_market_share compares deposits with the market" in exc.value.issues[0].message
