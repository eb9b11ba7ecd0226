"""Ibis building blocks shared by the indicator definitions: crediting and month calendars.

Every expression here is portable Ibis over the valid views (`ibis_tables`), except the
business date of a timestamp (`activity.business_date`, one builtin per backend).
Money enters as integer cents (`cents`), so sums are exact on both engines; no
division happens in the backend.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis

from rmperf.engine.activity import business_date
from rmperf.engine.backends import BackendName
from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.indicators.params import IndicatorParams
from rmperf.engine.periods import Period

#: Stands for an open assignment end (valid_to empty = still valid).
FAR_FUTURE = dt.date(9999, 12, 31)


def month_start(key: str) -> dt.date:
    return dt.date(int(key[:4]), int(key[5:7]), 1)


def month_end(key: str) -> dt.date:
    y, m = int(key[:4]), int(key[5:7])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def month_days(key: str) -> int:
    return month_end(key).day


def next_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def previous_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


@dataclass(frozen=True)
class Context:
    """Everything an indicator definition depends on besides the lake's rows."""

    backend: BackendName
    period: Period
    time_zone: str
    params: IndicatorParams
    last_balance_month: str | None  # the lake's latest balances.month
    last_loan_month: str | None  # the lake's latest loan_status.month
    rates: dict[str, Any]  # product_id → Decimal revenue_rate
    categories: dict[str, str]  # product_id → category

    @property
    def months(self) -> tuple[str, ...]:
        """The period's months that the lake's balances cover (an average to date)."""
        last = self.last_balance_month
        return tuple(m for m in self.period.months if last is not None and m <= last)

    @property
    def days(self) -> int:
        """D: days of `months`."""
        return sum(month_days(m) for m in self.months)

    @property
    def prev_months(self) -> tuple[str, ...]:
        return self.period.previous().months

    @property
    def prev_days(self) -> int:
        return self.period.previous().days

    @property
    def loan_months(self) -> tuple[str, ...]:
        last = self.last_loan_month
        return tuple(m for m in self.period.months if last is not None and m <= last)

    @property
    def loan_days(self) -> int:
        return sum(month_days(m) for m in self.loan_months)

    def bdate(self, ts: Any) -> Any:
        """The business date (bank time) of a timestamp column."""
        return business_date(self.backend, ts, self.time_zone)

    @property
    def start(self) -> Any:
        return ibis.literal(self.period.start)

    @property
    def end(self) -> Any:
        return ibis.literal(self.period.end)


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


def monthly_balances(months: Sequence[str], categories: Iterable[str]) -> Any:
    """Per (customer, month) in `months`: Σ avg and month-end balance in cents over `categories`."""
    bal = contract_table("balances")
    bal = bal.filter(bal.month.isin(list(months)) & bal.category.isin(list(categories)))
    return bal.group_by(customer_id=bal.customer_id, month=bal.month).aggregate(
        avg_cents=cents(bal.avg_daily_balance).sum(),
        end_cents=cents(bal.month_end_balance).sum(),
    )


def credited_balances(months: Sequence[str], categories: Iterable[str]) -> Any:
    """Per (customer, month, RM): the month's balances and the days the RM was in charge.

    Columns: customer_id, month, staff_id, avg_cents, end_cents, days, month_days.
    """
    per = monthly_balances(months, categories)
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
        avg_cents=joined.avg_cents,
        end_cents=joined.end_cents,
        days=(hi.delta(lo, unit="day") + 1).cast("int64"),
        month_days=joined.m_days.cast("int64"),
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
