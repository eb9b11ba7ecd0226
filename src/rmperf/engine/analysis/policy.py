"""The analysis policies: workload standards (工作量标准) and gaming detection thresholds
(DOMAIN §8, seed 003 §四). Every standard and threshold is a default the bank may change.

Two policy kinds, each YAML → pydantic (unknown keys are errors) → named rules that
report the file, the line and the rule:
- `workload.yaml`: person-days per activity and what in the lake counts one, the
  peer benchmark of assets per customer;
- `gaming.yaml`: the thresholds of each gaming-detection rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from rmperf.engine.contract import BALANCE_CATEGORIES, EVENT_KIND_PATTERN, INTERACTION_CHANNELS
from rmperf.engine.policy import LoadedPolicy, PolicyModel, Severity, load_policy, rule
from rmperf.engine.policy.loader import Loc

WORKLOAD_FILE = "workload.yaml"
GAMING_FILE = "gaming.yaml"

#: Activity ids become column names (`count_<id>`, `days_<id>`).
ACTIVITY_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

PersonDays = Decimal
Found = Iterable[tuple[str, Loc]]


class LoanActivities(PolicyModel):
    """Person-days per loan disbursed in the period, for each of the three loan activities.

    One loan counts once for each: the RM of `loans.staff_id` investigated it, entered it
    and signed its contract (seed 003: 2 / 0.5 / 1)."""

    loan_investigation: Decimal = Field(Decimal("2"), ge=0, le=100, decimal_places=4)
    loan_entry: Decimal = Field(Decimal("0.5"), ge=0, le=100, decimal_places=4)
    loan_signing: Decimal = Field(Decimal("1"), ge=0, le=100, decimal_places=4)


class InteractionActivity(PolicyModel):
    """One logged interaction (`interactions`, by its `staff_id`) in the listed channels."""

    id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    source: Literal["interactions"]
    channels: tuple[str, ...] = Field(min_length=1)
    days_each: Decimal = Field(ge=0, le=100, decimal_places=4)
    reason: str = Field(min_length=1)


class EventActivity(PolicyModel):
    """One customer event (`events`) of the listed kinds, counted for its `staff_id`, or
    when that is empty for the RM the customer was assigned to on the event's business
    date (the contract's meaning of an empty staff_id)."""

    id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    source: Literal["events"]
    kinds: tuple[str, ...] = Field(min_length=1)
    days_each: Decimal = Field(ge=0, le=100, decimal_places=4)
    reason: str = Field(min_length=1)


class RequestActivity(PolicyModel):
    """One customer request (`requests`, by its `staff_id`) received in the period."""

    id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    source: Literal["requests"]
    days_each: Decimal = Field(ge=0, le=100, decimal_places=4)
    reason: str = Field(min_length=1)


OtherActivity = Annotated[
    InteractionActivity | EventActivity | RequestActivity, Field(discriminator="source")
]


class Rebalancing(PolicyModel):
    """When an RM counts as over- or under-loaded, for the rebalancing proposals
    (analysis/rebalance.py): utilisation strictly above `over`, strictly below `under`."""

    over: Decimal = Field(Decimal("1.0000"), gt=0, le=10, decimal_places=4)
    under: Decimal = Field(Decimal("0.8000"), ge=0, le=10, decimal_places=4)


class WorkloadPolicy(PolicyModel):
    """Workload standards: what an RM's period demands in person-days, and the benchmark
    of the book's average assets per customer (seed 003: 80万)."""

    time_zone: str = "Asia/Shanghai"
    loan_activities: LoanActivities = LoanActivities()
    activities: tuple[OtherActivity, ...] = ()
    aum_benchmark: Decimal = Field(Decimal("800000.00"), ge=0, decimal_places=2)
    rebalancing: Rebalancing = Rebalancing()


@rule("activity_ids_unique")
def _activity_ids_unique(p: WorkloadPolicy) -> Found:
    seen: set[str] = set()
    reserved = {"loan", "loans", *LoanActivities.model_fields}
    for i, act in enumerate(p.activities):
        if act.id in seen:
            yield f"activity id {act.id!r} is used twice", ("activities", i, "id")
        if act.id in reserved:
            yield (
                f"activity id {act.id!r} is reserved for the loan activities",
                (
                    "activities",
                    i,
                    "id",
                ),
            )
        seen.add(act.id)


@rule("interaction_channels_known")
def _interaction_channels_known(p: WorkloadPolicy) -> Found:
    for i, act in enumerate(p.activities):
        if isinstance(act, InteractionActivity):
            for j, channel in enumerate(act.channels):
                if channel not in INTERACTION_CHANNELS:
                    yield (
                        f"unknown interaction channel {channel!r} "
                        f"(one of {', '.join(INTERACTION_CHANNELS)})",
                        ("activities", i, "channels", j),
                    )


@rule("event_kinds_well_formed")
def _event_kinds_well_formed(p: WorkloadPolicy) -> Found:
    import re

    for i, act in enumerate(p.activities):
        if isinstance(act, EventActivity):
            for j, kind in enumerate(act.kinds):
                if not re.match(EVENT_KIND_PATTERN, kind):
                    yield (
                        f"{kind!r} is not an event kind (lowercase words joined by dots)",
                        ("activities", i, "kinds", j),
                    )


@rule("time_zone_known")
def _workload_time_zone(p: WorkloadPolicy) -> Found:
    yield from _zone_problem(p.time_zone)


def _zone_problem(zone: str) -> Found:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"unknown time zone {zone!r}", ("time_zone",)


@rule("rebalancing_bounds_ordered")
def _rebalancing_bounds_ordered(p: WorkloadPolicy) -> Found:
    if p.rebalancing.under >= p.rebalancing.over:
        yield (
            f"under ({p.rebalancing.under}) must be below over ({p.rebalancing.over}): "
            "an RM cannot be over- and under-loaded at once",
            ("rebalancing", "under"),
        )


WORKLOAD_RULES = (
    _activity_ids_unique,
    _rebalancing_bounds_ordered,
    _interaction_channels_known,
    _event_kinds_well_formed,
    _workload_time_zone,
)


def load_workload_policy(path: Path | str | None = None) -> LoadedPolicy[WorkloadPolicy]:
    """The workload standards at `path`, or the shipped defaults (seed 003: 2 / 0.5 / 1)."""
    return load_policy(path, WorkloadPolicy, default=WORKLOAD_FILE, rules=WORKLOAD_RULES)


# --- gaming detection -------------------------------------------------------------------


class BalancePump(PolicyModel):
    """时点冲量: a month-end balance far above the month's average daily balance, gone
    again in the next month's average daily balance. One customer's spike happens in any
    book (a bonus paid in, a house sold); an RM is flagged for a month only when at least
    `min_customers` customers of their book spike at that month's end and they are at
    least `min_book_share` of it (the book: the RM's customers that day with a balance row
    in the categories that month)."""

    enabled: bool = True
    months: Literal["every_month", "quarter_end"] = "every_month"
    categories: tuple[str, ...] = Field(("deposit",), min_length=1)
    min_ratio: Decimal = Field(Decimal("1.5"), gt=1, decimal_places=4)
    min_spike: Decimal = Field(Decimal("100000.00"), gt=0, decimal_places=2)
    min_reversal: Decimal = Field(Decimal("0.8"), gt=0, le=1, decimal_places=4)
    min_customers: int = Field(10, ge=1)
    min_book_share: Decimal = Field(Decimal("0.04"), ge=0, le=1, decimal_places=4)


class LoanBunching(PolicyModel):
    """Loan disbursements bunched in the period's last days: more than `max_share` of the
    amount and more than `max_count_share` of the loans, with at least `min_tail_loans`
    loans in those days (one large loan signed late is not a bunch)."""

    enabled: bool = True
    last_days: int = Field(10, ge=1, le=90)
    max_share: Decimal = Field(Decimal("0.4"), gt=0, lt=1, decimal_places=4)
    max_count_share: Decimal = Field(Decimal("0.4"), ge=0, lt=1, decimal_places=4)
    min_loans: int = Field(3, ge=1)
    min_tail_loans: int = Field(3, ge=1)


class SplitTransactions(PolicyModel):
    """Transactions split to inflate frequency: many small same-day, same-direction
    transactions of one customer summing to a round amount."""

    enabled: bool = True
    min_count: int = Field(5, ge=2)
    max_amount: Decimal = Field(Decimal("50000.00"), gt=0, decimal_places=2)
    round_to: Decimal = Field(Decimal("10000.00"), gt=0, decimal_places=2)
    min_groups: int = Field(1, ge=1)


class CircularReferrals(PolicyModel):
    """Referrals that go in circles: a customer referred from A to B and back to A (to
    oneself through a colleague), or around A→B→C→A, within a window."""

    enabled: bool = True
    window_days: int = Field(90, ge=1, le=3660)
    max_length: Literal[2, 3] = 3


class BulkTaskClosing(PolicyModel):
    """Tasks closed in bulk without an interaction: on one day an RM marks at least
    `min_tasks` tasks done, and at least `min_bare_share` of them have no interaction by
    the RM with the task's customer from the task's creation to that day (logged in the
    app, or in the lake's `interactions`). Tasks live in the app: the CLI cannot judge it."""

    enabled: bool = True
    min_tasks: int = Field(10, ge=2)
    min_bare_share: Decimal = Field(Decimal("0.8"), gt=0, le=1, decimal_places=4)


class GamingPolicy(PolicyModel):
    """Thresholds of the gaming-detection rules. A flag is for a manager's review: it never
    changes a score."""

    time_zone: str = "Asia/Shanghai"
    balance_pump: BalancePump = BalancePump()
    loan_bunching: LoanBunching = LoanBunching()
    split_transactions: SplitTransactions = SplitTransactions()
    circular_referrals: CircularReferrals = CircularReferrals()
    bulk_task_closing: BulkTaskClosing = BulkTaskClosing()


@rule("balance_categories_known")
def _balance_categories_known(p: GamingPolicy) -> Found:
    for i, cat in enumerate(p.balance_pump.categories):
        if cat not in BALANCE_CATEGORIES:
            yield (
                f"unknown balance category {cat!r} (one of {', '.join(BALANCE_CATEGORIES)})",
                ("balance_pump", "categories", i),
            )
        elif cat == "loan":
            yield (
                "loans are liabilities: a loan balance is not pumped",
                (
                    "balance_pump",
                    "categories",
                    i,
                ),
            )


@rule("split_round_within_small")
def _split_round_within_small(p: GamingPolicy) -> Found:
    s = p.split_transactions
    if s.round_to > s.max_amount * s.min_count:
        yield (
            f"round_to {s.round_to} can never be reached by {s.min_count} transactions of at "
            f"most {s.max_amount}",
            ("split_transactions", "round_to"),
        )


@rule("time_zone_known")
def _gaming_time_zone(p: GamingPolicy) -> Found:
    yield from _zone_problem(p.time_zone)


@rule("no_rule_enabled", Severity.WARNING)
def _no_rule_enabled(p: GamingPolicy) -> Found:
    parts = (
        p.balance_pump,
        p.loan_bunching,
        p.split_transactions,
        p.circular_referrals,
        p.bulk_task_closing,
    )
    if not any(part.enabled for part in parts):
        yield "every rule is disabled: nothing will be flagged", ()


GAMING_RULES = (
    _balance_categories_known,
    _split_round_within_small,
    _gaming_time_zone,
    _no_rule_enabled,
)


def load_gaming_policy(path: Path | str | None = None) -> LoadedPolicy[GamingPolicy]:
    """The gaming-detection thresholds at `path`, or the shipped defaults."""
    return load_policy(path, GamingPolicy, default=GAMING_FILE, rules=GAMING_RULES)


# --- gap attribution (fishbone, 鱼骨图) -------------------------------------------------

FISHBONE_FILE = "fishbone.yaml"
#: The fishbone's categories (bones), in the order a diagram draws them.
FISHBONE_CATEGORIES = ("skills", "process", "external", "customer_mix", "effort")
Perspective = Literal["financial", "customer", "process", "learning"]
PERSPECTIVES: tuple[Perspective, ...] = ("financial", "customer", "process", "learning")


class Bone(PolicyModel):
    """What every category has: whether it is judged, which scorecard lines' gaps it may
    explain (by the indicator's BSC perspective) and its weight when several categories
    share one gap."""

    enabled: bool = True
    applies_to: tuple[Perspective, ...] = Field(PERSPECTIVES, min_length=1)
    weight: Decimal = Field(Decimal("1"), gt=0, le=100, decimal_places=4)


class RequiredTraining(PolicyModel):
    """A training the RM must have on record (`trainings`): of `kind`, named `name` (empty:
    any of that kind), dated within the `within_months` months ending on the period's last
    day; only for the listed business lines (empty: everyone)."""

    id: str = Field(pattern=ACTIVITY_ID_PATTERN)
    kind: Literal["course", "certification"]
    name: str = ""
    within_months: int = Field(12, ge=1, le=600)
    business_lines: tuple[Literal["retail", "corporate", "sci_tech"], ...] = ()


class SkillsBone(Bone):
    """Skills: a required training or certification missing, or too few training hours
    in the period (min_hours_per_month × the period's months)."""

    required: tuple[RequiredTraining, ...] = (
        RequiredTraining(id="aml", kind="course", name="反洗钱合规培训", within_months=12),
        RequiredTraining(
            id="suitability", kind="course", name="适当性管理与风险揭示", within_months=12
        ),
        RequiredTraining(
            id="credit_analysis",
            kind="course",
            name="企业财务报表分析",
            within_months=24,
            business_lines=("corporate", "sci_tech"),
        ),
    )
    min_hours_per_month: Decimal = Field(Decimal("2"), ge=0, le=200, decimal_places=2)


class ProcessBone(Bone):
    """Process: the RM's loans (`loans.staff_id`) disbursed in the period whose approval
    (disbursed_on − applied_on) took more than `loan_approval_days`, found when their share
    is above `max_overrun_share`; the requests received in the period not resolved within
    `response_hours`, found when their share is above `max_missed_share`."""

    applies_to: tuple[Perspective, ...] = Field(("financial", "customer", "process"), min_length=1)
    loan_approval_days: int = Field(15, ge=1, le=3650)
    max_overrun_share: Decimal = Field(Decimal("0.25"), ge=0, lt=1, decimal_places=4)
    response_hours: int = Field(24, ge=1, le=8760)
    max_missed_share: Decimal = Field(Decimal("0.15"), ge=0, lt=1, decimal_places=4)


class ExternalBone(Bone):
    """External environment: the growth of the assets (`balances` in `categories`) of the
    customers homed in the RM's branch, or its region, from the previous period to this
    one, against the bank's growth; found when a unit lags by more than `max_lag`."""

    applies_to: tuple[Perspective, ...] = Field(("financial", "customer"), min_length=1)
    categories: tuple[str, ...] = Field(("deposit", "wealth", "fund", "insurance"), min_length=1)
    levels: tuple[Literal["branch", "region"], ...] = Field(("branch", "region"), min_length=1)
    max_lag: Decimal = Field(Decimal("0.02"), ge=0, le=10, decimal_places=4)


class CustomerMixBone(Bone):
    """Customer mix: at the period's start, the RM's share of sleeping and of basic
    customers above the bank's by more than `max_excess_*`; or more than
    `max_downgrade_share` of the book fell down the `ladder` (segmentation tiers, lowest
    first) between the period's start and its end."""

    applies_to: tuple[Perspective, ...] = Field(("financial", "customer"), min_length=1)
    sleeping_tier: str = "sleeping"
    basic_tier: str = "basic"
    ladder: tuple[str, ...] = Field(
        ("sleeping", "other", "basic", "potential", "core"), min_length=2
    )
    max_excess_sleeping: Decimal = Field(Decimal("0.10"), ge=0, le=1, decimal_places=4)
    max_excess_basic: Decimal = Field(Decimal("0.10"), ge=0, le=1, decimal_places=4)
    max_downgrade_share: Decimal = Field(Decimal("0.10"), ge=0, le=1, decimal_places=4)


class EffortBone(Bone):
    """Effort: the RM's interactions in the period per customer of the book at the
    period's start per month below `min_contacts_per_customer_month`; tasks due in the
    period done on time below `min_task_completion` (when task figures are given)."""

    min_contacts_per_customer_month: Decimal = Field(
        Decimal("0.10"), ge=0, le=100, decimal_places=4
    )
    min_task_completion: Decimal = Field(Decimal("0.80"), ge=0, le=1, decimal_places=4)


class FishbonePolicy(PolicyModel):
    """Gap attribution (鱼骨图): the rules that find a cause in each category, and which
    scorecard lines' gaps each category may explain (docs/analysis.md)."""

    time_zone: str = "Asia/Shanghai"
    skills: SkillsBone = SkillsBone()
    process: ProcessBone = ProcessBone()
    external: ExternalBone = ExternalBone()
    customer_mix: CustomerMixBone = CustomerMixBone()
    effort: EffortBone = EffortBone()

    def bone(self, category: str) -> Bone:
        found: Bone = getattr(self, category)
        return found


@rule("time_zone_known")
def _fishbone_time_zone(p: FishbonePolicy) -> Found:
    yield from _zone_problem(p.time_zone)


@rule("required_training_ids_unique")
def _required_ids_unique(p: FishbonePolicy) -> Found:
    seen: set[str] = set()
    for i, req in enumerate(p.skills.required):
        if req.id in seen:
            yield f"required training id {req.id!r} is used twice", ("skills", "required", i, "id")
        seen.add(req.id)


@rule("external_categories_known")
def _external_categories_known(p: FishbonePolicy) -> Found:
    for i, cat in enumerate(p.external.categories):
        if cat not in BALANCE_CATEGORIES or cat == "loan":
            yield (
                f"{cat!r} is not an asset category (one of deposit, wealth, fund, insurance, "
                "trust)",
                ("external", "categories", i),
            )


@rule("ladder_names_tiers")
def _ladder_names_tiers(p: FishbonePolicy) -> Found:
    from rmperf.engine.segmentation.policy import Tier

    mix = p.customer_mix
    tiers = {str(t) for t in Tier}
    for i, name in enumerate(mix.ladder):
        if name not in tiers:
            yield (
                f"{name!r} is not a segmentation tier (one of {', '.join(sorted(tiers))})",
                ("customer_mix", "ladder", i),
            )
    if len(set(mix.ladder)) != len(mix.ladder):
        yield "a tier appears twice on the ladder", ("customer_mix", "ladder")
    for name, field_name in ((mix.sleeping_tier, "sleeping_tier"), (mix.basic_tier, "basic_tier")):
        if name not in mix.ladder:
            yield (f"{field_name} {name!r} is not on the ladder", ("customer_mix", field_name))


@rule("no_category_enabled", Severity.WARNING)
def _no_category_enabled(p: FishbonePolicy) -> Found:
    if not any(p.bone(c).enabled for c in FISHBONE_CATEGORIES):
        yield "every category is disabled: every gap stays unexplained", ()


FISHBONE_RULES = (
    _fishbone_time_zone,
    _required_ids_unique,
    _external_categories_known,
    _ladder_names_tiers,
    _no_category_enabled,
)


def load_fishbone_policy(path: Path | str | None = None) -> LoadedPolicy[FishbonePolicy]:
    """The gap-attribution rules at `path`, or the shipped defaults."""
    return load_policy(path, FishbonePolicy, default=FISHBONE_FILE, rules=FISHBONE_RULES)
