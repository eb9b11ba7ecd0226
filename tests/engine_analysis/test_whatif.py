"""`rmperf what-if` on a hand-built lake: a draft scorecard, target sheet and pay plan beside
the version in force for 2026Q3, every figure computed by hand; bad drafts refused.

Lake (validation day 2026-11-30). Card in force (retail, `lake_test`): new_loans 50 (ratio,
annual per-person target 48,000,000.00 → Q3 12,000,000.00, cap 1.2), deposit_avg_growth 30
(annual 1,200,000 → Q3 300,000), complaints 20 (deduction; nobody has one: 20 points).
Deposits: every customer 100,000.00 a day in Q2; in Q3 C1 (RM1) 175,000.00, C2 (RM2)
400,000.00, C3 (RM3) 250,000.00, so deposit growth 75,000 / 300,000 / 150,000 and
completion 0.25 / 1 / 0.5. Loans (all 2026Q3, the first quarter with loans): RM1 L1
10,000,000.00 on 07-15 and L2 2,000,000.00 on 08-20 (completion 1); RM3 L3 6,000,000.00
on 08-03 (completion 0.5); RM2 none.

In force: RM1 50 + 30 × 0.25 + 20 = 77.50 good; RM2 0 + 30 + 20 = 50.00 not_competent;
RM3 25 + 15 + 20 = 60.00 competent.

Pay (shipped plan; 15‱ up to 10,000,000.00, 18‱ to 30,000,000.00; good 1.00, competent 0.80;
30 % deferred; no loan_status rows, so no NPL hold): RM1 L1 15,000.00 + L2 3,600.00 =
18,600.00, D 5,580.00, I 13,020.00, base junior 3 × 2,300.00 = 6,900.00, total 19,920.00.
RM2 senior: base 10,500.00. RM3 L3 6,000,000 × 15‱ × 0.80 = 7,200.00, D 2,160.00,
I 5,040.00, base intermediate 8,700.00, total 13,740.00.
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.analysis.whatif import DraftKind, detect_kind
from rmperf.engine.policy import PolicyError
from tests.lakebuilder import LakeBuilder

TODAY = "2026-11-30"
CARD = """\
name: lake_test
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
lines:
  - indicator: new_loans
    weight: 50
    method: ratio
    target: {source: per_person, basis: annual, value: "48000000"}
    cap: "1.2"
  - {indicator: deposit_avg_growth, weight: 30, method: ratio, target: {value: "1200000"}}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
"""
#: The draft: 20 points moved from new loans to deposit growth.
DRAFT_CARD = CARD.replace("weight: 50", "weight: 30").replace(
    "weight: 30, method", "weight: 50, method"
)


def _pay_plan(bracket_2_rate: str) -> str:
    text = resources.files("rmperf.policies").joinpath("defaults", "pay.yaml").read_text("utf-8")
    assert '{up_to: "30000000.00", rate: "18"}' in text
    return text.replace('rate: "18"', f'rate: "{bracket_2_rate}"')


def _lake() -> LakeBuilder:
    b = LakeBuilder()
    b.add(
        "staff",
        {
            "staff_id": "RM3",
            "name": "孙六",
            "role": "rm",
            "rank": "intermediate",
            "unit_id": "TM1",
            "hired_on": "2019-01-01",
        },
    )
    b.product("BL", "business_loan")
    for cid, rm, q3 in (
        ("C1", "RM1", "175000.00"),
        ("C2", "RM2", "400000.00"),
        ("C3", "RM3", "250000.00"),
    ):
        b.customer(cid, rm=rm)
        for month in ("2026-04", "2026-05", "2026-06"):
            b.balance(cid, month, "deposit", "100000.00")
        for month in ("2026-07", "2026-08", "2026-09"):
            b.balance(cid, month, "deposit", q3)
    b.loan("L1", "C1", "BL", "10000000.00", "2026-07-15", "2028-07-15", staff_id="RM1")
    b.loan("L2", "C1", "BL", "2000000.00", "2026-08-20", "2028-08-20", staff_id="RM1")
    b.loan("L3", "C3", "BL", "6000000.00", "2026-08-03", "2028-08-03", staff_id="RM3")
    return b


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = _lake()
    path = tmp_path_factory.mktemp("whatif")
    b.write(path / "lake")
    (path / "card.yaml").write_text(CARD, encoding="utf-8")
    (path / "draft_card.yaml").write_text(DRAFT_CARD, encoding="utf-8")
    (path / "draft_plan.yaml").write_text(_pay_plan("19"), encoding="utf-8")
    # RM3's new-loan target lowered to 20,000,000.00 a year: Q3 5,000,000.00.
    (path / "draft_targets.csv").write_text(
        "staff_id,indicator,annual\nRM3,new_loans,20000000\n", encoding="utf-8"
    )
    return path


def _what_if(
    root: Path,
    *args: str,
    out: str = "out.csv",
    summary: str | None = "sum.csv",
    period: str = "2026Q3",
) -> int:
    argv = ["what-if", "--lake", str(root / "lake"), "--period", period, "--today", TODAY]
    argv += ["--out", str(root / out), *args]
    if summary is not None:
        argv += ["--summary", str(root / summary)]
    return main(argv)


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["staff_id"]: r for r in csv.DictReader(fh)}


def _summary(path: Path) -> dict[str, tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["measure"]: (r["in_force"], r["draft"], r["change"]) for r in csv.DictReader(fh)}


COLUMNS = [
    "staff_id",
    "scorecard",
    "total_in_force",
    "total_draft",
    "tier_in_force",
    "tier_draft",
    "tier_changed",
    "pay_in_force",
    "pay_draft",
    "pay_change",
    "performance_pay_in_force",
    "performance_pay_draft",
    "performance_pay_change",
    "scorecard_draft",
]


def _pick(row: dict[str, str], *cols: str) -> tuple[str, ...]:
    return tuple(row[c] for c in cols)


def test_scorecard_draft_moves_totals_tiers_and_pay(root: Path) -> None:
    """Draft weights: new_loans 30, deposit growth 50.
    RM1 30 + 50 × 0.25 + 20 = 62.50 competent (was good): L1 15,000 × 0.80 = 12,000.00,
    L2 3,600 × 0.80 = 2,880.00, P 14,880.00, D 4,464.00, I 10,416.00, total 17,316.00.
    RM2 0 + 50 + 20 = 70.00 competent (was not_competent; no loans, pay unchanged).
    RM3 15 + 25 + 20 = 60.00 competent, unchanged."""
    code = _what_if(
        root, "--draft", str(root / "draft_card.yaml"), "--in-force", str(root / "card.yaml")
    )
    assert code == 0
    with (root / "out.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == COLUMNS
    rows = _rows(root / "out.csv")
    assert list(rows) == ["RM1", "RM2", "RM3"]
    cols = ("total_in_force", "total_draft", "tier_in_force", "tier_draft", "tier_changed")
    assert _pick(rows["RM1"], *cols) == ("77.50", "62.50", "good", "competent", "true")
    assert _pick(rows["RM2"], *cols) == ("50.00", "70.00", "not_competent", "competent", "true")
    assert _pick(rows["RM3"], *cols) == ("60.00", "60.00", "competent", "competent", "false")
    pay = ("pay_in_force", "pay_draft", "pay_change")
    perf = ("performance_pay_in_force", "performance_pay_draft", "performance_pay_change")
    assert _pick(rows["RM1"], *pay) == ("19920.00", "17316.00", "-2604.00")
    assert _pick(rows["RM1"], *perf) == ("18600.00", "14880.00", "-3720.00")
    assert _pick(rows["RM2"], *pay) == ("10500.00", "10500.00", "0.00")
    assert _pick(rows["RM3"], *pay) == ("13740.00", "13740.00", "0.00")
    assert _pick(rows["RM3"], *perf) == ("7200.00", "7200.00", "0.00")
    assert {r["scorecard"] for r in rows.values()} == {"lake_test"}
    summary = _summary(root / "sum.csv")
    assert summary["tier.outstanding"] == ("0.00", "0.00", "0.00")
    assert summary["tier.good"] == ("1.00", "0.00", "-1.00")
    assert summary["tier.competent"] == ("1.00", "3.00", "2.00")
    assert summary["tier.not_competent"] == ("1.00", "0.00", "-1.00")
    assert summary["tier.unrated"] == ("0.00", "0.00", "0.00")
    # 19,920 + 10,500 + 13,740 and 17,316 + 10,500 + 13,740.
    assert summary["pay.total_paid"] == ("44160.00", "41556.00", "-2604.00")
    assert summary["pay.performance_pay"] == ("25800.00", "22080.00", "-3720.00")
    assert summary["tier_changed"] == ("", "", "2.00")
    assert (summary["tier_changed.up"][2], summary["tier_changed.down"][2]) == ("1.00", "1.00")


def test_pay_plan_draft_same_ratings_other_bracket_rate(root: Path) -> None:
    """Draft plan: the second bracket at 19‱ instead of 18‱. Ratings are the same.
    RM1 (good, 1.00): L1 10,000,000.00 × 15‱ = 15,000.00; L2 2,000,000.00 × 19‱ = 3,800.00;
    P 18,800.00, D 5,640.00, I 13,160.00, total 6,900.00 + 13,160.00 = 20,060.00 (+140.00).
    RM3's loan stays in the first bracket: unchanged."""
    code = _what_if(
        root, "--draft", str(root / "draft_plan.yaml"), "--scorecard", str(root / "card.yaml"),
        out="plan.csv", summary="plan_sum.csv",
    )  # fmt: skip
    assert code == 0
    rows = _rows(root / "plan.csv")
    for r in rows.values():
        assert r["tier_in_force"] == r["tier_draft"] and r["tier_changed"] == "false"
        assert r["total_in_force"] == r["total_draft"]
    assert _pick(rows["RM1"], "performance_pay_in_force", "performance_pay_draft") == (
        "18600.00",
        "18800.00",
    )
    assert _pick(rows["RM1"], "pay_in_force", "pay_draft", "pay_change") == (
        "19920.00",
        "20060.00",
        "140.00",
    )
    assert _pick(rows["RM3"], "pay_in_force", "pay_draft", "pay_change") == (
        "13740.00",
        "13740.00",
        "0.00",
    )
    summary = _summary(root / "plan_sum.csv")
    assert summary["pay.total_paid"] == ("44160.00", "44300.00", "140.00")
    assert summary["tier_changed"] == ("", "", "0.00")


def test_target_sheet_draft_changes_scores_and_excess_reward(root: Path) -> None:
    """Draft sheet: RM3's new-loan target 20,000,000.00 a year, Q3 5,000,000.00.
    RM3 completion 6,000,000 / 5,000,000 = 1.2 (the cap): 50 × 1.2 = 60 + 15 + 20 = 95.00,
    outstanding (c 1.20): L3 9,000.00 × 1.20 = 10,800.00; excess reward (6,000,000.00 −
    5,000,000.00) × 5‱ = 500.00; P 11,300.00, D 3,390.00, I 7,910.00, total 8,700.00 +
    7,910.00 = 16,610.00 (+2,870.00). In force RM3 has no sheet row: no excess reward."""
    code = _what_if(
        root, "--draft", str(root / "draft_targets.csv"), "--scorecard", str(root / "card.yaml"),
        out="targets.csv", summary=None,
    )  # fmt: skip
    assert code == 0
    rows = _rows(root / "targets.csv")
    cols = ("total_in_force", "total_draft", "tier_in_force", "tier_draft", "tier_changed")
    assert _pick(rows["RM3"], *cols) == ("60.00", "95.00", "competent", "outstanding", "true")
    assert _pick(rows["RM3"], "performance_pay_in_force", "performance_pay_draft") == (
        "7200.00",
        "11300.00",
    )
    assert _pick(rows["RM3"], "pay_in_force", "pay_draft", "pay_change") == (
        "13740.00",
        "16610.00",
        "2870.00",
    )
    for sid in ("RM1", "RM2"):
        assert rows[sid]["tier_changed"] == "false"
        assert rows[sid]["pay_change"] == "0.00"
    assert not (root / "sum.csv").with_name("targets_sum.csv").exists()


def test_month_has_no_pay_columns(root: Path) -> None:
    code = _what_if(
        root, "--draft", str(root / "draft_card.yaml"), "--in-force", str(root / "card.yaml"),
        out="month.csv", summary="month_sum.csv", period="2026-09",
    )  # fmt: skip
    assert code == 0
    rows = _rows(root / "month.csv")
    assert list(rows) == ["RM1", "RM2", "RM3"]
    assert {r["pay_in_force"] for r in rows.values()} == {""}
    assert {r["pay_draft"] for r in rows.values()} == {""}
    assert not any(m.startswith("pay.") for m in _summary(root / "month_sum.csv"))


BOTH = CARD + "loan_pay:\n  brackets: [{rate: '15'}]\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("both.yaml", BOTH, "both.yaml:12: error [draft.kind]"),
        ("what.yaml", "name: x\nfoo: 1\n", "what.yaml:1: error [draft.kind]"),
        (
            "weights.yaml",
            CARD.replace("weight: 50", "weight: 55"),
            "weights.yaml:4: error [weights_sum_to_100]",
        ),
        ("syntax.yaml", "lines: [\n", "syntax.yaml:2: error [yaml_syntax]"),
        (
            "rows.csv",
            "staff_id,indicator,annual\nRM3,new_loans,-5\n",
            "rows.csv:2: error [targets.row]",
        ),
        ("plan.yaml", _pay_plan("-1"), "error [rate_non_negative]"),
    ],
)
def test_bad_draft_refused_nothing_written(
    root: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    bad = root / name
    bad.write_text(text, encoding="utf-8")
    code = _what_if(root, "--draft", str(bad), out=f"bad_{name}.csv", summary=f"bad_sum_{name}.csv")
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (root / f"bad_{name}.csv").exists()
    assert not (root / f"bad_sum_{name}.csv").exists()
    assert not list(root.glob(".*staged*"))


def test_in_force_option_of_the_other_kind_is_refused(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _what_if(
        root, "--draft", str(root / "draft_card.yaml"), "--scorecard", str(root / "card.yaml"),
        out="refused.csv",
    )  # fmt: skip
    assert code == 2
    assert "--in-force" in capsys.readouterr().err
    assert not (root / "refused.csv").exists()


def test_detect_kind(tmp_path: Path) -> None:
    cases = {
        "card.yaml": (CARD, DraftKind.SCORECARD),
        "set.yaml": (CARD + "---\n" + CARD.replace("retail", "corporate"), DraftKind.SCORECARD),
        "plan.yaml": (_pay_plan("18"), DraftKind.PAY_PLAN),
        "rows.yaml": ("- {staff_id: RM1, indicator: new_loans, annual: 1}\n", DraftKind.TARGETS),
        "sheet.yaml": (
            "targets:\n  - {staff_id: RM1, indicator: new_loans, annual: 1}\n",
            DraftKind.TARGETS,
        ),
        "sheet.csv": ("staff_id,indicator,annual\n", DraftKind.TARGETS),
    }
    for name, (text, kind) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert detect_kind(tmp_path / name) is kind, name
    (tmp_path / "cards").mkdir()
    assert detect_kind(tmp_path / "cards") is DraftKind.SCORECARD
    (tmp_path / "mixed.yaml").write_text(CARD + "---\n" + _pay_plan("18"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"mixed.yaml:\d+: error \[draft.kind\]"):
        detect_kind(tmp_path / "mixed.yaml")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same lake, and RM1's L0 200,000.00 on 2026-01-10, substandard in 2026-09 (L1 and
    L2 normal then: NPL 200,000 / 12,200,000 = 1.64 %, under 2 %, nothing held)."""
    b = _lake()
    b.loan("L0", "C1", "BL", "200000.00", "2026-01-10", "2028-01-10", staff_id="RM1")
    b.loan_status("L0", "2026-09", "200000.00", grade="substandard", overdue="95")
    b.loan_status("L1", "2026-09", "10000000.00")
    b.loan_status("L2", "2026-09", "2000000.00")
    path = tmp_path_factory.mktemp("history")
    b.write(path / "lake")
    (path / "card.yaml").write_text(CARD, encoding="utf-8")
    (path / "draft_card.yaml").write_text(DRAFT_CARD, encoding="utf-8")
    return path


def test_ratings_file_gives_the_history_on_both_sides(history: Path) -> None:
    """The file rates RM1 outstanding in 2026Q1 (and outstanding in 2026Q3, which is ignored:
    the period is rated by each side's scoring). L0: 200,000.00 × 15‱ × 1.20 = 360.00,
    D 108.00 (thirds 36.00). L0 goes bad in 2026-09: cost 360.00, malus 108.00 from
    2026Q1's thirds, clawback −252.00 on both sides. RM1's 2026Q3 total paid: in force
    6,900.00 + 13,020.00 − 252.00 = 19,668.00; draft 6,900.00 + 10,416.00 − 252.00 =
    17,064.00."""
    ratings = history / "ratings.csv"
    ratings.write_text(
        "staff_id,period,tier\nRM1,2026Q1,outstanding\nRM1,2026Q3,outstanding\n",
        encoding="utf-8",
    )
    code = _what_if(
        history, "--draft", str(history / "draft_card.yaml"), "--in-force",
        str(history / "card.yaml"), "--ratings", str(ratings), summary=None,
    )  # fmt: skip
    assert code == 0
    rm1 = _rows(history / "out.csv")["RM1"]
    assert _pick(rm1, "tier_in_force", "tier_draft") == ("good", "competent")
    assert _pick(rm1, "pay_in_force", "pay_draft", "pay_change") == (
        "19668.00",
        "17064.00",
        "-2604.00",
    )


def test_ratings_file_missing_a_history_quarter(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ratings = history / "partial.csv"
    ratings.write_text("staff_id,period,tier\nRM3,2026Q1,good\n", encoding="utf-8")
    code = _what_if(
        history, "--draft", str(history / "draft_card.yaml"), "--in-force",
        str(history / "card.yaml"), "--ratings", str(ratings), out="partial_out.csv", summary=None,
    )  # fmt: skip
    assert code == 2
    assert "RM1 in 2026Q1" in capsys.readouterr().err
    assert not (history / "partial_out.csv").exists()


def test_each_side_is_what_rmperf_pay_writes(root: Path) -> None:
    """With the shipped cards on both sides, pay_in_force and pay_draft of a pay-plan draft
    are the total_paid of `rmperf pay` and of `rmperf pay --plan DRAFT` (each scores the
    quarters itself)."""
    assert _what_if(root, "--draft", str(root / "draft_plan.yaml"), out="x.csv", summary=None) == 0
    paid = {}
    for name, extra in (
        ("pay_now.csv", []),
        ("pay_draft.csv", ["--plan", str(root / "draft_plan.yaml")]),
    ):
        argv = ["pay", "--lake", str(root / "lake"), "--period", "2026Q3", "--today", TODAY]
        assert main([*argv, "--out", str(root / name), *extra]) == 0
        paid[name] = {s: r["total_paid"] for s, r in _rows(root / name).items()}
    rows = _rows(root / "x.csv")
    assert {s: r["pay_in_force"] for s, r in rows.items()} == paid["pay_now.csv"]
    assert {s: r["pay_draft"] for s, r in rows.items()} == paid["pay_draft.csv"]
    assert paid["pay_now.csv"] != paid["pay_draft.csv"]


def test_kind_option_checks_the_draft_as_that_kind(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--kind skips detection: a card read as a pay plan fails the pay plan's schema, with
    the card's file and the line of the key the plan does not know."""
    code = _what_if(
        root, "--draft", str(root / "draft_card.yaml"), "--kind", "pay_plan",
        out="kind.csv", summary=None,
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "draft_card.yaml:3: error [schema.extra_forbidden] at applies_to" in err
    assert not (root / "kind.csv").exists()


#: The card in force with a manual self review (weight 10, taken from new loans) …
MANUAL_CARD = CARD.replace("weight: 50", "weight: 40") + (
    "  - {id: self_review, manual: self_review, category: development, weight: 10, "
    "method: manual}\n"
)
#: … and the draft moving 20 points from new loans to deposit growth.
MANUAL_DRAFT = MANUAL_CARD.replace("weight: 40", "weight: 20").replace(
    "weight: 30, method", "weight: 50, method"
)


def test_the_periods_inputs_feed_both_sides(root: Path) -> None:
    """`inputs` gives each period scored its manual scores, the same on both sides and asked
    once per period. Self review: RM1 80, RM2 100, RM3 50 (shares 0.80, 1, 0.50).

    In force (new loans 40, deposit growth 30, complaints 20, self review 10):
    RM1 40 × 1 + 30 × 0.25 + 20 + 8.00 = 75.50; RM2 0 + 30 + 20 + 10.00 = 60.00;
    RM3 40 × 0.5 + 30 × 0.5 + 20 + 5.00 = 60.00.
    Draft (20, 50, 20, 10): RM1 20 + 12.50 + 20 + 8.00 = 60.50; RM2 0 + 50 + 20 + 10.00 =
    80.00; RM3 10 + 25 + 20 + 5.00 = 60.00.
    Without inputs the self review is left out (used weight 90): RM2's deposit growth
    30 × 100 ÷ 90 = 33.3333 and complaints 22.2222 → 33.33 + 22.22 = 55.55.
    """
    from rmperf.engine.analysis.whatif import NO_INPUTS, ScoreInputs, in_force_side, what_if
    from rmperf.engine.lake import Lake
    from rmperf.engine.periods import Period
    from rmperf.engine.scoring.load import load_scorecards_text, parse_manual_scores

    manual = parse_manual_scores(
        "staff_id,key,score\nRM1,self_review,80\nRM2,self_review,100\nRM3,self_review,50\n"
    )
    asked: list[str] = []

    def inputs(period: Period) -> ScoreInputs:
        asked.append(period.key)
        return ScoreInputs(manual=manual) if period.key == "2026Q3" else NO_INPUTS

    lake = Lake(root / "lake", today=dt.date.fromisoformat(TODAY))
    in_force = in_force_side(cards=load_scorecards_text(MANUAL_CARD))
    draft = in_force_side(cards=load_scorecards_text(MANUAL_DRAFT), plan=in_force.plan)
    period = Period.parse("2026Q3")
    result = what_if(lake, period=period, in_force=in_force, draft=draft, inputs=inputs)
    totals = {r.staff_id: (str(r.total_in_force), str(r.total_draft)) for r in result.rows}
    assert totals == {
        "RM1": ("75.50", "60.50"),
        "RM2": ("60.00", "80.00"),
        "RM3": ("60.00", "60.00"),
    }
    assert asked == ["2026Q3"]  # the only quarter with loans: scored once per side
    bare = what_if(lake, period=period, in_force=in_force, draft=in_force)
    assert {r.staff_id: str(r.total_in_force) for r in bare.rows}["RM2"] == "55.55"
