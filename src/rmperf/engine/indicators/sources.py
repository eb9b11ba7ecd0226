"""Ibis building blocks shared by the indicator families: the detail columns, crediting
and month calendars.

Every expression here is portable Ibis over the valid views (`ibis_tables`), except the
business date of a timestamp (`activity.business_date`, one builtin per backend). The
Context and the month calendar live in `context.py` (no Ibis at import).
Money enters as integer cents (`cents`), so sums are exact on both engines; no
division happens in the backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import ibis

from rmperf.engine.activity import on_days as on_days
from rmperf.engine.ibis_tables import contract_table as contract_table
from rmperf.engine.indicators.context import BALANCE_MONTHS, month_days, month_end, month_start
from rmperf.engine.indicators.context import Context as Context
from rmperf.engine.indicators.context import next_month as next_month
from rmperf.engine.indicators.context import previous_month as previous_month
from rmperf.engine.indicators.params import AUM_CATEGORIES

#: Stands for an open assignment end (valid_to empty = still valid).
FAR_FUTURE = dt.date(9999, 12, 31)

#: The columns of every detail expression (`detail`): staff_id, key (what the finisher
#: needs, e.g. a product id), source (lake table), ref_id, customer_id, day (date or
#: month), a, b (int64), share_num, share_den (the credited share), flag, note.
DETAIL_COLUMNS = (
    "staff_id",
    "key",
    "source",
    "ref_id",
    "customer_id",
    "day",
    "a",
    "b",
    "share_num",
    "share_den",
    "flag",
    "note",
)

STR_NULL = ibis.literal(None, type="string")


def _lit_int(value: int) -> Any:
    return ibis.literal(value, type="int64")


def detail(
    t: Any,
    *,
    staff_id: Any,
    source: str,
    ref_id: Any,
    a: Any,
    b: Any = 0,
    key: Any = "",
    customer_id: Any = None,
    day: Any = None,
    share_num: Any = 1,
    share_den: Any = 1,
    flag: Any = None,
    note: Any = None,
) -> Any:
    """The standard detail columns from expressions over `t` (plain values become literals)."""

    def as_int(v: Any) -> Any:
        return _lit_int(v) if isinstance(v, int) else v.cast("int64")

    def as_str(v: Any) -> Any:
        if v is None:
            return STR_NULL
        return ibis.literal(v, type="string") if isinstance(v, str) else v.cast("string")

    return t.select(
        staff_id=staff_id.cast("string"),
        key=as_str(key),
        source=ibis.literal(source, type="string"),
        ref_id=as_str(ref_id),
        customer_id=as_str(customer_id),
        day=as_str(day),
        a=as_int(a),
        b=as_int(b),
        share_num=as_int(share_num),
        share_den=as_int(share_den),
        flag=as_str(flag),
        note=as_str(note),
    )


def money_text(cents_col: Any) -> Any:
    """Integer cents as text with two places, e.g. 40000000 → '400000.00' (exact)."""
    return (cents_col // 100).cast("string") + "." + (cents_col % 100).cast("string").lpad(2, "0")


def for_staff(rows: Any, staff: str | None) -> Any:
    """The rows of one RM (None: of every RM)."""
    return rows if staff is None else rows.filter(rows.staff_id == staff)


def in_period(ctx: Context, day: Any) -> Any:
    return (day >= ctx.start) & (day <= ctx.end)


def holdings_products() -> Any:
    """Holdings with their product's category."""
    h = contract_table("holdings")
    p = contract_table("products")
    j = h.join(p, h.product_id == p.product_id)
    return j.select(
        customer_id=j.customer_id,
        product_id=j.product_id,
        category=j.category,
        amount=j.amount,
        start_date=j.start_date,
        maturity_date=j.maturity_date,
    )


def cents(amount: Any) -> Any:
    """A decimal(…,2) money column as exact integer cents."""
    return (amount * 100).cast("int64")


def flag_true(col: Any) -> Any:
    """An optional boolean column: NULL counts as false."""
    return col.fill_null(False)


def assignments() -> Any:
    """Assignments with the open end replaced by FAR_FUTURE and prefixed names."""
    a = contract_table("assignments")
    return a.select(
        a_customer=a.customer_id,
        a_staff=a.staff_id,
        a_from=a.valid_from,
        a_to=a.valid_to.fill_null(ibis.literal(FAR_FUTURE)),
    )


def credit_by_day(facts: Any, day: str) -> Any:
    """`facts` (with customer_id and the date column `day`) joined to the RM in charge then.

    Adds `staff_id`; a fact of an unassigned customer has no row (credited to nobody).
    """
    a = assignments()
    joined = facts.join(
        a,
        [
            facts.customer_id == a.a_customer,
            facts[day] >= a.a_from,
            facts[day] <= a.a_to,
        ],
    )
    return joined.mutate(staff_id=joined.a_staff).drop("a_customer", "a_staff", "a_from", "a_to")


def book_on(day: dt.date) -> Any:
    """(customer_id, staff_id) of every assignment valid on `day`."""
    a = assignments()
    d = ibis.literal(day)
    on = a.filter((a.a_from <= d) & (a.a_to >= d))
    return on.select(customer_id=on.a_customer, staff_id=on.a_staff)


def _month_case(col: Any, values: dict[str, Any]) -> Any:
    items = list(values.items())
    if len(items) == 1:
        return ibis.literal(items[0][1])
    return ibis.cases(*[(col == k, ibis.literal(v)) for k, v in items[:-1]], else_=items[-1][1])


#: The category sets the definitions sum balances over, kept per (customer, month) in
#: BALANCE_MONTHS by `balance_months` (one pass over the balances instead of one per use).
BALANCE_SETS: dict[str, tuple[str, ...]] = {"deposit": ("deposit",), "aum": AUM_CATEGORIES}


def _balance_months_schema() -> Any:
    columns = {"customer_id": "string", "month": "string"}
    for name in BALANCE_SETS:
        columns |= {f"{name}_avg": "int64", f"{name}_end": "int64"}
    return ibis.schema(columns)


def balance_months(first: str, last: str) -> Any:
    """Per (customer, month) from month `first` to `last`, for each of BALANCE_SETS: the
    Σ average and month-end in cents of its categories (`<set>_avg`, `<set>_end`), NULL
    when the customer has no balance row in them that month (the columns are required,
    so a sum over one row or more is never NULL).

    Computed once per command as the staged table BALANCE_MONTHS (indicators.compute);
    `monthly_balances` reads it. Exact: the same integer cents summed in two steps.
    """
    bal = contract_table("balances")
    # Rows of no set would only make customer-months whose sums are all NULL.
    used = sorted({c for categories in BALANCE_SETS.values() for c in categories})
    bal = bal.filter((bal.month >= first) & (bal.month <= last) & bal.category.isin(used))
    sums: dict[str, Any] = {}
    for name, categories in BALANCE_SETS.items():
        inside = bal.category.isin(list(categories))
        sums[f"{name}_avg"] = cents(bal.avg_daily_balance).sum(where=inside)
        sums[f"{name}_end"] = cents(bal.month_end_balance).sum(where=inside)
    return bal.group_by(customer_id=bal.customer_id, month=bal.month).aggregate(**sums)


def monthly_balances(months: Sequence[str], categories: Iterable[str]) -> Any:
    """Per (customer, month) in `months`: Σ avg and month-end balance in cents over `categories`.

    A customer-month with no balance row in `categories` has no row. The category sets of
    BALANCE_SETS read the staged BALANCE_MONTHS (whose months must cover `months`).
    """
    wanted = tuple(categories)
    for name, categories_of_set in BALANCE_SETS.items():
        if wanted == categories_of_set:
            staged = ibis.table(_balance_months_schema(), name=BALANCE_MONTHS)
            staged = staged.filter(
                staged.month.isin(list(months)) & staged[f"{name}_avg"].notnull()
            )
            return staged.select(
                customer_id=staged.customer_id,
                month=staged.month,
                avg_cents=staged[f"{name}_avg"],
                end_cents=staged[f"{name}_end"],
            )
    bal = contract_table("balances")
    bal = bal.filter(bal.month.isin(list(months)) & bal.category.isin(list(wanted)))
    return bal.group_by(customer_id=bal.customer_id, month=bal.month).aggregate(
        avg_cents=cents(bal.avg_daily_balance).sum(),
        end_cents=cents(bal.month_end_balance).sum(),
    )


def credited_balances(months: Sequence[str], categories: Iterable[str]) -> Any:
    """Per (customer, month, RM): the month's balances and the days the RM was in charge.

    Columns: customer_id, month, staff_id, avg_cents, end_cents, days, month_days.
    """
    return credit_months(monthly_balances(months, categories), months, ("avg_cents", "end_cents"))


def credit_months(per: Any, months: Sequence[str], keep: Sequence[str]) -> Any:
    """`per` (customer_id, month of `months`, and the columns `keep`) once per RM in charge
    of the customer during that month, with the days they were: customer_id, month,
    staff_id, the `keep` columns, days, month_days."""
    per = per.mutate(
        m_start=_month_case(per.month, {m: month_start(m) for m in months}),
        m_end=_month_case(per.month, {m: month_end(m) for m in months}),
        m_days=_month_case(per.month, {m: month_days(m) for m in months}),
    )
    a = assignments()
    joined = per.join(
        a,
        [per.customer_id == a.a_customer, a.a_from <= per.m_end, a.a_to >= per.m_start],
    )
    lo = ibis.greatest(joined.a_from, joined.m_start)
    hi = ibis.least(joined.a_to, joined.m_end)
    return joined.select(
        customer_id=joined.customer_id,
        month=joined.month,
        staff_id=joined.a_staff,
        **{name: joined[name] for name in keep},
        days=(hi.delta(lo, unit="day") + 1).cast("int64"),
        month_days=joined.m_days.cast("int64"),
    )


def balance_sets_by_month(months: Sequence[str], sets: Sequence[str]) -> Any:
    """Per (customer, month) in `months` with a balance row in any of `sets` (names of
    BALANCE_SETS, each one's categories within the last one's): customer_id, month and
    per set `<set>_avg` (Σ average in cents, 0 when none of its categories has a row)."""
    widest = set(BALANCE_SETS[sets[-1]])
    if any(not set(BALANCE_SETS[name]) <= widest for name in sets):
        raise ValueError(f"the balance sets {sets} are not nested in {sets[-1]}")
    staged = ibis.table(_balance_months_schema(), name=BALANCE_MONTHS)
    staged = staged.filter(staged.month.isin(list(months)) & staged[f"{sets[-1]}_avg"].notnull())
    return staged.select(
        customer_id=staged.customer_id,
        month=staged.month,
        **{f"{name}_avg": staged[f"{name}_avg"].fill_null(0) for name in sets},
    )


def assigned_days(first: dt.date, last: dt.date) -> Any:
    """Per (customer, RM): days of first … last the RM was in charge of the customer."""
    a = assignments()
    lo_d, hi_d = ibis.literal(first), ibis.literal(last)
    on = a.filter((a.a_from <= hi_d) & (a.a_to >= lo_d))
    days = ibis.least(on.a_to, hi_d).delta(ibis.greatest(on.a_from, lo_d), unit="day") + 1
    rows = on.select(customer_id=on.a_customer, staff_id=on.a_staff, days=days.cast("int64"))
    return rows.group_by("customer_id", "staff_id").aggregate(days=rows.days.sum())


def month_key(day: Any) -> Any:
    """YYYY-MM of a date expression."""
    return day.year().cast("string") + "-" + day.month().cast("string").lpad(2, "0")
