"""The whole segmentation row of every customer as one expression: R/F/M and tier
(rfm.py), holdings, risk and tags (tags.py) and the value estimate's parts (value.py).

Each part defines its own aggregates and columns; this module only decides how they meet,
so each fact table is read once:
- the customers once, every per-customer aggregate left-joined to them;
- the transactions once (R, F, the M window's amounts and the settlement count);
- the balances once, for M's months and the deposit window together; only customers
  opened inside the deposit window are looked up to drop months before their opening;
- holdings and loans once, for the held categories and the fee income together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ibis

from rmperf.engine.backends import BackendName
from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.segmentation.rfm import (
    aum_filter,
    current_rm_expr,
    month_key,
    months_back,
    rfm_columns,
    tier_case,
    transaction_summary,
)
from rmperf.engine.segmentation.tags import (
    add_months,
    event_counts_expr,
    holdings_expr,
    profile_columns,
)
from rmperf.engine.segmentation.value import (
    deposit_filter,
    loan_interest_expr,
    recent_openings_expr,
    settlement_since,
    value_columns,
)


def balance_sums_expr(as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """Per customer with balances in either window: aum_cents (M's rows, rfm.aum_expr)
    and deposit_cents (deposit_filter's rows from the customer's opening month on)."""
    bal = contract_table("balances")
    # The rows of either window lie in the box of their categories and months: plain
    # conjuncts DuckDB pushes into the Parquet scan. Each sum keeps only its own rows, so
    # the exact (OR of two windows) filter would only cost a pass over every row.
    categories = {*policy.monetary.asset_categories, *policy.value.deposit.categories}
    first = min(
        months_back(as_of, policy.monetary.months),
        month_key(add_months(as_of, 1 - policy.value.deposit.months)),
    )
    bal = bal.filter(
        bal.category.isin(sorted(categories)),
        bal.month >= first,
        bal.month <= month_key(as_of),
    )
    recent = recent_openings_expr(as_of, policy)
    bal = bal.left_join(recent, "customer_id")
    since_opening = bal.opened_key.isnull() | (bal.month >= bal.opened_key)
    cents = (bal.avg_daily_balance * 100).cast("int64")
    return bal.group_by("customer_id").aggregate(
        aum_cents=cents.sum(where=aum_filter(bal, as_of, policy)),
        deposit_cents=cents.sum(where=deposit_filter(bal, as_of, policy) & since_opening),
    )


def segment_expr(
    backend: BackendName,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    spreads: Mapping[str, int],
) -> Any:
    """One row per customer opened on or before `as_of` (unsorted): customer_id, unit_id,
    rm_id, recency_days, frequency, monetary_cents, settlement_count, tier, the holds_
    columns, product_count, risk_level, risk_assessment_current, the tag flags and the
    value parts (deposit_e8, deposit_months, fee_e8, loan_e8)."""
    cust = contract_table("customers")
    joined = cust.filter(cust.opened_on <= ibis.literal(as_of))
    since = settlement_since(as_of, policy)
    parts = [
        transaction_summary(backend, as_of=as_of, policy=policy, count_since=since),
        balance_sums_expr(as_of, policy),
        current_rm_expr(as_of),
        holdings_expr(as_of, policy.value.fee_categories),
        event_counts_expr(backend, as_of, policy),
        loan_interest_expr(as_of, policy),
    ]
    for part in parts:
        if part is not None:
            joined = joined.left_join(part, "customer_id")
    rows = joined.select(
        customer_id=joined.customer_id,
        unit_id=joined.unit_id,
        rm_id=joined.rm_id,
        **rfm_columns(joined, backend, as_of=as_of, policy=policy, with_counts=since),
        **profile_columns(joined, as_of=as_of, policy=policy),
        **value_columns(joined, as_of=as_of, policy=policy, spreads=spreads),
    )
    return rows.mutate(tier=tier_case(rows, policy))
