"""The career policy: the shipped defaults are DOMAIN §6's numbers; bad ones are named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.engine.career import RULES, CareerPolicy, load_career_policy, parse_ratings
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.policy.loader import PolicyIssue
from rmperf.engine.scoring.policy import Tier
from rmperf.policies.kinds import KINDS

GOOD = """\
as_of_month: 12
ladder:
  junior: {min_years_since_hire: 1, min_rating: competent}
  intermediate:
    min_managed_loans: 50
    max_overdue_rate: "0.01"
    min_rating: competent
  senior:
    min_managed_loans: 100
    max_overdue_rate: "0.01"
    min_rating: good
    rating_years: 2
grade_steps: {outstanding: 3, good: 2, competent: 1, not_competent: 0}
negative_list: {min_peers: 2, recovery_quarters: 2}
"""


def _issues(text: str) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, CareerPolicy, source="career.yaml", rules=RULES)
    return info.value.issues


def test_defaults_are_the_domain_numbers() -> None:
    p = load_career_policy().policy
    assert p.as_of_month == 12
    assert (p.ladder.junior.min_years_since_hire, p.ladder.junior.min_rating) == (
        1,
        Tier.COMPETENT,
    )
    inter, senior = p.ladder.intermediate, p.ladder.senior
    assert (inter.min_managed_loans, inter.max_overdue_rate, inter.min_rating) == (
        50,
        Decimal("0.01"),
        Tier.COMPETENT,
    )
    assert (senior.min_managed_loans, senior.max_overdue_rate, senior.min_rating) == (
        100,
        Decimal("0.01"),
        Tier.GOOD,
    )
    assert senior.rating_years == 2
    assert [p.grade_steps.of(t) for t in Tier] == [3, 2, 1, 0]
    assert p.honours == (Tier.OUTSTANDING,) and p.training_priority == (Tier.OUTSTANDING,)
    assert (p.negative_list.min_peers, p.negative_list.recovery_quarters) == (2, 2)


def test_the_app_stores_it_as_a_kind() -> None:
    spec = KINDS["career"]
    loaded = spec.load(spec.default_text(), "defaults/career.yaml")
    assert loaded.digest == load_career_policy().digest


def test_unknown_key_names_its_line() -> None:
    issues = _issues(GOOD.replace("  senior:\n", "  senior:\n    min_loans: 3\n"))
    assert [(i.rule, i.line) for i in issues] == [("schema.extra_forbidden", 9)]


def test_overdue_limit_without_a_loan_count() -> None:
    text = GOOD.replace("    min_managed_loans: 50\n", "")
    issues = _issues(text)
    assert [(i.rule, i.line, i.loc) for i in issues] == [
        ("overdue_needs_loans", 5, ("ladder", "intermediate", "max_overdue_rate")),
    ]


def test_min_peers_one_would_list_a_sole_rm() -> None:
    issues = _issues(GOOD.replace("min_peers: 2", "min_peers: 1"))
    assert [(i.rule, i.line) for i in issues] == [("negative_list_needs_comparison", 14)]


def test_grade_steps_must_follow_the_tiers() -> None:
    issues = _issues(GOOD.replace("good: 2, competent: 1", "good: 1, competent: 2"))
    assert [(i.rule, i.loc) for i in issues] == [
        ("grade_steps_follow_tiers", ("grade_steps", "competent"))
    ]


def test_overdue_rate_above_one_is_refused() -> None:
    issues = _issues(
        GOOD.replace(
            'max_overdue_rate: "0.01"\n    min_rating: good',
            'max_overdue_rate: "1.5"\n    min_rating: good',
        )
    )
    assert [(i.rule, i.line) for i in issues] == [("schema.less_than_equal", 10)]


def test_ratings_file_extra_columns_and_repeated_headers() -> None:
    text = "staff_id,period,tier,total\nA,2026,good,80\nstaff_id,period,tier,total\nB,2026Q3,competent,61\n"
    got = parse_ratings(text, source="r.csv")
    assert {k: str(v.tier) for k, v in got.items()} == {
        ("A", "2026"): "good",
        ("B", "2026Q3"): "competent",
    }


def test_ratings_file_problems_name_file_line_and_rule() -> None:
    text = "staff_id,period,tier\nA,2026,good\nA,2026,good\nB,2026,优秀\nC,20XX,good\n"
    with pytest.raises(PolicyError) as info:
        parse_ratings(text, source="r.csv")
    assert [(i.file, i.line, i.rule) for i in info.value.issues] == [
        ("r.csv", 3, "ratings.duplicate"),
        ("r.csv", 4, "ratings.tier"),
        ("r.csv", 5, "ratings.row"),
    ]
    with pytest.raises(PolicyError) as missing:
        parse_ratings("staff_id,tier\nA,good\n", source="r.csv")
    assert missing.value.issues[0].rule == "ratings.columns"
    assert missing.value.issues[0].line == 1
