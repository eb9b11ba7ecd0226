"""Linking a referral to the purchase that converts it (DOMAIN §4).

A referral made on business date D for customer C converts with the first new holding
(`holdings.start_date`, earliest first; then the larger amount; then product id) of C in a
product of the rule's `conversion_categories` with start_date in D … D + window (both
included; window = `conversion_window_days`). The holding's amount is the customer's
contribution the referrer's points are proportional to.
"""

# ruff: noqa: S608 - SQL over generated view names and a registered Arrow table

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa

from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.lake import Lake
from rmperf.engine.referrals.policy import ReferralPolicy
from rmperf.engine.validity import valid_view_name


@dataclass(frozen=True)
class OpenReferral:
    """A referral waiting for its purchase: its key, customer, business date and rule."""

    key: str
    customer_id: str
    referred_on: dt.date
    rule_id: str


@dataclass(frozen=True)
class Purchase:
    """The holding that converted a referral."""

    key: str
    product_id: str
    category: str
    amount: Decimal
    start_date: dt.date


def window_end(policy: ReferralPolicy, referred_on: dt.date) -> dt.date:
    """The last day a purchase still converts a referral made on `referred_on`."""
    return referred_on + dt.timedelta(days=policy.conversion_window_days)


def match_purchases(
    lake: Lake, referrals: list[OpenReferral], *, policy: ReferralPolicy
) -> dict[str, Purchase]:
    """The converting purchase of each referral that has one, by referral key."""
    rows = []
    for r in referrals:
        rule = policy.rule(r.rule_id)
        if rule is None:
            raise ValueError(f"referral {r.key}: rule {r.rule_id!r} is not in the rule book")
        for cat in rule.conversion_categories:
            rows.append(
                {
                    "key": r.key,
                    "customer_id": r.customer_id,
                    "d0": r.referred_on,
                    "d1": window_end(policy, r.referred_on),
                    "category": cat,
                }
            )
    if not rows:
        return {}
    wanted = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("key", pa.string()),
                ("customer_id", pa.string()),
                ("d0", pa.date32()),
                ("d1", pa.date32()),
                ("category", pa.string()),
            ]
        ),
    )
    backend = DuckDBBackend()
    try:
        attach_lake(backend, lake, ("holdings", "products"))
        backend.con.register("rm_ref_wanted", wanted)
        table = backend.to_arrow(
            "SELECT key, product_id, category, amount, start_date FROM ("
            "SELECT w.key, h.product_id, p.category, h.amount, h.start_date, row_number() OVER "
            "(PARTITION BY w.key ORDER BY h.start_date, h.amount DESC, h.product_id) AS rn "
            f"FROM rm_ref_wanted w JOIN {valid_view_name('holdings')} h "
            "ON h.customer_id = w.customer_id AND h.start_date BETWEEN w.d0 AND w.d1 "
            f"JOIN {valid_view_name('products')} p ON p.product_id = h.product_id "
            "AND p.category = w.category) WHERE rn = 1"
        )
    finally:
        backend.close()
    return {
        row["key"]: Purchase(
            key=row["key"],
            product_id=row["product_id"],
            category=row["category"],
            amount=row["amount"],
            start_date=row["start_date"],
        )
        for row in table.to_pylist()
    }
