"""Quarters and months as integers, so the pay state machine can step and compare them.

A quarter index is `year × 4 + (quarter − 1)` (2026Q3 → 8106) and a month index
`year × 12 + (month − 1)`; the quarter of month index m is m // 3 and the last month
of quarter index q is 3q + 2.
"""

from __future__ import annotations

import calendar
import datetime as dt

from rmperf.engine.periods import Period, PeriodKind


def quarter_index(period: Period) -> int:
    if period.kind is not PeriodKind.QUARTER:
        raise ValueError(f"{period.key} is not a quarter (e.g. 2026Q3)")
    return period.start.year * 4 + (period.start.month - 1) // 3


def quarter_of(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_key(q: int) -> str:
    return f"{q // 4:04d}Q{q % 4 + 1}"


def quarter_period(q: int) -> Period:
    return Period.parse(quarter_key(q))


def month_index(key: str) -> int:
    """`2026-09` → its month index."""
    year, month = key.split("-")
    return int(year) * 12 + int(month) - 1


def month_key(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def last_month(q: int) -> int:
    return 3 * q + 2


def month_bounds(m: int) -> tuple[dt.date, dt.date]:
    year, month = m // 12, m % 12 + 1
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
