"""The segmentation policy: RFM windows, the M definition and the tier rules (DOMAIN §1).

Every threshold here is a default the bank may change; none is a constant in code.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from rmperf.engine.contract import BALANCE_CATEGORIES
from rmperf.engine.policy import LoadedPolicy, PolicyModel, Severity, load_policy, rule
from rmperf.engine.policy.loader import Loc

DEFAULT_FILE = "segmentation.yaml"


class Tier(StrEnum):
    """Customer tiers, best first. `other` keeps the customers no rule names visible."""

    CORE = "core"  # 核心客户
    POTENTIAL = "potential"  # 潜力客户
    BASIC = "basic"  # 基础客户
    SLEEPING = "sleeping"  # 睡眠客户
    OTHER = "other"  # 其他


class Monetary(PolicyModel):
    """What M measures: average AUM over recent months, or transaction amounts in a window."""

    measure: Literal["aum", "transaction_amount"] = "aum"
    months: int = Field(3, ge=1, le=24, description="calendar months ending with the as-of month")
    asset_categories: tuple[str, ...] = ("deposit", "wealth", "fund", "insurance")
    window_days: int = Field(90, ge=1, le=3660, description="window for transaction_amount")


class TierRule(PolicyModel):
    """One tier's rule; every bound is inclusive and an absent bound does not constrain."""

    tier: Tier
    recency_max: int | None = Field(None, ge=0)
    recency_min: int | None = Field(None, ge=0)
    frequency_min: int | None = Field(None, ge=0)
    monetary_min: Decimal | None = Field(None, ge=0, decimal_places=2)

    @model_validator(mode="after")
    def _has_a_bound(self) -> TierRule:
        bounds = (self.recency_max, self.recency_min, self.frequency_min, self.monetary_min)
        if all(b is None for b in bounds):
            raise ValueError("a tier rule needs at least one bound")
        return self

    def matches(self, recency: int, frequency: int, monetary: Decimal) -> bool:
        """Whether a customer with these R, F, M meets every bound of this rule."""
        return (
            (self.recency_max is None or recency <= self.recency_max)
            and (self.recency_min is None or recency >= self.recency_min)
            and (self.frequency_min is None or frequency >= self.frequency_min)
            and (self.monetary_min is None or monetary >= self.monetary_min)
        )


class SegmentationPolicy(PolicyModel):
    """RFM segmentation: first matching rule wins; no match gives `fallback`."""

    time_zone: str = "Asia/Shanghai"
    frequency_window_days: int = Field(90, ge=1, le=3660)
    monetary: Monetary = Monetary()
    tiers: tuple[TierRule, ...]
    fallback: Tier = Tier.OTHER

    def classify(self, recency: int, frequency: int, monetary: Decimal) -> Tier:
        """The tier of one customer: a pure function of (R, F, M, policy)."""
        for tier_rule in self.tiers:
            if tier_rule.matches(recency, frequency, monetary):
                return tier_rule.tier
        return self.fallback


@rule("asset_categories_known")
def _asset_categories_known(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, cat in enumerate(p.monetary.asset_categories):
        if cat not in BALANCE_CATEGORIES:
            yield (
                f"{cat!r} is not a balance category ({', '.join(BALANCE_CATEGORIES)})",
                ("monetary", "asset_categories", i),
            )
        if cat == "loan":
            yield "loans are liabilities, not assets", ("monetary", "asset_categories", i)


@rule("tiers_unique")
def _tiers_unique(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    seen: set[Tier] = set()
    for i, tier_rule in enumerate(p.tiers):
        if tier_rule.tier in seen:
            yield f"tier {tier_rule.tier} has two rules", ("tiers", i, "tier")
        if tier_rule.tier == p.fallback:
            yield f"{p.fallback} is the fallback and cannot have a rule", ("tiers", i, "tier")
        seen.add(tier_rule.tier)


@rule("time_zone_known")
def _time_zone_known(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(p.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"unknown time zone {p.time_zone!r}", ("time_zone",)


@rule("rule_unreachable", Severity.WARNING)
def _rule_unreachable(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    # A later rule whose every bound is implied by an earlier one can never match.
    for j, later in enumerate(p.tiers):
        for earlier in p.tiers[:j]:
            if _implies(later, earlier):
                yield (
                    f"{later.tier} can never match: every customer it accepts is {earlier.tier}",
                    ("tiers", j),
                )
                break


def _implies(later: TierRule, earlier: TierRule) -> bool:
    def covers_max(e: int | None, lt: int | None) -> bool:
        return e is None or (lt is not None and lt <= e)

    def covers_min(e: int | Decimal | None, lt: int | Decimal | None) -> bool:
        return e is None or (lt is not None and lt >= e)

    return (
        covers_max(earlier.recency_max, later.recency_max)
        and covers_min(earlier.recency_min, later.recency_min)
        and covers_min(earlier.frequency_min, later.frequency_min)
        and covers_min(earlier.monetary_min, later.monetary_min)
    )


RULES = (_asset_categories_known, _tiers_unique, _time_zone_known, _rule_unreachable)


def load_segmentation_policy(path: Path | str | None = None) -> LoadedPolicy[SegmentationPolicy]:
    """The policy at `path`, or the shipped default (DOMAIN §1 thresholds)."""
    return load_policy(path, SegmentationPolicy, default=DEFAULT_FILE, rules=RULES)
