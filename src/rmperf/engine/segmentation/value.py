"""Customer value estimate (客户价值评估, seed 002): the expected annual contribution of a
customer to the bank at an as-of date D. The formula, its sources, a worked example and
what it leaves out are in docs/customer-value.md; in short

    contribution = deposit spread income + fee income + loan net interest + settlement income

- deposit spread income: the average daily deposit balance over the `months` calendar
  months ending with D's month (months before the customer's opening month are not
  counted; a month without a row counts as 0) × the spread of the customer's kind (a
  rate in the policy, or one product's `revenue_rate` in the lake);
- fee income: Σ over holdings of a fee category held on D (start_date ≤ D ≤
  maturity_date) of amount × the product's `revenue_rate`;
- loan net interest: Σ over loans live on D (disbursed_on ≤ D ≤ maturity_date) whose
  latest `loan_status` month ≤ D's month has an earning grade, of that month's balance ×
  the loan product's `revenue_rate`;
- settlement income: transactions with business date in D − months < day ≤ D × the fee
  per transaction × 12 / months.

Exactness: the backend sums integer products of cents and micro-rates (units of 10⁻⁸
yuan, 64-bit, an overflow is an error, never a wrong number); the one division (the
average over months, and the settlement annualisation) and the single ROUND_HALF_UP to
the cent happen at the end in exact integers (`contribution_cents`; vectorised in 128-bit
integers, segmentation/finish.py). No float anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ibis
import pyarrow as pa

from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.segmentation.names import (
    MICRO,
    PART_COLUMNS,
)
from rmperf.engine.segmentation.names import (
    VALUE_TABLES as VALUE_TABLES,
)
from rmperf.engine.segmentation.names import (
    ValueSourceError as ValueSourceError,
)
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.segmentation.rfm import month_key
from rmperf.engine.segmentation.tags import add_months


def _cents(money: Any) -> Any:
    return (money * 100).cast("int64")


def _micros(rate: Any) -> Any:
    return (rate * MICRO).cast("int64")


def _month_index(year: Any, month: Any) -> Any:
    return year.cast("int64") * 12 + month.cast("int64")


def spreads_expr(product_ids: list[str]) -> Any:
    """product_id, micros: the revenue rate (integer millionths) of each product named."""
    prod = contract_table("products")
    return prod.filter(prod.product_id.isin(product_ids)).select(
        "product_id", micros=_micros(prod.revenue_rate)
    )


def deposit_window(as_of: dt.date, policy: SegmentationPolicy) -> tuple[int, int]:
    """(index of D's month, index of the window's first month), months as year × 12 + month."""
    d_index = as_of.year * 12 + as_of.month
    return d_index, d_index - policy.value.deposit.months + 1


def deposit_filter(bal: Any, as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """The balance rows the deposit spread income may count: the deposit categories in
    the `months` months ending with D's (the opening month is checked per customer)."""
    deposit = policy.value.deposit
    return (
        bal.category.isin(list(deposit.categories))
        & (bal.month <= month_key(as_of))
        & (bal.month >= month_key(add_months(as_of, 1 - deposit.months)))
    )


def recent_openings_expr(as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """customer_id, opened_key (YYYY-MM) of the customers opened after the deposit
    window's first month and on or before D: the only ones whose balances in the window
    can predate their opening month. Everyone else counts every month of the window."""
    first = add_months(as_of, 1 - policy.value.deposit.months)
    after_first = add_months(dt.date(first.year, first.month, 1), 1)
    cust = contract_table("customers")
    cust = cust.filter(
        (cust.opened_on >= ibis.literal(after_first)) & (cust.opened_on <= ibis.literal(as_of))
    )
    return cust.select("customer_id", opened_key=cust.opened_on.strftime("%Y-%m"))


def loan_interest_expr(as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """Per customer with an earning loan live on D: loan_e8, Σ the latest status month's
    balance in cents × the product's revenue rate in micros."""
    value = policy.value
    day = ibis.literal(as_of)
    products = contract_table("products").select(
        "product_id", micros=_micros(contract_table("products").revenue_rate)
    )
    # (loan_id, month) is loan_status's primary key: the latest month's row is the one
    # joining its loan's max(month) (an aggregate, far cheaper than a window).
    status = contract_table("loan_status")
    status = status.filter(status.month <= month_key(as_of))
    last = status.group_by("loan_id").aggregate(last_month=status.month.max())
    latest = status.join(
        last, (status.loan_id == last.loan_id) & (status.month == last.last_month)
    ).select("loan_id", "balance", "grade")
    loans = contract_table("loans")
    loans = loans.filter((loans.disbursed_on <= day) & (loans.maturity_date >= day))
    loans = loans.join(latest, "loan_id").join(products, "product_id")
    loans = loans.filter(loans.grade.isin(list(value.loan_earning_grades)))
    return loans.group_by("customer_id").aggregate(
        loan_e8=(_cents(loans.balance) * loans.micros).sum()
    )


def value_columns(
    joined: Any, *, as_of: dt.date, policy: SegmentationPolicy, spreads: Mapping[str, int]
) -> dict[str, Any]:
    """deposit_e8, deposit_months, fee_e8 and loan_e8 (PART_COLUMNS but the settlement
    count) of customer rows (kind, opened_on) left-joined with `deposit_cents` (Σ cents
    of deposit_filter's rows from the opening month on), holdings_expr's fee_e8 and
    loan_interest_expr.

    Deposits: Σ ADB × spread over the months from max(window start, opening month) to
    D's; the spread is the customer's, so it multiplies the sum of cents exactly."""
    d_index, first_index = deposit_window(as_of, policy)
    opened_index = _month_index(joined.opened_on.year(), joined.opened_on.month())
    first_month = ibis.greatest(opened_index, first_index)
    spread = ibis.cases(
        (joined.kind == "retail", spreads["retail"]), else_=spreads["corporate"]
    ).cast("int64")
    return {
        "deposit_e8": joined.deposit_cents.fill_null(0) * spread,
        "deposit_months": (d_index - first_month + 1).cast("int64"),
        "fee_e8": joined.fee_e8.fill_null(0),
        "loan_e8": joined.loan_e8.fill_null(0),
    }


def settlement_since(as_of: dt.date, policy: SegmentationPolicy) -> dt.date:
    """The first business date of the settlement window: D − months (excluded) + 1 day."""
    return add_months(as_of, -policy.value.settlement.months) + dt.timedelta(days=1)


def contribution_cents(
    *,
    deposit_e8: int,
    deposit_months: int,
    fee_e8: int,
    loan_e8: int,
    settlement_count: int,
    policy: SegmentationPolicy,
) -> int:
    """The contribution in cents: the exact sum of the parts, rounded half up once.

    deposit_e8 / deposit_months + fee_e8 + loan_e8 + count × fee × 10⁶ × 12 / months,
    all in 10⁻⁸ yuan, over one common denominator so nothing is rounded before the end.
    """
    settlement = policy.value.settlement
    fee_cents = int(settlement.fee_per_transaction * 100)
    months = settlement.months
    numerator = (
        deposit_e8 * months
        + (fee_e8 + loan_e8) * deposit_months * months
        + settlement_count * fee_cents * MICRO * 12 * deposit_months
    )
    denominator = deposit_months * months * MICRO  # 10⁻⁸ yuan → cents
    # ROUND_HALF_UP of a non-negative fraction: floor((2n + d) / 2d).
    return (2 * numerator + denominator) // (2 * denominator)


def contribution_column(parts: pa.Table, policy: SegmentationPolicy) -> pa.Array:
    """Contribution as exact decimal(18,2) for each row of a table of PART_COLUMNS:
    `contribution_cents` of every row, vectorised (128-bit integers in DuckDB, finish.py)."""
    from rmperf.engine.segmentation.finish import contribution_only_sql, run_finish

    table = run_finish(contribution_only_sql(policy), parts.select(list(PART_COLUMNS)))
    return table["contribution"].combine_chunks()
