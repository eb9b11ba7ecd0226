"""The weekly "high-potential, not yet developed" list per RM (高潜力待开发客户, DOMAIN §3).

From a segmentation result (SEGMENT_SCHEMA): customers of a candidate tier (policy
`high_potential.candidates`, default potential, basic, other) who are near their next
tier up on the policy's ladder. Near means every bound of the next tier's rule is met or
within the policy's slack, and at least one is not met:
- R: recency_days ≤ recency_max + recency_slack_days;
- F: frequency ≥ frequency_min − frequency_gap;
- M: monetary ≥ monetary_share × monetary_min (exact decimals, no rounding).
The reason names what is missing, in English and Chinese ("M 430,000.00 of 500,000.00
needed for core; F 4 of 5"); the suggested action is the first action of the service
plan of the customer's tier (of the next tier when the customer's tier has no plan).
Rows are ranked per RM (rm_id; customers without an RM form their own book) by
contribution, highest first (unknown last: a stored row may lack it), then M, then
customer id; `max_per_rm` keeps the top of each book. An unknown product_count passes the
optional `max_product_count` filter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rmperf.engine.segmentation.policy import SegmentationPolicy, ServicePlan, Tier, TierRule

POTENTIAL_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("rm_id", pa.string(), nullable=True),
        pa.field("tier", pa.string(), nullable=False),
        pa.field("next_tier", pa.string(), nullable=False),
        pa.field("gap_recency", pa.int64(), nullable=True),
        pa.field("gap_frequency", pa.int64(), nullable=True),
        pa.field("gap_monetary", pa.decimal128(18, 2), nullable=True),
        pa.field("reason_en", pa.string(), nullable=False),
        pa.field("reason_zh", pa.string(), nullable=False),
        pa.field("action_en", pa.string(), nullable=True),
        pa.field("action_zh", pa.string(), nullable=True),
        pa.field("contribution", pa.decimal128(18, 2), nullable=True),
        pa.field("rank_in_book", pa.int64(), nullable=False),
    ]
)

#: Tier names in Chinese (DOMAIN glossary), for the reason text.
TIER_ZH: dict[Tier, str] = {
    Tier.CORE: "核心客户",
    Tier.POTENTIAL: "潜力客户",
    Tier.BASIC: "基础客户",
    Tier.SLEEPING: "睡眠客户",
    Tier.OTHER: "其他客户",
}


@dataclass(frozen=True)
class Gap:
    """How far a customer is from one tier rule; None where the rule has no bound."""

    recency: int | None
    frequency: int | None
    monetary: Decimal | None

    @property
    def missing(self) -> bool:
        return any(g for g in (self.recency, self.frequency, self.monetary))


def next_rule(policy: SegmentationPolicy, tier: Tier) -> TierRule | None:
    """The rule of the rung above `tier` on the policy's ladder (the lowest rung for a
    tier off the ladder); None at the top, or when that rung has no rule."""
    above = policy.next_tier(tier)
    return policy.tier_rule(above) if above is not None else None


def gap_to(rule: TierRule, recency: int, frequency: int, monetary: Decimal) -> Gap:
    """What is missing to meet `rule` (0 where a bound is met)."""
    return Gap(
        recency=None if rule.recency_max is None else max(0, recency - rule.recency_max),
        frequency=None if rule.frequency_min is None else max(0, rule.frequency_min - frequency),
        monetary=None
        if rule.monetary_min is None
        else max(Decimal(0), rule.monetary_min - monetary),
    )


def is_near(
    rule: TierRule, recency: int, frequency: int, monetary: Decimal, policy: SegmentationPolicy
) -> bool:
    """Every bound of `rule` is met or within the policy's slack (recency_min: met)."""
    hp = policy.high_potential
    return (
        (rule.recency_max is None or recency <= rule.recency_max + hp.recency_slack_days)
        and (rule.recency_min is None or recency >= rule.recency_min)
        and (rule.frequency_min is None or frequency >= rule.frequency_min - hp.frequency_gap)
        and (rule.monetary_min is None or monetary >= hp.monetary_share * rule.monetary_min)
    )


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def reasons(rule: TierRule, recency: int, frequency: int, monetary: Decimal) -> tuple[str, str]:
    """What is missing to reach `rule`, in English and Chinese; M first, then F, then R."""
    en: list[str] = []
    zh: list[str] = []
    if rule.monetary_min is not None and monetary < rule.monetary_min:
        en.append(f"M {_money(monetary)} of {_money(rule.monetary_min)}")
        zh.append(f"资产 {_money(monetary)} / {_money(rule.monetary_min)}")
    if rule.frequency_min is not None and frequency < rule.frequency_min:
        en.append(f"F {frequency} of {rule.frequency_min}")
        zh.append(f"交易 {frequency} / {rule.frequency_min} 笔")
    if rule.recency_max is not None and recency > rule.recency_max:
        en.append(f"R {recency} days, at most {rule.recency_max}")
        zh.append(f"距上次交易 {recency} 天,需不超过 {rule.recency_max} 天")
    name_zh = TIER_ZH[rule.tier]
    reason_en = f"{en[0]} needed for {rule.tier}" + "".join(f"; {p}" for p in en[1:])
    reason_zh = f"升级{name_zh}还差:" + ";".join(zh)
    return reason_en, reason_zh


def suggested_action(
    policy: SegmentationPolicy, tier: Tier, next_tier: Tier
) -> tuple[str | None, str | None]:
    """The first action of the tier's service plan (or the next tier's), as 'plan: action'."""
    plan: ServicePlan | None = policy.service_plans.get(tier) or policy.service_plans.get(next_tier)
    if plan is None:
        return None, None
    action = plan.actions[0]
    return f"{plan.names.en}: {action.en}", f"{plan.names.zh}:{action.zh}"


def high_potential(segments: pa.Table, *, policy: SegmentationPolicy) -> pa.Table:
    """The high-potential list (POTENTIAL_SCHEMA) from a segmentation result."""
    hp = policy.high_potential
    candidates = set(hp.candidates)
    books: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    wanted = ["customer_id", "rm_id", "tier", "recency_days", "frequency", "monetary"]
    wanted += ["product_count", "contribution"]
    for row in segments.select(wanted).to_pylist():
        tier = Tier(row["tier"])
        if tier not in candidates:
            continue
        count = row["product_count"]
        if hp.max_product_count is not None and count is not None and count > hp.max_product_count:
            continue
        rule = next_rule(policy, tier)
        if rule is None:
            continue
        next_tier = rule.tier
        r, f, m = row["recency_days"], row["frequency"], row["monetary"]
        gap = gap_to(rule, r, f, m)
        if not gap.missing or not is_near(rule, r, f, m, policy):
            continue
        reason_en, reason_zh = reasons(rule, r, f, m)
        action_en, action_zh = suggested_action(policy, tier, next_tier)
        books[row["rm_id"]].append(
            {
                "customer_id": row["customer_id"],
                "rm_id": row["rm_id"],
                "tier": tier.value,
                "next_tier": next_tier.value,
                "gap_recency": gap.recency,
                "gap_frequency": gap.frequency,
                "gap_monetary": gap.monetary,
                "reason_en": reason_en,
                "reason_zh": reason_zh,
                "action_en": action_en,
                "action_zh": action_zh,
                "contribution": row["contribution"],
                "_monetary": m,
            }
        )
    rows: list[dict[str, Any]] = []
    for rm_id in sorted(books, key=lambda k: (k is None, k or "")):
        book = sorted(
            books[rm_id],
            key=lambda x: (
                x["contribution"] is None,
                -(x["contribution"] or 0),
                -x["_monetary"],
                x["customer_id"],
            ),
        )
        if hp.max_per_rm is not None:
            book = book[: hp.max_per_rm]
        for rank, entry in enumerate(book, start=1):
            entry.pop("_monetary")
            rows.append({**entry, "rank_in_book": rank})
    return pa.Table.from_pylist(rows, schema=POTENTIAL_SCHEMA)
