"""The 述职 panel's score and the reviews policy, by hand (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.engine.policy import PolicyError
from rmperf.engine.policy.loader import load_policy_text
from rmperf.engine.reviews import load_reviews_policy, panel_score, trimmed
from rmperf.engine.reviews.policy import RULES, ReviewsPolicy


def d(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_four_scores_are_a_plain_mean() -> None:
    # 4 < 5: nothing dropped. (80 + 85 + 90 + 70) ÷ 4 = 325 ÷ 4 = 81.25
    assert panel_score(d("80", "85", "90", "70"), trim_from=5) == Decimal("81.25")
    assert trimmed(d("80", "85", "90", "70"), trim_from=5) == d("70", "80", "85", "90")


def test_five_scores_drop_one_highest_and_one_lowest() -> None:
    # drop 60 and 100: (70 + 80 + 90) ÷ 3 = 240 ÷ 3 = 80.00
    assert panel_score(d("60", "100", "80", "70", "90"), trim_from=5) == Decimal("80.00")
    # drop 50 and 95: (72 + 81 + 88) ÷ 3 = 241 ÷ 3 = 80.333… → 80.33
    assert panel_score(d("95", "72", "81", "50", "88"), trim_from=5) == Decimal("80.33")


def test_ties_drop_only_one_of_each() -> None:
    # 70, 70, 80, 90, 90: one 70 and one 90 go: (70 + 80 + 90) ÷ 3 = 80.00
    assert trimmed(d("90", "70", "80", "70", "90"), trim_from=5) == d("70", "80", "90")
    assert panel_score(d("90", "70", "80", "70", "90"), trim_from=5) == Decimal("80.00")
    # all equal: 85 × 6, drop two → 85.00
    assert panel_score(d(*["85"] * 6), trim_from=5) == Decimal("85.00")
    # 60, 85, 85, 85, 95, 95 (6 scores): drop 60 and one 95 → (85 × 3 + 95) ÷ 4 = 87.50
    assert panel_score(d("85", "95", "60", "85", "95", "85"), trim_from=5) == Decimal("87.50")


def test_the_mean_is_rounded_half_up() -> None:
    # (80.01 + 80.00) ÷ 2 = 80.005 → 80.01 (half-even would give 80.00)
    assert panel_score(d("80.01", "80.00"), trim_from=5) == Decimal("80.01")
    # (80.25 + 80 + 80) ÷ 3 = 80.0833… → 80.08
    assert panel_score(d("80.25", "80", "80"), trim_from=5) == Decimal("80.08")


def test_a_lower_trim_threshold_from_policy() -> None:
    # trim_from 3: 60, 80, 100 → drop 60 and 100 → 80.00; with 5 (default) → 80.00 too,
    # but 60, 80, 99 → trimmed 80.00, plain (60 + 80 + 99) ÷ 3 = 79.67
    assert panel_score(d("60", "80", "99"), trim_from=3) == Decimal("80.00")
    assert panel_score(d("60", "80", "99"), trim_from=5) == Decimal("79.67")


def test_no_score_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one score"):
        panel_score([], trim_from=5)


def test_the_shipped_policy_loads_with_its_defaults() -> None:
    policy = load_reviews_policy().policy
    assert policy.talk.overdue_days == 15
    assert policy.panel.min_members == 3
    assert policy.panel.trim_from == 5
    assert policy.panel.manual_key == "self_review"
    assert policy.attachments.types == ("pdf", "docx", "xlsx", "png", "jpg")


def test_a_bad_policy_names_file_line_and_rule() -> None:
    text = (
        "talk:\n  overdue_days: 15\n"
        "panel:\n  member_roles: [team_leader, rm]\n  manual_key: peer_feedback\n"
        "attachments:\n  types: [pdf, exe]\n"
    )
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, ReviewsPolicy, source="draft.yaml", rules=RULES)
    issues = {(i.rule, i.line) for i in caught.value.issues}
    assert ("panel_roles_known", 4) in issues
    assert ("manual_key_is_a_panel_key", 5) in issues
    assert ("attachment_types_known", 7) in issues
    assert all(i.file == "draft.yaml" for i in caught.value.issues)
