"""The pay plan's named rules: each bad plan is refused with its file, line and rule."""

from __future__ import annotations

from importlib import resources

import pytest

from rmperf.engine.pay.plan import RULES, PayPlan, load_pay_plan
from rmperf.engine.policy import PolicyError, load_policy_text

DEFAULT = resources.files("rmperf.policies").joinpath("defaults", "pay.yaml").read_text("utf-8")


def _load(text: str) -> None:
    load_policy_text(text, PayPlan, source="plan.yaml", rules=RULES)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_the_shipped_plan_is_domain_6() -> None:
    plan = load_pay_plan().policy
    assert [str(b.up_to) for b in plan.loan_pay.brackets] == ["10000000.00", "30000000.00", "None"]
    assert [str(b.rate) for b in plan.loan_pay.brackets] == ["15", "18", "20"]
    assert str(plan.base_monthly["senior"]) == "3500.00"
    assert plan.deferral.schedule == (4, 8, 12)
    assert str(plan.npl.threshold) == "0.02"
    assert plan.clawback.window_months == 36


@pytest.mark.parametrize(
    ("old", "new", "rule_name", "needle"),
    [
        (
            '{up_to: "30000000.00", rate: "18"}',
            '{up_to: "9000000.00", rate: "18"}',
            "brackets_sorted",
            "9000000.00",
        ),
        ('{rate: "20"}', '{rate: "-1"}', "rate_non_negative", 'rate: "-1"'),
        ('  senior: "3500.00"\n', "", "ranks_complete", "base_monthly:"),
        (
            'material_risk_share: "0.40"',
            'material_risk_share: "0.39"',
            "material_risk_deferral_floor",
            "material_risk_share",
        ),
        (
            "schedule: [4, 8, 12]",
            "schedule: [4, 8, 11]",
            "material_risk_deferral_floor",
            "schedule",
        ),
        ("schedule: [4, 8, 12]", "schedule: [8, 4, 12]", "deferral_schedule_sorted", "schedule"),
        ('  not_competent: "0.50"', "", "coefficients_complete", "coefficients:"),
    ],
)
def test_bad_plans_name_file_line_and_rule(old: str, new: str, rule_name: str, needle: str) -> None:
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, 1)
    with pytest.raises(PolicyError) as info:
        _load(text)
    found = [i for i in info.value.issues if i.rule == rule_name]
    assert found, info.value
    assert found[0].file == "plan.yaml"
    assert found[0].line == _line_of(text, needle)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(PolicyError) as info:
        _load(DEFAULT + "bonus_pool: 1\n")
    assert info.value.issues[0].rule == "schema.extra_forbidden"
    assert info.value.issues[0].line == _line_of(DEFAULT + "bonus_pool: 1\n", "bonus_pool")


def test_an_open_bracket_must_be_last() -> None:
    text = DEFAULT.replace('{up_to: "10000000.00", rate: "15"}', '{rate: "15"}')
    with pytest.raises(PolicyError, match=r"brackets_sorted.*only the last bracket may be open"):
        _load(text)
