"""The workload and gaming policies: shipped defaults as DOMAIN §8 states them, named
rules, and the committed JSON Schemas."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.analysis.policy import (
    GAMING_RULES,
    WORKLOAD_RULES,
    GamingPolicy,
    InteractionActivity,
    WorkloadPolicy,
    load_gaming_policy,
    load_workload_policy,
)
from rmperf.engine.policy import PolicyError, load_policy_text, policy_json_schema

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_shipped_workload_defaults() -> None:
    p = load_workload_policy().policy
    assert (p.loan_activities.loan_investigation, p.loan_activities.loan_entry) == (
        Decimal("2"),
        Decimal("0.5"),
    )
    assert p.loan_activities.loan_signing == Decimal("1")
    assert p.aum_benchmark == Decimal("800000.00")
    by_id = {a.id: a for a in p.activities}
    assert set(by_id) == {"visit", "call", "account_opening", "request"}
    visit = by_id["visit"]
    assert isinstance(visit, InteractionActivity)
    assert visit.channels == ("visit",)
    assert all(a.reason for a in p.activities)


def test_shipped_gaming_defaults() -> None:
    loaded = load_gaming_policy()
    p = loaded.policy
    assert p.loan_bunching.last_days == 10
    assert p.loan_bunching.max_share == Decimal("0.4")
    assert p.balance_pump.categories == ("deposit",)
    assert loaded.warnings == ()


def test_unknown_key_is_an_error_with_its_line() -> None:
    text = "aum_benchmark: '800000.00'\nloan_activities:\n  loan_investigaton: '2'\n"
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, WorkloadPolicy, source="w.yaml", rules=WORKLOAD_RULES)
    assert "w.yaml:3: error [schema.extra_forbidden]" in str(err.value)


def test_loan_balance_is_no_pump() -> None:
    text = "balance_pump:\n  categories: [deposit, loan]\n"
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, GamingPolicy, source="g.yaml", rules=GAMING_RULES)
    assert "g.yaml:2: error [balance_categories_known]" in str(err.value)


def test_reserved_activity_id() -> None:
    text = "activities:\n  - id: loans\n    source: requests\n    days_each: '1'\n    reason: x\n"
    with pytest.raises(PolicyError, match=r"w.yaml:2: error \[activity_ids_unique\]"):
        load_policy_text(text, WorkloadPolicy, source="w.yaml", rules=WORKLOAD_RULES)


def test_all_rules_off_is_a_warning() -> None:
    text = "".join(
        f"{r}:\n  enabled: false\n"
        for r in (
            "balance_pump",
            "loan_bunching",
            "split_transactions",
            "circular_referrals",
            "bulk_task_closing",
        )
    )
    loaded = load_policy_text(text, GamingPolicy, source="g.yaml", rules=GAMING_RULES)
    assert [w.rule for w in loaded.warnings] == ["no_rule_enabled"]


@pytest.mark.parametrize(
    ("name", "model"), [("workload", WorkloadPolicy), ("gaming", GamingPolicy)]
)
def test_committed_schema_is_current(name: str, model: type[WorkloadPolicy | GamingPolicy]) -> None:
    schema = policy_json_schema(model)
    schema["$id"] = f"https://rmperf.example/schemas/{name}.schema.json"
    committed = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert committed == schema, f"docs/schemas/{name}.schema.json is stale: regenerate it"
