"""The segmentation policy: RFM windows, the M definition and the tier rules (DOMAIN §1),
the customer tags, the value estimate (seed 002), the high-potential list (DOMAIN §3) and
the service plan of each tier.

Every threshold here is a default the bank may change; none is a constant in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from rmperf.engine.contract import (
    BALANCE_CATEGORIES,
    CUSTOMER_KINDS,
    EVENT_KIND_PATTERN,
    LOAN_GRADES,
    PRODUCT_CATEGORIES,
)
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


class Text(PolicyModel):
    """A text shown to people, in both shipped languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


CustomerKind = Literal["retail", "corporate"]


class TagSource(StrEnum):
    """Where a tag's evidence comes from."""

    EVENTS = "events"  # ≥ min_count events of `kinds` with business date in the window
    BIRTHDAY = "birthday"  # birthday (month and day) in D … D + window − 1
    OPENED = "opened"  # opened_on in D − window + 1 … D (a new customer)
    CONTACT_VERIFIED = "contact_verified"  # contact data older than `months` months
    MARKETING_OPT_OUT = "marketing_opt_out"  # refused personalised marketing (PIPL art. 24)


class TagRule(PolicyModel):
    """One tag: an id, its names, and the evidence that sets it at the as-of date D.

    Windows are in days and include D: a window of 30 covers D − 29 … D (events,
    opened) or D … D + 29 (birthday). An event kind also matches its dotted sub-kinds
    (`complaint` matches `complaint.fees`). Which fields a source needs is checked by
    the rule `tag_rule_fields`.
    """

    id: str
    names: Text
    source: TagSource = TagSource.EVENTS
    kinds: tuple[str, ...] = ()
    window_days: int | None = None
    min_count: int | None = None
    months: int | None = None
    customer_kinds: tuple[CustomerKind, ...] = ("retail", "corporate")


class RateSource(PolicyModel):
    """A rate given in the policy, or read from one product's `revenue_rate` in the lake."""

    rate: Decimal | None = Field(None, ge=0, le=1, decimal_places=6)
    product_id: str | None = None


class DepositSpread(PolicyModel):
    """The annual spread the bank earns on a unit of average deposit, per customer kind."""

    retail: RateSource = RateSource(rate=Decimal("0.015000"))
    corporate: RateSource = RateSource(rate=Decimal("0.012000"))

    def for_kind(self, kind: str) -> RateSource:
        return self.retail if kind == "retail" else self.corporate


class DepositValue(PolicyModel):
    """Deposit spread income: average daily deposit balance × spread."""

    months: int = Field(12, ge=1, le=60, description="calendar months ending with D's month")
    categories: tuple[str, ...] = ("deposit",)
    spread: DepositSpread = DepositSpread()


class SettlementValue(PolicyModel):
    """Settlement income: transactions in the last `months` months × a fee, annualised."""

    months: int = Field(12, ge=1, le=60)
    fee_per_transaction: Decimal = Field(Decimal("0.50"), ge=0, decimal_places=2)


class ValuePolicy(PolicyModel):
    """The customer value estimate (seed 002): expected annual contribution to the bank."""

    deposit: DepositValue = DepositValue()
    fee_categories: tuple[str, ...] = ("wealth", "fund", "insurance", "trust")
    loan_earning_grades: tuple[str, ...] = ("normal", "special_mention")
    settlement: SettlementValue = SettlementValue()


class HighPotentialPolicy(PolicyModel):
    """The weekly "high-potential, not yet developed" list (DOMAIN §3).

    `ladder` is the development path, lowest rung first: the next tier up of a rung is
    the rung above; of a tier off the ladder (other, sleeping) the lowest rung. A
    candidate is near its next tier when every bound of that tier is met or within the
    slack below, and at least one is not met.
    """

    ladder: tuple[Tier, ...] = (Tier.BASIC, Tier.POTENTIAL, Tier.CORE)
    candidates: tuple[Tier, ...] = (Tier.POTENTIAL, Tier.BASIC, Tier.OTHER)
    monetary_share: Decimal = Field(Decimal("0.80"), gt=0, le=1, decimal_places=4)
    frequency_gap: int = Field(1, ge=0)
    recency_slack_days: int = Field(15, ge=0)
    max_product_count: int | None = Field(None, ge=0)
    max_per_rm: int | None = Field(20, ge=1)


class Cadence(StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    HOLIDAYS = "holidays"


class PlanAction(PolicyModel):
    """One step of a service plan, optionally on a calendar."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    cadence: Cadence | None = None


class ServicePlan(PolicyModel):
    """How the bank serves a tier (DOMAIN §1): a named plan and its actions."""

    names: Text
    summary: Text
    actions: tuple[PlanAction, ...] = Field(min_length=1)


class SegmentationPolicy(PolicyModel):
    """RFM segmentation: first matching rule wins; no match gives `fallback`."""

    time_zone: str = "Asia/Shanghai"
    frequency_window_days: int = Field(90, ge=1, le=3660)
    monetary: Monetary = Monetary()
    tiers: tuple[TierRule, ...]
    fallback: Tier = Tier.OTHER
    risk_assessment_valid_months: int = Field(
        12, ge=1, le=120, description="an assessment is current while D − months < date ≤ D"
    )
    tags: tuple[TagRule, ...] = ()
    value: ValuePolicy = ValuePolicy()
    high_potential: HighPotentialPolicy = HighPotentialPolicy()
    service_plans: dict[Tier, ServicePlan] = Field(default_factory=dict)

    def ladder(self) -> tuple[Tier, ...]:
        """The high-potential ladder's rungs that have a tier rule, lowest first."""
        return tuple(t for t in self.high_potential.ladder if self.tier_rule(t) is not None)

    def next_tier(self, tier: Tier) -> Tier | None:
        """The rung above `tier`, the lowest rung for a tier off the ladder, None at the top."""
        ladder = self.ladder()
        if tier not in ladder:
            return ladder[0] if ladder else None
        i = ladder.index(tier)
        return ladder[i + 1] if i + 1 < len(ladder) else None

    def tier_rule(self, tier: Tier) -> TierRule | None:
        """The rule of `tier`, or None (the fallback has none)."""
        for tier_rule in self.tiers:
            if tier_rule.tier == tier:
                return tier_rule
        return None

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


TAG_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_EVENT_KIND = re.compile(EVENT_KIND_PATTERN)
#: The fields each tag source reads; any other optional field set is an error.
_TAG_FIELDS: dict[TagSource, frozenset[str]] = {
    TagSource.EVENTS: frozenset({"kinds", "window_days", "min_count"}),
    TagSource.BIRTHDAY: frozenset({"window_days"}),
    TagSource.OPENED: frozenset({"window_days"}),
    TagSource.CONTACT_VERIFIED: frozenset({"months"}),
    TagSource.MARKETING_OPT_OUT: frozenset(),
}
_TAG_REQUIRED: dict[TagSource, frozenset[str]] = {
    TagSource.EVENTS: frozenset({"kinds", "window_days"}),
    TagSource.BIRTHDAY: frozenset({"window_days"}),
    TagSource.OPENED: frozenset({"window_days"}),
    TagSource.CONTACT_VERIFIED: frozenset({"months"}),
    TagSource.MARKETING_OPT_OUT: frozenset(),
}
MAX_WINDOW_DAYS = 3660
MAX_BIRTHDAY_WINDOW_DAYS = 366


@rule("tag_ids_unique")
def _tag_ids_unique(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    seen: set[str] = set()
    for i, tag in enumerate(p.tags):
        if not TAG_ID_PATTERN.match(tag.id):
            yield (
                f"tag id {tag.id!r} must be lower-case letters, digits and _ (it is joined "
                "with ';' in the tags column)",
                ("tags", i, "id"),
            )
        if tag.id in seen:
            yield f"tag {tag.id!r} is defined twice", ("tags", i, "id")
        seen.add(tag.id)


@rule("tag_event_kinds_known")
def _tag_event_kinds_known(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, tag in enumerate(p.tags):
        for j, kind in enumerate(tag.kinds):
            if not _EVENT_KIND.match(kind):
                yield (
                    f"{kind!r} is not an event kind (dotted lower-case words, e.g. "
                    "page_view.mortgage)",
                    ("tags", i, "kinds", j),
                )
        if len(set(tag.kinds)) != len(tag.kinds):
            yield f"tag {tag.id!r} lists a kind twice", ("tags", i, "kinds")


@rule("tag_rule_fields")
def _tag_rule_fields(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, tag in enumerate(p.tags):
        given = {
            name
            for name in ("kinds", "window_days", "min_count", "months")
            if getattr(tag, name) not in (None, ())
        }
        for name in sorted(given - _TAG_FIELDS[tag.source]):
            yield f"{name} is not used by a {tag.source} tag", ("tags", i, name)
        for name in sorted(_TAG_REQUIRED[tag.source] - given):
            yield f"a {tag.source} tag needs {name}", ("tags", i)
        if not tag.customer_kinds:
            yield "customer_kinds is empty: the tag could never be set", ("tags", i)


@rule("tag_windows_positive")
def _tag_windows_positive(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, tag in enumerate(p.tags):
        limit = MAX_BIRTHDAY_WINDOW_DAYS if tag.source is TagSource.BIRTHDAY else MAX_WINDOW_DAYS
        if tag.window_days is not None and not 1 <= tag.window_days <= limit:
            yield f"window_days must be 1 … {limit}", ("tags", i, "window_days")
        if tag.min_count is not None and tag.min_count < 1:
            yield "min_count must be at least 1", ("tags", i, "min_count")
        if tag.months is not None and not 1 <= tag.months <= 120:
            yield "months must be 1 … 120", ("tags", i, "months")


@rule("value_rate_source")
def _value_rate_source(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for kind in CUSTOMER_KINDS:
        source = p.value.deposit.spread.for_kind(kind)
        if (source.rate is None) == (source.product_id is None):
            yield (
                "give exactly one of rate (in the policy) or product_id (its revenue_rate "
                "in the lake)",
                ("value", "deposit", "spread", kind),
            )


#: Categories the value estimate counts elsewhere: deposits through balances, loans
#: through loan_status. Charging a fee on them too would count them twice.
_NOT_FEE_CATEGORIES = ("deposit", "time_deposit", "mortgage", "consumer_loan", "business_loan")


@rule("value_categories_known")
def _value_categories_known(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, cat in enumerate(p.value.deposit.categories):
        if cat not in BALANCE_CATEGORIES or cat == "loan":
            yield (
                f"{cat!r} is not a deposit balance category",
                ("value", "deposit", "categories", i),
            )
    for i, cat in enumerate(p.value.fee_categories):
        if cat not in PRODUCT_CATEGORIES:
            yield (
                f"{cat!r} is not a product category ({', '.join(PRODUCT_CATEGORIES)})",
                ("value", "fee_categories", i),
            )
        elif cat in _NOT_FEE_CATEGORIES:
            yield (
                f"{cat} is counted as deposit or loan income; a fee on it counts it twice",
                ("value", "fee_categories", i),
            )
    for i, grade in enumerate(p.value.loan_earning_grades):
        if grade not in LOAN_GRADES:
            yield (
                f"{grade!r} is not a loan grade ({', '.join(LOAN_GRADES)})",
                ("value", "loan_earning_grades", i),
            )


@rule("high_potential_ladder")
def _high_potential_ladder(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    hp = p.high_potential
    order = {r.tier: i for i, r in enumerate(p.tiers)}
    for i, tier in enumerate(hp.ladder):
        tier_rule = p.tier_rule(tier)
        if tier_rule is not None and tier_rule.recency_min is not None:
            yield (
                f"{tier} is defined by inactivity (recency_min); it is not a rung to climb",
                ("high_potential", "ladder", i),
            )
        if tier in hp.ladder[:i]:
            yield f"{tier} is on the ladder twice", ("high_potential", "ladder", i)
        for below in hp.ladder[:i]:
            if below in order and tier in order and order[tier] > order[below]:
                yield (
                    f"{tier} is above {below} on the ladder but its rule comes later in "
                    "tiers (first match wins, so it ranks lower)",
                    ("high_potential", "ladder", i),
                )
                break
    for i, tier in enumerate(hp.candidates):
        if p.ladder() and tier == p.ladder()[-1]:
            yield (
                f"{tier} is the top of the ladder: nothing to climb to",
                (
                    "high_potential",
                    "candidates",
                    i,
                ),
            )
        if tier in hp.candidates[:i]:
            yield f"{tier} is a candidate twice", ("high_potential", "candidates", i)


@rule("high_potential_rungs_have_rules", Severity.WARNING)
def _high_potential_rungs_have_rules(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, tier in enumerate(p.high_potential.ladder):
        if p.tier_rule(tier) is None:
            yield f"{tier} has no tier rule; the ladder skips it", ("high_potential", "ladder", i)


@rule("service_plans_cover_tiers", Severity.WARNING)
def _service_plans_cover_tiers(p: SegmentationPolicy) -> Iterable[tuple[str, Loc]]:
    for i, tier_rule in enumerate(p.tiers):
        if tier_rule.tier not in p.service_plans:
            yield f"{tier_rule.tier} has no service plan", ("tiers", i, "tier")


RULES = (
    _asset_categories_known,
    _tiers_unique,
    _time_zone_known,
    _rule_unreachable,
    _tag_ids_unique,
    _tag_event_kinds_known,
    _tag_rule_fields,
    _tag_windows_positive,
    _value_rate_source,
    _value_categories_known,
    _high_potential_ladder,
    _high_potential_rungs_have_rules,
    _service_plans_cover_tiers,
)


def load_segmentation_policy(path: Path | str | None = None) -> LoadedPolicy[SegmentationPolicy]:
    """The policy at `path`, or the shipped default (DOMAIN §1 thresholds)."""
    return load_policy(path, SegmentationPolicy, default=DEFAULT_FILE, rules=RULES)
