"""Workload and capacity per RM for a period (DOMAIN §8, seed 003 §四 "工作量分解").

demand_days: Σ over activities of (occurrences in the period × person-days each), where
  the three loan activities count the RM's loans (`loans.staff_id`) disbursed in the
  period and the others what the workload policy says (interactions by channel, customer
  events, requests). Exact: counts are integers and standards have at most 4 places.
available_days: the mainland-China working days of the period (statutory holidays off,
  make-up working days on; analysis/calendar.py) on which the RM was employed
  (`staff.hired_on` to `staff.left_on` inclusive, when the lake has that column). Leave
  is not subtracted: the lake holds no leave.
utilisation: demand_days ÷ available_days, ROUND_HALF_UP to 4 places; empty when no day
  is available.
customers: the RM's customers by the assignments valid on the period's last day
  (customers opened by then, as in segmentation).
avg_assets_per_customer: the customers' AUM at the period's last month — month-end
  balances summed over the segmentation policy's asset categories (its definition of
  AUM) — ÷ customers, ROUND_HALF_UP to the cent; empty without customers. Compared with
  the policy's benchmark (80万): above (>), at (=) or below (<).

Rows: every RM (staff role `rm`) employed on a day of the period, or with an activity
counted in it or customers at its end.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

from rmperf.engine.analysis.calendar import working_day_set
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
    lit,
    lit_list,
    on_days,
    rows,
    view_columns,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period

if TYPE_CHECKING:
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend

WORKLOAD_TABLES = (
    "staff",
    "loans",
    "interactions",
    "events",
    "requests",
    "assignments",
    "customers",
    "balances",
)

DAYS = pa.decimal128(18, 4)
MONEY = pa.decimal128(18, 2)
CENT = Decimal("0.01")
PLACES4 = Decimal("0.0001")
LOAN_COLUMNS = ("loan_investigation", "loan_entry", "loan_signing")


@dataclass(frozen=True)
class Employment:
    role: str
    hired_on: dt.date
    left_on: dt.date | None


def workload_schema(policy: WorkloadPolicy) -> pa.Schema:
    """The result's columns: the fixed ones first, then each further activity's count and
    days, then the benchmark, its comparison and the policy version."""
    fields = [
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("loans", pa.int64(), nullable=False),
        *(pa.field(f"days_{c}", DAYS, nullable=False) for c in LOAN_COLUMNS),
        pa.field("demand_days", DAYS, nullable=False),
        pa.field("available_days", pa.int64(), nullable=False),
        pa.field("utilisation", pa.decimal128(12, 4), nullable=True),
        pa.field("customers", pa.int64(), nullable=False),
        pa.field("avg_assets_per_customer", MONEY, nullable=True),
    ]
    for act in policy.activities:
        fields.append(pa.field(f"count_{act.id}", pa.int64(), nullable=False))
        fields.append(pa.field(f"days_{act.id}", DAYS, nullable=False))
    fields += [
        pa.field("aum_benchmark", MONEY, nullable=False),
        pa.field("benchmark_position", pa.string(), nullable=True),
        pa.field("policy_version", pa.string(), nullable=False),
    ]
    return pa.schema(fields)


def workload(
    lake: Lake,
    *,
    period: Period,
    policy: WorkloadPolicy,
    asset_categories: tuple[str, ...],
    policy_version: str,
) -> pa.Table:
    """One row per RM: demand by activity, available working days, utilisation and the
    book's average assets per customer (module docstring). Ordered by staff_id."""
    open_days = working_day_set(period.start, period.end)  # raises on an unknown year first
    zone = policy.time_zone
    with lake_session(lake, WORKLOAD_TABLES) as engine:
        staff = _employment(engine)
        loans = _counts(
            engine,
            "SELECT staff_id, count(*) AS n FROM rm_valid_loans "  # noqa: S608 - quoted literals, validated policy values
            f"WHERE disbursed_on BETWEEN {date_lit(period.start)} AND {date_lit(period.end)} "
            "GROUP BY staff_id",
        )
        activity_counts = {
            act.id: _counts(engine, _activity_sql(act, period, zone)) for act in policy.activities
        }
        books = {
            str(r["staff_id"]): (int(r["customers"]), Decimal(r["aum"]))
            for r in rows(engine, _book_sql(period, asset_categories))
        }

    active = {sid for sid, e in staff.items() if e.role == "rm" and _employed(e, period)}
    counted = set(loans) | set(books) | {s for c in activity_counts.values() for s in c}
    ids = sorted(active | {s for s in counted if s in staff and staff[s].role == "rm"})

    schema = workload_schema(policy)
    out: dict[str, list[object]] = {f.name: [] for f in schema}
    standards = policy.loan_activities
    for sid in ids:
        n_loans = loans.get(sid, 0)
        days = {c: n_loans * getattr(standards, c) for c in LOAN_COLUMNS}
        demand = sum(days.values(), Decimal(0))
        other: dict[str, tuple[int, Decimal]] = {}
        for act in policy.activities:
            n = activity_counts[act.id].get(sid, 0)
            other[act.id] = (n, n * act.days_each)
            demand += n * act.days_each
        available = _available(staff[sid], period, open_days)
        customers, aum = books.get(sid, (0, Decimal(0)))
        avg = (aum / customers).quantize(CENT, rounding=ROUND_HALF_UP) if customers else None
        out["staff_id"].append(sid)
        out["period"].append(period.key)
        out["loans"].append(n_loans)
        for c in LOAN_COLUMNS:
            out[f"days_{c}"].append(days[c])
        out["demand_days"].append(demand)
        out["available_days"].append(available)
        out["utilisation"].append(
            (demand / available).quantize(PLACES4, rounding=ROUND_HALF_UP) if available else None
        )
        out["customers"].append(customers)
        out["avg_assets_per_customer"].append(avg)
        for act in policy.activities:
            n, d = other[act.id]
            out[f"count_{act.id}"].append(n)
            out[f"days_{act.id}"].append(d)
        out["aum_benchmark"].append(policy.aum_benchmark)
        out["benchmark_position"].append(_position(avg, policy.aum_benchmark))
        out["policy_version"].append(policy_version)
    return pa.table(out, schema=schema)


def _position(avg: Decimal | None, benchmark: Decimal) -> str | None:
    if avg is None:
        return None
    if avg > benchmark:
        return "above"
    return "at" if avg == benchmark else "below"


def _employed(e: Employment, period: Period) -> bool:
    return e.hired_on <= period.end and (e.left_on is None or e.left_on >= period.start)


def _available(e: Employment, period: Period, open_days: tuple[dt.date, ...]) -> int:
    """Working days of the period within the RM's employment (hire and leaving day count)."""
    first = max(period.start, e.hired_on)
    last = period.end if e.left_on is None else min(period.end, e.left_on)
    if first > last:
        return 0
    return bisect.bisect_right(open_days, last) - bisect.bisect_left(open_days, first)


def _employment(engine: DuckDBBackend) -> dict[str, Employment]:
    """Role and employment dates of every valid staff row. `left_on` is read only when the
    lake contract has that (optional) column."""
    has_left = "left_on" in view_columns(engine, "rm_valid_staff")
    left = "left_on" if has_left else "CAST(NULL AS DATE) AS left_on"
    out = {}
    for r in rows(engine, f"SELECT staff_id, role, hired_on, {left} FROM rm_valid_staff"):  # noqa: S608 - quoted literals, validated policy values
        out[str(r["staff_id"])] = Employment(
            role=str(r["role"]),
            hired_on=r["hired_on"],
            left_on=r["left_on"],
        )
    return out


def _counts(engine: DuckDBBackend, sql: str) -> dict[str, int]:
    return {str(r["staff_id"]): int(r["n"]) for r in rows(engine, sql) if r["staff_id"]}


def _activity_sql(
    act: InteractionActivity | EventActivity | RequestActivity, period: Period, zone: str
) -> str:
    """staff_id, n: one activity's occurrences per staff member in the period."""
    match act:
        case InteractionActivity():
            return (
                "SELECT staff_id, count(*) AS n FROM rm_valid_interactions "  # noqa: S608 - quoted literals, validated policy values
                f"WHERE channel IN {lit_list(act.channels)} "
                f"AND {on_days('ts', period.start, period.end, zone)} GROUP BY staff_id"
            )
        case RequestActivity():
            return (
                "SELECT staff_id, count(*) AS n FROM rm_valid_requests "  # noqa: S608 - quoted literals, validated policy values
                f"WHERE {on_days('received_at', period.start, period.end, zone)} GROUP BY staff_id"
            )
        case EventActivity():
            # The contract: an event's staff_id, when empty, means the customer's RM at the time.
            return (
                "WITH e AS (SELECT customer_id, staff_id, "  # noqa: S608 - quoted literals, validated policy values
                f"{business_date('ts', zone)} AS day FROM rm_valid_events "
                f"WHERE kind IN {lit_list(act.kinds)} "
                f"AND {on_days('ts', period.start, period.end, zone)}) "
                "SELECT coalesce(e.staff_id, a.staff_id) AS staff_id, count(*) AS n "
                "FROM e LEFT JOIN rm_valid_assignments a "
                "ON e.staff_id IS NULL AND a.customer_id = e.customer_id "
                "AND a.valid_from <= e.day AND (a.valid_to IS NULL OR a.valid_to >= e.day) "
                "GROUP BY ALL"
            )


def _book_sql(period: Period, asset_categories: tuple[str, ...]) -> str:
    """staff_id, customers, aum: each RM's book on the period's last day and its AUM."""
    end = date_lit(period.end)
    last_month = lit(period.months[-1])
    return (
        "WITH book AS (SELECT a.staff_id, a.customer_id FROM rm_valid_assignments a "  # noqa: S608 - quoted literals, validated policy values
        "JOIN rm_valid_customers c ON c.customer_id = a.customer_id "
        f"WHERE a.valid_from <= {end} AND (a.valid_to IS NULL OR a.valid_to >= {end}) "
        f"AND c.opened_on <= {end}), "
        "aum AS (SELECT customer_id, sum(month_end_balance) AS aum FROM rm_valid_balances "
        f"WHERE month = {last_month} AND category IN {lit_list(asset_categories)} "
        "GROUP BY customer_id) "
        "SELECT book.staff_id, count(*) AS customers, "
        "CAST(coalesce(sum(aum.aum), 0) AS DECIMAL(38, 2)) AS aum "
        "FROM book LEFT JOIN aum ON aum.customer_id = book.customer_id GROUP BY book.staff_id"
    )
