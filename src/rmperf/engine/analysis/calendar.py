"""Mainland-China working days: weekdays minus statutory holidays, plus the make-up
working days (调休上班日) that fall on weekends, from the maintained `chinesecalendar`
library (import name `chinese_calendar`), which transcribes the State Council's yearly
holiday notice, make-up days included.

A year the library does not cover (1.11.0: 2004–2026) is refused, never guessed: the
notice for a year comes out in the previous November, and a calendar without its make-up
Saturdays would count the wrong number of working days. `python-holidays` was considered
first: its China calendar keeps the make-up days only as an internal set behind
`is_working_day`, not as a category, and estimates years it has no notice for.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import chinese_calendar


class CalendarError(ValueError):
    """The calendar does not know a year that was asked for."""


@cache
def _working_days_of_year(year: int) -> frozenset[dt.date]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        days = chinese_calendar.get_workdays(first, last, include_weekends=True)
    except NotImplementedError as exc:
        raise CalendarError(
            f"the mainland-China working-day calendar (chinesecalendar) does not cover {year}: "
            f"{exc}; upgrade the library once that year's holiday notice is published"
        ) from None
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day in mainland China."""
    return day in _working_days_of_year(day.year)


def working_day_set(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The working days in first … last (both included), in order; empty when first > last."""
    out: list[dt.date] = []
    for year in range(first.year, last.year + 1):
        out.extend(d for d in _working_days_of_year(year) if first <= d <= last)
    return tuple(sorted(out))


def working_days(first: dt.date, last: dt.date) -> int:
    """The number of working days in first … last, both included (0 when first > last)."""
    return len(working_day_set(first, last)) if first <= last else 0
