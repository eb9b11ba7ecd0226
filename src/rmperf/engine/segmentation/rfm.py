"""Recency, frequency, monetary value and tier per customer at an as-of date (DOMAIN §1).

Written once in Ibis over the lake's valid views and run on DuckDB or Spark. Money is
carried as integer cents inside the backend, so every comparison with a threshold is
exact on both engines (Ibis has no portable exact decimal division); the cents become
decimal(18,2) at the edge, exactly (segmentation/finish.py).

Semantics, each a policy setting:
- R: days from the last transaction on or before D (business date in bank time) to D;
  a customer with no transaction yet counts from `opened_on`.
- F: transactions with business date in D − (window − 1) … D.
- M (aum): the mean over the `months` calendar months ending with D's month of the sum
  of average daily balances in the asset categories; a missing month counts as 0;
  rounded once, half up, to the cent. M (transaction_amount): the sum of transaction
  amounts in the M window.
- Customers opened after D are not customers yet and are left out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.datatypes as ibis_dt

from rmperf.engine.activity import business_date, on_days
from rmperf.engine.backends import BackendName
from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.segmentation.names import RFM_TABLES as RFM_TABLES
from rmperf.engine.segmentation.policy import SegmentationPolicy


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_back(day: dt.date, count: int) -> str:
    """The YYYY-MM key `count` − 1 months before `day`'s month (count = 1: day's month)."""
    index = day.year * 12 + day.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def cents_threshold(value: Decimal) -> int:
    """A money threshold as integer cents (policy validation guarantees 2 places)."""
    return int(value * 100)


def rfm_expr(backend: BackendName, *, as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """One row per customer opened on or before `as_of`: R, F, M in cents and the tier.

    An expression over the valid views of RFM_TABLES; compile it for `backend`.
    """
    return rfm_counting_expr(backend, as_of=as_of, policy=policy, count_since=None)


def floor_div(backend: BackendName, numerator: Any, denominator: int) -> Any:
    """floor(numerator / denominator) for an int64 `numerator` and a positive constant,
    in integer arithmetic on both engines (Ibis compiles `//` to FLOOR of a double
    division, wrong past 2^53): the numerator minus its non-negative remainder is an
    exact multiple, divided with the backend's integer division."""
    if denominator <= 0:
        raise ValueError(f"floor_div by {denominator}")
    remainder = ((numerator % denominator) + denominator) % denominator
    exact = (numerator - remainder).cast("int64")
    divide = _duckdb_int_div if backend == "duckdb" else _spark_int_div
    return divide(exact, ibis.literal(denominator, type="int64"))


def _int_div(a: int, b: int) -> int:
    """Integer division truncating towards zero (a backend builtin)."""
    raise NotImplementedError


# DuckDB: divide(BIGINT, BIGINT) -> BIGINT (the `//` operator). Spark: div(a, b) -> long.
_INT_DIV_SIGNATURE = ((ibis_dt.int64, ibis_dt.int64), ibis_dt.int64)
_duckdb_int_div = ibis.udf.scalar.builtin(_int_div, name="divide", signature=_INT_DIV_SIGNATURE)
_spark_int_div = ibis.udf.scalar.builtin(_int_div, name="div", signature=_INT_DIV_SIGNATURE)


def rfm_counting_expr(
    backend: BackendName,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    count_since: dt.date | None,
    ordered: bool = True,
) -> Any:
    """rfm_expr, plus (when `count_since` is a date) `settlement_count`: the customer's
    transactions with business date in count_since … as_of, counted in the same pass
    over the transactions (the customer value needs it; a second scan cost more).

    `ordered=False` leaves the rows unsorted, for callers that join them further and
    sort once at the end (a sort inside the query is work the outer sort repeats)."""
    customers = contract_table("customers")
    base = customers.filter(customers.opened_on <= ibis.literal(as_of)).select(
        "customer_id", "opened_on", "unit_id"
    )
    joined = (
        base.left_join(
            transaction_summary(backend, as_of=as_of, policy=policy, count_since=count_since),
            "customer_id",
        )
        .left_join(aum_expr(as_of, policy), "customer_id")
        .left_join(current_rm_expr(as_of), "customer_id")
    )
    rows = joined.select(
        customer_id=joined.customer_id,
        unit_id=joined.unit_id,
        rm_id=joined.rm_id,
        **rfm_columns(joined, backend, as_of=as_of, policy=policy, with_counts=count_since),
    )
    rows = rows.mutate(tier=tier_case(rows, policy))
    return rows.order_by("customer_id") if ordered else rows


def transaction_summary(
    backend: BackendName,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    count_since: dt.date | None,
) -> Any:
    """Per customer with a transaction on or before `as_of`: last_ts, last_day (its
    business date), frequency, txn_cents (the M window's amounts) and, when `count_since`
    is a date, settlement_count — one pass over the transactions."""
    txn = contract_table("transactions")
    tz = policy.time_zone
    # Windows on business dates are compared as instants, and only each customer's
    # last timestamp is converted to a date (on_days explains why that is the same).
    txn = txn.filter(on_days(txn.ts, None, as_of, tz))
    f_start = as_of - dt.timedelta(days=policy.frequency_window_days - 1)
    m_start = as_of - dt.timedelta(days=policy.monetary.window_days - 1)
    counts: dict[str, Any] = {}
    if count_since is not None:
        counts["settlement_count"] = txn.count(where=on_days(txn.ts, count_since, None, tz))
    per_txn = txn.group_by("customer_id").aggregate(
        last_ts=txn.ts.max(),
        frequency=txn.count(where=on_days(txn.ts, f_start, None, tz)),
        txn_cents=(txn.amount * 100).cast("int64").sum(where=on_days(txn.ts, m_start, None, tz)),
        **counts,
    )
    return per_txn.mutate(last_day=business_date(backend, per_txn.last_ts, tz))


def aum_filter(bal: Any, as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """The balance rows M (aum) sums: asset categories, the `months` months to D's."""
    monetary = policy.monetary
    return (
        bal.category.isin(list(monetary.asset_categories))
        & (bal.month >= months_back(as_of, monetary.months))
        & (bal.month <= month_key(as_of))
    )


def aum_expr(as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """Per customer with balances in M's months: aum_cents, their sum in cents."""
    bal = contract_table("balances")
    bal = bal.filter(aum_filter(bal, as_of, policy))
    return bal.group_by("customer_id").aggregate(
        aum_cents=(bal.avg_daily_balance * 100).cast("int64").sum()
    )


def rfm_columns(
    joined: Any,
    backend: BackendName,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    with_counts: dt.date | None,
) -> dict[str, Any]:
    """recency_days, frequency, monetary_cents (and settlement_count when `with_counts`)
    of customer rows left-joined with transaction_summary and an `aum_cents` column."""
    day_d = ibis.literal(as_of)
    recency = day_d.delta(joined.last_day.fill_null(joined.opened_on), unit="day")
    monetary = policy.monetary
    if monetary.measure == "aum":
        # Half up (away from zero at .5 for a non-negative sum): floor((2·sum + n) / (2·n)),
        # in integers.
        months = monetary.months
        total = joined.aum_cents.fill_null(0).cast("int64")
        m_cents = floor_div(backend, total * 2 + months, 2 * months)
    else:
        m_cents = joined.txn_cents.fill_null(0)
    columns = {
        "recency_days": recency.cast("int64"),
        "frequency": joined.frequency.fill_null(0).cast("int64"),
        "monetary_cents": m_cents.cast("int64"),
    }
    if with_counts is not None:
        columns["settlement_count"] = joined.settlement_count.fill_null(0).cast("int64")
    return columns


def current_rm_expr(as_of: dt.date) -> Any:
    """The RM assigned to each customer on `as_of` (valid_to inclusive, open = still valid).

    Validation rejects overlapping slices, so at most one valid slice covers `as_of`; the
    latest start would win otherwise.
    """
    asg = contract_table("assignments")
    day = ibis.literal(as_of)
    live = asg.filter((asg.valid_from <= day) & (asg.valid_to.isnull() | (asg.valid_to >= day)))
    ranked = live.mutate(
        n=ibis.row_number().over(
            group_by=live.customer_id, order_by=[live.valid_from.desc(), live.staff_id]
        )
    )
    return ranked.filter(ranked.n == 0).select("customer_id", rm_id=ranked.staff_id)


def tier_case(rows: Any, policy: SegmentationPolicy) -> Any:
    """The policy's rules as one CASE expression, first match wins.

    A policy with no tier rules puts every customer in the fallback tier.
    """
    if not policy.tiers:
        return ibis.literal(policy.fallback.value, type="string")
    case = ibis.cases(
        *[(_rule_predicate(rows, r), r.tier.value) for r in policy.tiers],
        else_=policy.fallback.value,
    )
    return case


def _rule_predicate(rows: Any, tier_rule: Any) -> Any:
    pred = ibis.literal(True)
    if tier_rule.recency_max is not None:
        pred &= rows.recency_days <= tier_rule.recency_max
    if tier_rule.recency_min is not None:
        pred &= rows.recency_days >= tier_rule.recency_min
    if tier_rule.frequency_min is not None:
        pred &= rows.frequency >= tier_rule.frequency_min
    if tier_rule.monetary_min is not None:
        pred &= rows.monetary_cents >= cents_threshold(tier_rule.monetary_min)
    return pred
