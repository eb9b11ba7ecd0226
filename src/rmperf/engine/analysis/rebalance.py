"""Rebalancing proposals: which customers to move from over-loaded RMs to under-loaded
ones of the same branch, keeping the customer's tier, with the resulting utilisation on
both sides (DOMAIN §8, issue #15 "Workload and capacity"). A proposal is a what-if: it
changes nothing; the lake's assignments stay the source of truth.

Per customer demand: the person-days a customer's activity of the period asked of the
RM who did it, by the workload policy's standards — their loans of that RM (`loans.staff_id`)
× (investigation + entry + signing), their interactions with that RM in the activities'
channels, their events counted to that RM, their requests handled by that RM. Summed over
customers this is the RM's `demand_days` minus the activity without a customer (none in
the contract: every counted row names one).

The proposal (`propose_moves`), deterministic:
1. utilisation u = demand ÷ available, ROUND_HALF_UP to 4 places (as `rmperf workload`);
   an RM with no available day is neither a giver nor a receiver;
2. givers: u > over, the highest first (then staff id); for each, its customers with
   demand > 0 and a known tier, the largest demand first (then customer id);
3. a customer moves to the RM of the same branch, other than the giver, that is under
   the `under` bound at that moment, already serves the customer's tier (has a customer
   of that tier in its book) and stays at or below `over` after the move — the lowest
   utilisation first (then staff id); no such RM: the customer stays;
4. a giver stops giving once its utilisation is at or below `over`.
Each move carries both RMs' utilisation just before and just after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rmperf.engine.analysis.policy import (
    EventActivity,
    InteractionActivity,
    RequestActivity,
    WorkloadPolicy,
)
from rmperf.engine.analysis.sql import (
    business_date,
    date_lit,
    lake_session,
    lit_list,
    on_days,
    rows,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period

PLACES4 = Decimal("0.0001")
DEMAND_TABLES = ("loans", "interactions", "events", "requests", "assignments")


def utilisation(demand: Decimal, available: int) -> Decimal | None:
    """demand ÷ available, ROUND_HALF_UP to 4 places; None without an available day."""
    if available <= 0:
        return None
    return (demand / available).quantize(PLACES4, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RmLoad:
    """One RM's load: the branch they work in, the person-days demanded, the working days
    available and the customer tiers their book serves."""

    staff_id: str
    branch_id: str
    demand_days: Decimal
    available_days: int
    tiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CustomerLoad:
    """A customer of an RM's book, its tier (None: not segmented, never moved) and the
    person-days its activity demanded of that RM in the period."""

    customer_id: str
    staff_id: str
    tier: str | None
    demand_days: Decimal


@dataclass(frozen=True)
class Move:
    """One customer moved from one RM to another, with both utilisations before and after."""

    customer_id: str
    tier: str
    branch_id: str
    from_staff_id: str
    to_staff_id: str
    demand_days: Decimal
    from_before: Decimal
    from_after: Decimal
    to_before: Decimal
    to_after: Decimal


@dataclass
class _State:
    load: RmLoad
    demand: Decimal
    tiers: set[str] = field(default_factory=set)

    @property
    def u(self) -> Decimal | None:
        return utilisation(self.demand, self.load.available_days)


def propose_moves(
    rms: Sequence[RmLoad],
    customers: Iterable[CustomerLoad],
    *,
    over: Decimal,
    under: Decimal,
) -> list[Move]:
    """The moves that bring over-loaded RMs down (module docstring), in the order made."""
    state = {r.staff_id: _State(load=r, demand=r.demand_days, tiers=set(r.tiers)) for r in rms}
    book: dict[str, list[CustomerLoad]] = defaultdict(list)
    for c in customers:
        if c.staff_id in state and c.tier is not None and c.demand_days > 0:
            book[c.staff_id].append(c)
    givers = sorted(
        (s for s in state.values() if (u := s.u) is not None and u > over),
        key=lambda s: (-(s.u or Decimal(0)), s.load.staff_id),
    )
    moves: list[Move] = []
    for giver in givers:
        for c in sorted(book[giver.load.staff_id], key=lambda c: (-c.demand_days, c.customer_id)):
            if (gu := giver.u) is None or gu <= over:
                break
            receiver = _receiver(state.values(), giver, c, over=over, under=under)
            to_before = receiver.u if receiver is not None else None
            if receiver is None or to_before is None or c.tier is None:
                continue
            giver.demand -= c.demand_days
            receiver.demand += c.demand_days
            moves.append(
                Move(
                    customer_id=c.customer_id,
                    tier=c.tier,
                    branch_id=giver.load.branch_id,
                    from_staff_id=giver.load.staff_id,
                    to_staff_id=receiver.load.staff_id,
                    demand_days=c.demand_days,
                    from_before=gu,
                    from_after=giver.u or Decimal(0),
                    to_before=to_before,
                    to_after=receiver.u or Decimal(0),
                )
            )
    return moves


def _receiver(
    states: Iterable[_State], giver: _State, c: CustomerLoad, *, over: Decimal, under: Decimal
) -> _State | None:
    best: tuple[Decimal, str] | None = None
    chosen: _State | None = None
    for s in states:
        u = s.u
        if (
            s is giver
            or u is None
            or u >= under
            or s.load.branch_id != giver.load.branch_id
            or c.tier not in s.tiers
        ):
            continue
        after = utilisation(s.demand + c.demand_days, s.load.available_days)
        if after is None or after > over:
            continue
        key = (u, s.load.staff_id)
        if best is None or key < best:
            best, chosen = key, s
    return chosen


def resulting_utilisation(
    rms: Sequence[RmLoad], moves: Iterable[Move]
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Per RM touched by the moves: utilisation before and after all of them."""
    demand = {r.staff_id: r.demand_days for r in rms}
    available = {r.staff_id: r.available_days for r in rms}
    touched: list[str] = []
    for m in moves:
        for sid in (m.from_staff_id, m.to_staff_id):
            if sid not in touched:
                touched.append(sid)
        demand[m.from_staff_id] -= m.demand_days
        demand[m.to_staff_id] += m.demand_days
    before = {r.staff_id: utilisation(r.demand_days, r.available_days) for r in rms}
    return {sid: (before[sid], utilisation(demand[sid], available[sid])) for sid in touched}


def customer_demand(
    lake: Lake, *, period: Period, policy: WorkloadPolicy
) -> dict[tuple[str, str], Decimal]:
    """(staff_id, customer_id) → person-days the customer's activity of the period asked
    of that staff member (module docstring); only pairs with some activity."""
    zone = policy.time_zone
    per_loan = (
        policy.loan_activities.loan_investigation
        + policy.loan_activities.loan_entry
        + policy.loan_activities.loan_signing
    )
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with lake_session(lake, DEMAND_TABLES) as engine:
        loans = (
            "SELECT staff_id, customer_id, count(*) AS n FROM rm_valid_loans "  # noqa: S608 - quoted literals, validated policy values
            f"WHERE disbursed_on BETWEEN {date_lit(period.start)} AND {date_lit(period.end)} "
            "GROUP BY ALL"
        )
        _add(out, rows(engine, loans), per_loan)
        for act in policy.activities:
            _add(out, rows(engine, _pair_sql(act, period, zone)), act.days_each)
    return {k: v for k, v in out.items() if v > 0}


def _add(
    out: dict[tuple[str, str], Decimal], found: Iterable[Mapping[str, object]], each: Decimal
) -> None:
    for r in found:
        if r["staff_id"] and r["customer_id"]:
            out[(str(r["staff_id"]), str(r["customer_id"]))] += int(str(r["n"])) * each


def _pair_sql(
    act: InteractionActivity | EventActivity | RequestActivity, period: Period, zone: str
) -> str:
    """staff_id, customer_id, n: one activity's occurrences per staff member and customer
    (the same rows `workload` counts per staff member)."""
    match act:
        case InteractionActivity():
            return (
                "SELECT staff_id, customer_id, count(*) AS n FROM rm_valid_interactions "  # noqa: S608 - quoted literals, validated policy values
                f"WHERE channel IN {lit_list(act.channels)} "
                f"AND {on_days('ts', period.start, period.end, zone)} GROUP BY ALL"
            )
        case RequestActivity():
            return (
                "SELECT staff_id, customer_id, count(*) AS n FROM rm_valid_requests "  # noqa: S608 - quoted literals, validated policy values
                f"WHERE {on_days('received_at', period.start, period.end, zone)} GROUP BY ALL"
            )
        case EventActivity():
            return (
                "WITH e AS (SELECT customer_id, staff_id, "  # noqa: S608 - quoted literals, validated policy values
                f"{business_date('ts', zone)} AS day FROM rm_valid_events "
                f"WHERE kind IN {lit_list(act.kinds)} "
                f"AND {on_days('ts', period.start, period.end, zone)}) "
                "SELECT coalesce(e.staff_id, a.staff_id) AS staff_id, e.customer_id, "
                "count(*) AS n FROM e LEFT JOIN rm_valid_assignments a "
                "ON e.staff_id IS NULL AND a.customer_id = e.customer_id "
                "AND a.valid_from <= e.day AND (a.valid_to IS NULL OR a.valid_to >= e.day) "
                "GROUP BY ALL"
            )
