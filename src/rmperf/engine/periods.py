"""Periods as values: month `2026-09`, quarter `2026Q3`, half-year `2026H1`, year `2026`.

A period is a closed range of calendar days. Time-progress (序时进度) at a day is the
share of the period's days elapsed by the end of that day (DOMAIN glossary).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

_PATTERNS = (
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})H([12])$"), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; `key` is its canonical text form."""

    start: dt.date
    end: dt.date
    kind: PeriodKind

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-09`, `2026Q3`, `2026H1` or `2026`; anything else is a ValueError."""
        raw = text.strip().upper()
        for pattern, kind in _PATTERNS:
            m = pattern.match(raw)
            if m is None:
                continue
            year = int(m.group(1))
            if year < 1900 or year > 2999:
                break
            if kind == "month":
                return cls.month(year, int(m.group(2)))
            if kind == "quarter":
                q = int(m.group(2))
                return cls._span(year, 3 * q - 2, 3 * q, PeriodKind.QUARTER)
            if kind == "half":
                h = int(m.group(2))
                return cls._span(year, 6 * h - 5, 6 * h, PeriodKind.HALF)
            return cls._span(year, 1, 12, PeriodKind.YEAR)
        raise ValueError(f"{text!r} is not a period (use 2026-09, 2026Q3, 2026H1 or 2026)")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls._span(year, month, month, PeriodKind.MONTH)

    @classmethod
    def _span(cls, year: int, first_month: int, last_month: int, kind: PeriodKind) -> Period:
        last_day = calendar.monthrange(year, last_month)[1]
        return cls(dt.date(year, first_month, 1), dt.date(year, last_month, last_day), kind)

    @property
    def key(self) -> str:
        y = self.start.year
        match self.kind:
            case PeriodKind.MONTH:
                return f"{y:04d}-{self.start.month:02d}"
            case PeriodKind.QUARTER:
                return f"{y:04d}Q{(self.start.month - 1) // 3 + 1}"
            case PeriodKind.HALF:
                return f"{y:04d}H{(self.start.month - 1) // 6 + 1}"
            case PeriodKind.YEAR:
                return f"{y:04d}"

    def __str__(self) -> str:
        return self.key

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> tuple[str, ...]:
        """The YYYY-MM keys of the months in the period."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return tuple(out)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return self.containing(self.start - dt.timedelta(days=1), self.kind)

    def same_period_last_year(self) -> Period:
        return Period.parse(self.key.replace(str(self.start.year), str(self.start.year - 1), 1))

    def quarters(self) -> tuple[Period, ...]:
        """The quarters a half-year or year covers (a quarter covers itself)."""
        if self.kind is PeriodKind.MONTH:
            raise ValueError(f"a month ({self.key}) covers no quarter")
        out = []
        day = self.start
        while day <= self.end:
            q = Period.containing(day, PeriodKind.QUARTER)
            out.append(q)
            day = q.end + dt.timedelta(days=1)
        return tuple(out)

    @staticmethod
    def containing(day: dt.date, kind: PeriodKind) -> Period:
        match kind:
            case PeriodKind.MONTH:
                return Period.month(day.year, day.month)
            case PeriodKind.QUARTER:
                return Period.parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")
            case PeriodKind.HALF:
                return Period.parse(f"{day.year}H{(day.month - 1) // 6 + 1}")
            case PeriodKind.YEAR:
                return Period.parse(f"{day.year}")

    def time_progress(self, day: dt.date) -> Decimal:
        """Share of the period elapsed at the end of `day` (0 before, 1 after), to 4 places."""
        if day < self.start:
            return Decimal("0.0000")
        if day >= self.end:
            return Decimal("1.0000")
        elapsed = Decimal((day - self.start).days + 1) / Decimal(self.days)
        return elapsed.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
