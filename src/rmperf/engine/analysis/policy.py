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
    again in the next month's average daily balance."""

    enabled: bool = True
    months: Literal["every_month", "quarter_end"] = "every_month"
    categories: tuple[str, ...] = Field(("deposit",), min_length=1)
    min_ratio: Decimal = Field(Decimal("1.5"), gt=1, decimal_places=4)
    min_spike: Decimal = Field(Decimal("100000.00"), gt=0, decimal_places=2)
    min_reversal: Decimal = Field(Decimal("0.8"), gt=0, le=1, decimal_places=4)


class LoanBunching(PolicyModel):
    """Loan disbursements bunched in the period's last days."""

    enabled: bool = True
    last_days: int = Field(10, ge=1, le=90)
    max_share: Decimal = Field(Decimal("0.4"), gt=0, lt=1, decimal_places=4)
    min_loans: int = Field(3, ge=1)


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


class GamingPolicy(PolicyModel):
    """Thresholds of the gaming-detection rules. A flag is for a manager's review: it never
    changes a score."""

    time_zone: str = "Asia/Shanghai"
    balance_pump: BalancePump = BalancePump()
    loan_bunching: LoanBunching = LoanBunching()
    split_transactions: SplitTransactions = SplitTransactions()
    circular_referrals: CircularReferrals = CircularReferrals()


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
    parts = (p.balance_pump, p.loan_bunching, p.split_transactions, p.circular_referrals)
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
