"""Every scorecard validation rule fires, naming the file, the line and the rule."""

from __future__ import annotations

import pytest

from rmperf.engine.policy import PolicyError, Severity
from rmperf.engine.scoring import load_scorecard_text, load_scorecards
from tests.engine_scoring.library import LIB

BASE = """\
name: t
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
lines:
  - indicator: deposit_avg_growth
    weight: 50
    method: ratio
    target: {value: "400"}
    cap: "1.2"
  - indicator: nps
    weight: 20
    method: bands
    bands:
      - {max: "0", share: "0"}
      - {min: "0", share: "1"}
  - indicator: complaints
    weight: 20
    method: deduction
    per_occurrence: "5"
  - indicator: compliance_breaches
    weight: 10
    method: veto
    breach: {ge: "1"}
bonus_cap: 5
rating:
  bands:
    - {tier: outstanding, min: 90, max: 105}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
"""


def issues(text: str) -> list[tuple[str, int | None]]:
    with pytest.raises(PolicyError) as exc:
        load_scorecard_text(text, source="card.yaml", library=LIB)
    for issue in exc.value.issues:
        assert issue.file == "card.yaml"
    return [(i.rule, i.line) for i in exc.value.issues if i.severity is Severity.ERROR]


def test_base_card_is_valid() -> None:
    loaded = load_scorecard_text(BASE, source="card.yaml", library=LIB)
    assert loaded.warnings == ()


def test_weights_must_sum_to_100() -> None:
    assert issues(BASE.replace("weight: 50", "weight: 55")) == [("weights_sum_to_100", 4)]


def test_weights_over_100_rejected() -> None:
    text = BASE.replace("weight: 50", "weight: 150")
    assert ("weights_sum_to_100", 4) in issues(text)


def test_unknown_indicator() -> None:
    assert issues(BASE.replace("indicator: nps", "indicator: nps_score")) == [
        ("indicator_exists", 10)
    ]


def test_point_in_time_balance_rejected() -> None:
    text = BASE.replace("indicator: deposit_avg_growth", "indicator: deposit_month_end")
    assert issues(text) == [("balance_daily_average", 5)]


def test_category_must_be_one_of_five() -> None:
    assert issues(BASE.replace("indicator: nps", "indicator: uncategorised_kpi")) == [
        ("category_known", 10)
    ]


def test_manual_line_takes_no_indicator() -> None:
    text = BASE.replace(
        "bonus_cap: 5",
        "  - {id: m, manual: m, indicator: nps, category: development, weight: 0, method: manual}\n"
        "bonus_cap: 5",
    )
    assert ("line_ids_unique", 24) in issues(text)


def test_point_in_time_aggregation_rejected() -> None:
    text = BASE.replace("indicator: deposit_avg_growth", "indicator: aum_period_end")
    assert issues(text) == [("balance_daily_average", 5)]


def test_deposit_market_share_rejected() -> None:
    text = BASE.replace("indicator: deposit_avg_growth", "indicator: deposit_market_share")
    assert issues(text) == [("no_deposit_ranking", 5)]


def test_deposit_ranking_rejected() -> None:
    text = BASE.replace(
        """    method: ratio
    target: {value: "400"}
    cap: "1.2"
""",
        "    method: rank\n",
    )
    assert issues(text) == [("no_deposit_ranking", 7)]
    assert issues(text.replace("method: rank", "method: percentile")) == [("no_deposit_ranking", 7)]


def test_compliance_and_risk_share() -> None:
    text = BASE.replace('per_occurrence: "5"', 'per_occurrence: "5"').replace(
        "  - indicator: complaints", "  - indicator: avg_response_hours"
    )
    # compliance + risk now weigh 10 (the veto line) < 20
    assert issues(text) == [("compliance_risk_share", 4)]
    raised = text.replace(
        "applies_to: {business_line: retail}\n",
        "applies_to: {business_line: retail}\nmin_compliance_risk_share: 10\n",
    )
    load_scorecard_text(raised, source="card.yaml", library=LIB)


def test_floor_above_cap() -> None:
    assert issues(BASE.replace('cap: "1.2"', 'cap: "1.2"\n    floor: "1.5"')) == [
        ("params_consistent", 10)
    ]


def test_bands_with_a_gap_or_overlap() -> None:
    gap = BASE.replace('- {min: "0", share: "1"}', '- {min: "10", share: "1"}')
    assert issues(gap) == [("params_consistent", 15)]
    closed = BASE.replace('- {min: "0", share: "1"}', '- {min: "0", max: "100", share: "1"}')
    assert issues(closed) == [("params_consistent", 15)]


def test_bands_must_not_punish_a_better_value() -> None:
    text = BASE.replace('{max: "0", share: "0"}', '{max: "0", share: "1"}').replace(
        '{min: "0", share: "1"}', '{min: "0", share: "0.5"}'
    )
    assert issues(text) == [("params_consistent", 13)]


def test_veto_breach_must_be_the_worse_side() -> None:
    assert issues(BASE.replace('breach: {ge: "1"}', 'breach: {le: "1"}')) == [
        ("params_consistent", 23)
    ]
    assert issues(BASE.replace('breach: {ge: "1"}', 'breach: {ge: "1", gt: "2"}')) == [
        ("params_consistent", 23)
    ]


def test_veto_cap_needs_total_cap() -> None:
    assert issues(BASE.replace('breach: {ge: "1"}', 'breach: {ge: "1"}\n    effect: cap')) == [
        ("params_consistent", 24)
    ]


def test_deduction_only_on_lower_is_better() -> None:
    text = BASE.replace("indicator: complaints", "indicator: fee_income")
    assert ("params_consistent", 18) in issues(text)


def test_fixed_target_needs_a_value() -> None:
    assert issues(BASE.replace('target: {value: "400"}', "target: {source: fixed}")) == [
        ("params_consistent", 8)
    ]


def test_seasonality_sums_to_one() -> None:
    text = BASE.replace(
        'target: {value: "400"}', 'target: {value: "400", seasonality: [".3", ".3", ".3", ".3"]}'
    )
    assert issues(text) == [("params_consistent", 8)]


def test_rating_bands_cover_without_gap_or_overlap() -> None:
    assert issues(BASE.replace("min: 75, max: 90", "min: 76, max: 90")) == [
        ("rating_bands_cover", 28)
    ]
    assert issues(BASE.replace("min: 75, max: 90", "min: 74, max: 90")) == [
        ("rating_bands_cover", 28)
    ]
    # the top band must reach 100 + bonus cap (105)
    assert issues(BASE.replace("min: 90, max: 105", "min: 90, max: 100")) == [
        ("rating_bands_cover", 27)
    ]
    assert issues(BASE.replace("min: 0, max: 60", "min: 1, max: 60")) == [
        ("rating_bands_cover", 30)
    ]


def test_rating_tiers_in_order() -> None:
    text = BASE.replace("tier: outstanding", "tier: x").replace("tier: good", "tier: outstanding")
    text = text.replace("tier: x", "tier: good")
    assert issues(text) == [("rating_bands_cover", 26)]


def test_forced_distribution_tiebreak_line_exists() -> None:
    text = BASE + (
        "  forced_distribution:\n"
        "    caps: [{tier: outstanding, max_share: '0.15'}]\n"
        "    tiebreak_line: nope\n"
    )
    assert issues(text) == [("forced_distribution_sound", 33)]


def test_schema_errors_name_the_line() -> None:
    assert issues(BASE.replace('    cap: "1.2"', '    cap: "1.2"\n    capp: 1')) == [
        ("schema.extra_forbidden", 5)
    ]
    assert issues(BASE.replace("method: deduction", "method: deduct")) == [
        ("schema.union_tag_invalid", 16)
    ]


def test_duplicate_line_ids() -> None:
    text = BASE.replace("indicator: nps", "indicator: deposit_avg_growth")
    assert ("line_ids_unique", 10) in issues(text)


def test_zero_weight_line_warns() -> None:
    text = BASE.replace("weight: 20\n    method: bands", "weight: 0\n    method: bands").replace(
        "weight: 50", "weight: 70"
    )
    loaded = load_scorecard_text(text, source="card.yaml", library=LIB)
    assert [(w.rule, w.line) for w in loaded.warnings] == [("weight_positive", 11)]


def test_shipped_defaults_are_valid() -> None:
    cards = load_scorecards(library=LIB)
    assert sorted(cards) == ["branch_unit", "corporate_rm", "retail_rm", "sci_tech_rm"]
    corporate = cards["corporate_rm"].policy
    assert corporate.line("supply_chain_finance").weight == 35
    assert corporate.line("risk_due_diligence").weight == 15
    assert cards["sci_tech_rm"].policy.line("sci_tech_customers").weight == 25
    assert cards["sci_tech_rm"].policy.line("risk_due_diligence").weight == 15
    overdue = corporate.line("overdue_rate")
    assert overdue.warning is not None and str(overdue.warning) == "≥ 0.015"
    # Issue #14: the risk department's 15% on every card, the retail card included, and
    # mystery-shopper and peer-review lines (5 each) on every card; each still sums to 100.
    for loaded in cards.values():
        card = loaded.policy
        if card.is_unit:  # the branch card: tests/engine_scoring/test_units.py
            continue
        assert card.line("risk_due_diligence").weight == 15
        assert card.line("mystery_shopper").weight == 5
        assert card.line("peer_review").weight == 5
        assert sum(ln.weight for ln in card.lines) == 100


def test_one_card_per_business_line(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "a.yaml").write_text(BASE, encoding="utf-8")
    (folder / "b.yaml").write_text(BASE.replace("name: t", "name: t2"), encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_scorecards(folder, library=LIB)
    assert [i.rule for i in exc.value.issues] == ["one_card_per_business_line"]


def test_adjustment_direction() -> None:
    text = BASE + "adjustments:\n  - {id: x, kind: deduction, indicator: fee_income, per_unit: 1}\n"
    assert issues(text) == [("params_consistent", 32)]


def test_shipped_defaults_are_valid_against_the_real_library() -> None:
    from rmperf.engine.indicators import LIBRARY

    cards = load_scorecards()
    for loaded in cards.values():
        for line in loaded.policy.lines:
            if line.indicator is not None:
                assert line.indicator in LIBRARY
        assert loaded.warnings == ()
