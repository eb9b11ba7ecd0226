"""The team rhythm's lake figures (seed 002 晨会): each RM's new assets and new accounts per
business day, the book's AUM at month-ends, a staff member's training records, and the
"work done by the 16th" rule. Pure functions of a `Lake`; the app stores what they return.

Rules (docs/teams.md states them for the bank's users):

- **New assets of a day** (新增资产): the net new money of the RM's book that day: Σ credits
  − Σ debits of the valid transactions, on that business date (bank time), of the
  customers the RM is in charge of on that date (assignments, valid_to inclusive).
  Transactions of the bank's own products that move money inside AUM (a purchase of a
  wealth product debits the deposit; `INTERNAL_CATEGORIES`) or that are borrowed money
  (loan disbursements, cards; `BORROWED_CATEGORIES`) are left out: a customer who buys
  a fund with their deposit brings no new asset, a disbursed loan is not an asset.
  The lake's `balances` are monthly, so a day's AUM change cannot be read from them;
  the month's change of the book's AUM is `book_month_end_aum` (month-end balances).
- **New accounts of a day** (开户数): customers whose `opened_on` is that day, credited to
  the first assignment in force on or after the opening day (the RM in charge on the
  day, else the one who took the customer on next).
- **Done by the 16th** (每月16日前完成当月工作): on day d of a month the expected share of
  the month's target is min(d, 16) ÷ 16; a line is behind when month-to-date ÷ target
  is below it, and done when it reaches 1.
"""

# ruff: noqa: S608 - SQL over contract view names; the only values are dates we format

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from rmperf.engine.backends import attach_lake, open_backend
from rmperf.engine.indicators.params import AUM_CATEGORIES
from rmperf.engine.lake import Lake

#: Product categories whose transactions move money inside the customer's AUM.
INTERNAL_CATEGORIES: tuple[str, ...] = ("time_deposit", "wealth", "fund", "insurance", "trust")
#: Product categories whose transactions are borrowed money.
BORROWED_CATEGORIES: tuple[str, ...] = (
    "credit_card",
    "mortgage",
    "consumer_loan",
    "business_loan",
)
#: The day of the month by which the month's work is to be done (seed 002).
DONE_BY_DAY = 16
RATE = Decimal("0.0001")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BookDay:
    """One RM's figures of one business day."""

    staff_id: str
    day: dt.date
    new_assets: Decimal
    new_accounts: int


def _utc_bound(day: dt.date, time_zone: str) -> str:
    """The instant `day` begins in bank time, as a UTC literal DuckDB reads."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(time_zone)).astimezone(dt.UTC)
    return start.strftime("%Y-%m-%d %H:%M:%S")


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def book_days(lake: Lake, *, first: dt.date, last: dt.date) -> list[BookDay]:
    """Each RM's new assets and new accounts on every business day of first … last that
    has either (days with neither are absent; the caller reads them as 0)."""
    if first > last:
        raise ValueError(f"first day {first} is after last day {last}")
    engine = open_backend("duckdb")
    tz = lake.time_zone.replace("'", "")
    lo, hi = _utc_bound(first, tz), _utc_bound(last + dt.timedelta(days=1), tz)
    left_out = _in_list(INTERNAL_CATEGORIES + BORROWED_CATEGORIES)
    try:
        attach_lake(engine, lake, ["transactions", "assignments", "customers", "products"])
        flows = engine.to_arrow(
            f"""
            WITH t AS (
                SELECT t.customer_id, CAST(timezone('{tz}', t.ts) AS DATE) AS day,
                       CASE WHEN t.direction = 'credit' THEN t.amount ELSE -t.amount END AS net
                FROM rm_valid_transactions t
                LEFT JOIN rm_valid_products p ON p.product_id = t.product_id
                WHERE t.ts >= CAST('{lo}+00' AS TIMESTAMPTZ)
                  AND t.ts < CAST('{hi}+00' AS TIMESTAMPTZ)
                  AND (p.category IS NULL OR p.category NOT IN ({left_out}))
            )
            SELECT a.staff_id, t.day, CAST(SUM(t.net) AS DECIMAL(18, 2)) AS new_assets
            FROM t JOIN rm_valid_assignments a
              ON a.customer_id = t.customer_id AND a.valid_from <= t.day
             AND (a.valid_to IS NULL OR a.valid_to >= t.day)
            GROUP BY a.staff_id, t.day
            """
        )
        opened = engine.to_arrow(
            f"""
            WITH first_rm AS (
                SELECT c.customer_id, c.opened_on AS day, a.staff_id,
                       ROW_NUMBER() OVER (PARTITION BY c.customer_id ORDER BY a.valid_from) AS n
                FROM rm_valid_customers c JOIN rm_valid_assignments a
                  ON a.customer_id = c.customer_id
                 AND (a.valid_to IS NULL OR a.valid_to >= c.opened_on)
                WHERE c.opened_on BETWEEN DATE '{first.isoformat()}' AND DATE '{last.isoformat()}'
            )
            SELECT staff_id, day, COUNT(*) AS new_accounts FROM first_rm WHERE n = 1
            GROUP BY staff_id, day
            """
        )
    finally:
        engine.close()
    out: dict[tuple[str, dt.date], list[object]] = {}
    for staff_id, day, amount in zip(
        flows.column("staff_id").to_pylist(),
        flows.column("day").to_pylist(),
        flows.column("new_assets").to_pylist(),
        strict=True,
    ):
        out[(staff_id, day)] = [Decimal(amount).quantize(CENT), 0]
    for staff_id, day, n in zip(
        opened.column("staff_id").to_pylist(),
        opened.column("day").to_pylist(),
        opened.column("new_accounts").to_pylist(),
        strict=True,
    ):
        out.setdefault((staff_id, day), [Decimal("0.00"), 0])[1] = int(n)
    return [
        BookDay(staff_id=s, day=d, new_assets=v[0], new_accounts=v[1])  # type: ignore[arg-type]
        for (s, d), v in sorted(out.items())
    ]


def book_month_end_aum(lake: Lake, *, months: Sequence[str]) -> dict[tuple[str, str], Decimal]:
    """(staff_id, month) → Σ month-end balance of the AUM categories of the customers the RM
    is in charge of on the month's last day, for each month (YYYY-MM) the lake has."""
    if not months:
        return {}
    engine = open_backend("duckdb")
    cats = _in_list(AUM_CATEGORIES)
    try:
        attach_lake(engine, lake, ["balances", "assignments"])
        table = engine.to_arrow(
            f"""
            WITH b AS (
                SELECT customer_id, month, month_end_balance,
                       LAST_DAY(CAST(month || '-01' AS DATE)) AS month_end
                FROM rm_valid_balances
                WHERE category IN ({cats}) AND month IN ({_in_list(months)})
            )
            SELECT a.staff_id, b.month,
                   CAST(SUM(b.month_end_balance) AS DECIMAL(20, 2)) AS aum
            FROM b JOIN rm_valid_assignments a
              ON a.customer_id = b.customer_id AND a.valid_from <= b.month_end
             AND (a.valid_to IS NULL OR a.valid_to >= b.month_end)
            GROUP BY a.staff_id, b.month
            """
        )
    finally:
        engine.close()
    return {
        (s, m): Decimal(v).quantize(CENT)
        for s, m, v in zip(
            table.column("staff_id").to_pylist(),
            table.column("month").to_pylist(),
            table.column("aum").to_pylist(),
            strict=True,
        )
    }


@dataclass(frozen=True)
class TrainingRecord:
    """One row of the lake's `trainings`."""

    staff_id: str
    day: dt.date
    kind: str
    name: str
    hours: Decimal


def trainings_of(lake: Lake, *, staff_ids: Sequence[str]) -> list[TrainingRecord]:
    """The valid training records of these staff, oldest first."""
    if not staff_ids:
        return []
    engine = open_backend("duckdb")
    try:
        attach_lake(engine, lake, ["trainings"])
        table = engine.to_arrow(
            'SELECT staff_id, "date" AS day, kind, name, hours FROM rm_valid_trainings '
            f"WHERE staff_id IN ({_in_list(staff_ids)}) ORDER BY staff_id, day, name"
        )
    finally:
        engine.close()
    return [
        TrainingRecord(staff_id=s, day=d, kind=k, name=n, hours=Decimal(h).quantize(CENT))
        for s, d, k, n, h in zip(
            *(table.column(c).to_pylist() for c in ("staff_id", "day", "kind", "name", "hours")),
            strict=True,
        )
    ]


@dataclass(frozen=True)
class MonthProgress:
    """A month-to-date figure against its month target under the done-by-the-16th rule."""

    actual: Decimal
    target: Decimal | None
    completion: Decimal | None
    expected: Decimal

    @property
    def behind(self) -> bool:
        return self.completion is not None and self.completion < self.expected

    @property
    def done(self) -> bool:
        return self.completion is not None and self.completion >= 1


def expected_by_16th(day: dt.date) -> Decimal:
    """The share of the month's target due by the end of `day`: min(d, 16) ÷ 16, 4 places."""
    return (Decimal(min(day.day, DONE_BY_DAY)) / DONE_BY_DAY).quantize(RATE, ROUND_HALF_UP)


def month_progress(*, actual: Decimal, target: Decimal | None, day: dt.date) -> MonthProgress:
    """Month-to-date `actual` on `day` against the month `target` (None or 0: no target)."""
    completion = (actual / target).quantize(RATE, ROUND_HALF_UP) if target else None
    return MonthProgress(
        actual=actual, target=target, completion=completion, expected=expected_by_16th(day)
    )


__all__ = [
    "BORROWED_CATEGORIES",
    "DONE_BY_DAY",
    "INTERNAL_CATEGORIES",
    "BookDay",
    "MonthProgress",
    "TrainingRecord",
    "book_days",
    "book_month_end_aum",
    "expected_by_16th",
    "month_progress",
    "trainings_of",
]
