"""The recommendation policy: the shipped default loads; named rules report file and line;
the committed JSON Schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rmperf.engine.policy import PolicyError, load_policy_text, policy_json_schema
from rmperf.engine.recommend.policy import RULES, RecommendPolicy, load_recommend_policy

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "recommend.schema.json"
DEFAULT = (
    Path(__file__).resolve().parents[2] / "src/rmperf/policies/defaults/recommend.yaml"
).read_text(encoding="utf-8")


def load(text: str) -> None:
    load_policy_text(text, RecommendPolicy, source="p.yaml", rules=RULES)


def test_default_loads_with_its_numbers() -> None:
    p = load_recommend_policy().policy
    assert p.suitability.assessment_valid_months == 12
    assert p.suitability.unassessed_max_risk == "R1"
    assert {r.family for r in p.rules} == {"behaviour", "gap", "scene"}


def test_unknown_category_names_rule_and_line() -> None:
    text = DEFAULT.replace("offer: {categories: [fund]}", "offer: {categories: [funds]}")
    line = 1 + text[: text.index("[funds]")].count("\n")
    with pytest.raises(PolicyError) as err:
        load(text)
    assert f"p.yaml:{line}: error [categories_known]" in str(err.value)


def test_renewal_outside_maturity_scene_is_refused() -> None:
    text = DEFAULT.replace("offer: {categories: [fund]}", "offer: {renew_maturing: true}")
    with pytest.raises(PolicyError, match="renewal_needs_maturity"):
        load(text)


def test_duplicate_rule_ids_are_refused() -> None:
    text = DEFAULT.replace("- id: fund_interest", "- id: wealth_interest")
    with pytest.raises(PolicyError, match="rule_ids_unique"):
        load(text)


def test_committed_schema_is_current() -> None:
    schema = policy_json_schema(RecommendPolicy)
    schema["$id"] = "https://rmperf.example/schemas/recommend.schema.json"
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == schema, (
        "docs/schemas/recommend.schema.json is stale: regenerate it from RecommendPolicy"
    )
