"""A recommendation rule may name the customer profile's industry (`when.industries`);
only such a rule reads it. Here one example rule, not shipped policy: corporate customers
in manufacturing (制造业) are offered the payroll service.

Customers (all corporate, C3, on a hand-built lake): M in 制造业, M2 in "制造业 " with a
trailing space (the comparison ignores case and surrounding spaces), N in 餐饮, O with no
industry. Only M and M2 get the example rule's offer.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from rmperf.engine.lake import Lake
from rmperf.engine.recommend import recommend
from rmperf.engine.recommend.policy import CandidateRule, Condition, Family, Offer, Text
from tests.engine_recommend.test_golden import LOADED, TODAY, D, of, shelf
from tests.lakebuilder import LakeBuilder

RULE = CandidateRule(
    id="manufacturing_payroll",
    family=Family.GAP,
    when=Condition(customer_kinds=("corporate",), industries=("制造业",)),
    offer=Offer(product_ids=("PAY",)),
    reason=Text(zh="制造业企业 → 代发工资", en="manufacturing company → payroll service"),
    prior=Decimal("0.0500"),
)


def test_a_rule_that_names_an_industry(tmp_path: Path) -> None:
    b = LakeBuilder()
    shelf(b)
    for cid, industry in (("M", "制造业"), ("M2", "制造业 "), ("N", "餐饮"), ("O", "")):
        b.customer(cid, kind="corporate", risk_level="C3", industry=industry)
    policy = LOADED.policy.model_copy(update={"rules": (*LOADED.policy.rules, RULE)})
    result = recommend(
        Lake(b.write(tmp_path / "lake"), today=TODAY), as_of=D, policy=policy, policy_version="t"
    )
    recs = result.recommendations.to_pylist()
    fired = {r["customer_id"] for r in recs if "manufacturing_payroll" in r["rule_ids"]}
    assert fired == {"M", "M2"}
    assert [p for _rank, p, _rules in of(recs, "M")] == ["PAY"]


def test_an_empty_industry_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="industries"):
        Condition(industries=("",))
