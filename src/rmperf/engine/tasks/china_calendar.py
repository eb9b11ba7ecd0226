"""Working days and statutory holidays of mainland China, from the `holidays` library.

The library keeps the State Council's yearly notices (国务院办公厅关于部分节假日安排的通知):
the statutory holidays, the days off moved onto weekdays (调休) and the make-up working
days on weekends (`weekend_workdays`, 调休上班). A working day is a Monday to Friday that
is no holiday or day off, or a make-up working Saturday or Sunday (`is_working_day`).
Years whose notice is not out yet follow the library's rules for the statutory days
and their usual observance, without make-up days; see docs/tasks.md.

A holiday **break** is a run of consecutive days that are not working days and that
contains at least one statutory holiday or day off: the 2026 Spring Festival break is
15 … 23 February (a Sunday, the Eve, the three days, two days off moved from the
weekends of 14 and 28 February, and the weekend between). A plain weekend is no break.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays

ONE_DAY = dt.timedelta(days=1)
#: How far a break may run (the longest, the Spring Festival, is 9 days).
MAX_BREAK_DAYS = 31


@dataclass(frozen=True)
class HolidayBreak:
    """Consecutive days off around one or more statutory holidays."""

    first_day_off: dt.date
    last_day_off: dt.date
    names_en: tuple[str, ...]
    names_zh: tuple[str, ...]

    @property
    def name_en(self) -> str:
        return ", ".join(self.names_en)

    @property
    def name_zh(self) -> str:
        return "、".join(self.names_zh)

    @property
    def days(self) -> int:
        return (self.last_day_off - self.first_day_off).days + 1


@cache
def _calendar(language: str) -> holidays.HolidayBase:
    # The calendar adds each year on first use (expand=True), so any date can be asked.
    return holidays.country_holidays("CN", language=language)


def is_working_day(day: dt.date) -> bool:
    """A weekday that is no holiday or day off, or a make-up working weekend day."""
    return bool(_calendar("en_US").is_working_day(day))


def nth_working_day(start: dt.date, n: int) -> dt.date:
    """The n-th working day (n ≥ 1) counting from `start` itself."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    found: dt.date = _calendar("en_US").get_nth_working_day(start - ONE_DAY, n)
    return found


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


#: Per language: how the library names a day off moved from a weekend (not a holiday of
#: its own) and the suffix of an observed (in-lieu) day of a holiday.
_DAY_OFF = {"en_US": ("Day off", " (observed)"), "zh_CN": ("休息日", "（补假）")}


def _names(day: dt.date, language: str) -> list[str]:
    """The statutory holidays named on `day` (a day off moved from a weekend is none)."""
    day_off, observed = _DAY_OFF[language]
    return [
        name.removesuffix(observed)
        for name in _calendar(language).get_list(day)
        if not name.startswith(day_off)
    ]


def break_starting(day: dt.date) -> HolidayBreak | None:
    """The holiday break whose first day off is `day`, if there is one."""
    if is_working_day(day) or not is_working_day(day - ONE_DAY):
        return None
    names_en: list[str] = []
    names_zh: list[str] = []
    holiday = False
    last = day
    cal = _calendar("en_US")
    while not is_working_day(last + ONE_DAY) and (last - day).days < MAX_BREAK_DAYS:
        last += ONE_DAY
    current = day
    while current <= last:
        holiday = holiday or current in cal
        for name in _names(current, "en_US"):
            if name not in names_en:
                names_en.append(name)
        for name in _names(current, "zh_CN"):
            if name not in names_zh:
                names_zh.append(name)
        current += ONE_DAY
    if not holiday:
        return None
    return HolidayBreak(day, last, tuple(names_en), tuple(names_zh))


def breaks_starting_between(first: dt.date, last: dt.date) -> list[HolidayBreak]:
    """Every holiday break whose first day off falls in first … last (both included)."""
    out = []
    day = first
    while day <= last:
        found = break_starting(day)
        if found is not None:
            out.append(found)
        day += ONE_DAY
    return out
