"""Day numbers, months and the seasonality of activity.

Dates are handled as int day numbers (days since 1970-01-01, Arrow's date32) and
timestamps as int64 microseconds since the epoch in UTC; the bank's clock is UTC+8
(Asia/Shanghai has had no daylight saving since 1991), so a local time converts by a
fixed offset and a timestamp's business date is its local calendar date.

Seasonality (transaction counts): the last three days of a month carry 1.4× the
weight of an ordinary day, the last day 2×, a quarter's last day 3× (month-end and
quarter-end settlement and 冲量 transfers); retail activity is slightly higher on
weekends, corporate activity drops to 25 % on weekends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
DAY_US = 86_400_000_000
BANK_OFFSET_US = 8 * 3_600_000_000  # UTC+8


def day_number(d: date) -> int:
    return (d - EPOCH).days


def to_date(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(day))


def local_us(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """UTC microseconds of a bank-local day number and second of day."""
    return days.astype(np.int64) * DAY_US + seconds.astype(np.int64) * 1_000_000 - BANK_OFFSET_US


def add_years(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """Day numbers shifted by whole calendar years (29 Feb → 28 Feb)."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month_in_year = (m - y.astype("datetime64[M]")).astype(np.int64)
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    ny = y + np.asarray(years, dtype=np.int64)
    nm = ny.astype("datetime64[M]") + month_in_year
    last = (
        (nm + np.timedelta64(1, "M")).astype("datetime64[D]") - nm.astype("datetime64[D]")
    ).astype(np.int64) - 1
    out = nm.astype("datetime64[D]") + np.minimum(dom, last)
    return np.asarray(out.astype(np.int64))


@dataclass
class Calendar:
    """The generated window [start, end] and its months."""

    start: int
    end: int
    month_start: np.ndarray = field(init=False)  # first day of each month in the window
    month_end: np.ndarray = field(init=False)  # last day of each month
    labels: list[str] = field(init=False)  # 'YYYY-MM'
    quarter_end: np.ndarray = field(init=False)  # bool per month
    cum_retail: np.ndarray = field(init=False)  # cumulative day weights, len days + 1
    cum_corporate: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        first = np.datetime64(to_date(self.start), "M")
        last = np.datetime64(to_date(self.end), "M")
        months = np.arange(first, last + np.timedelta64(1, "M"))
        self.month_start = months.astype("datetime64[D]").astype(np.int64)
        self.month_end = (months + np.timedelta64(1, "M")).astype("datetime64[D]").astype(
            np.int64
        ) - 1
        self.labels = [str(m) for m in months]
        month_no = months.astype(np.int64) % 12  # 0 = January
        self.quarter_end = month_no % 3 == 2
        days = np.arange(self.start, self.end + 1)
        mi = self.month_of(days)
        to_end = self.month_end[mi] - days
        w = np.ones(days.size)
        w[to_end <= 2] = 1.4
        w[to_end == 0] = 2.0
        w[(to_end == 0) & self.quarter_end[mi]] = 3.0
        weekend = (days + 3) % 7 >= 5
        wr = w * np.where(weekend, 1.1, 1.0)
        wc = w * np.where(weekend, 0.25, 1.0)
        self.cum_retail = np.concatenate(([0.0], np.cumsum(wr)))
        self.cum_corporate = np.concatenate(([0.0], np.cumsum(wc)))

    @property
    def n_months(self) -> int:
        return int(self.month_start.size)

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Month index of day numbers inside the window."""
        return np.searchsorted(self.month_start, days, side="right").astype(np.int64) - 1

    def sample_days(
        self,
        rng: np.random.Generator,
        lo: np.ndarray,
        hi: np.ndarray,
        corporate: np.ndarray,
    ) -> np.ndarray:
        """One day in [lo, hi] (inclusive, inside the window) per row, seasonally weighted."""
        out = np.empty(lo.size, dtype=np.int64)
        u = rng.random(lo.size)
        for cum, sel in ((self.cum_retail, ~corporate), (self.cum_corporate, corporate)):
            if not sel.any():
                continue
            a = cum[lo[sel] - self.start]
            b = cum[hi[sel] - self.start + 1]
            x = a + u[sel] * (b - a)
            d = np.searchsorted(cum, x, side="right") - 1 + self.start
            out[sel] = np.clip(d, lo[sel], hi[sel])
        return out


def sample_days_gap(
    cal: Calendar,
    rng: np.random.Generator,
    lo: np.ndarray,
    hi: np.ndarray,
    gap_lo: np.ndarray,
    gap_hi: np.ndarray,
    corporate: np.ndarray,
) -> np.ndarray:
    """Like Calendar.sample_days but never inside [gap_lo, gap_hi] (a dormant spell)."""
    out = np.empty(lo.size, dtype=np.int64)
    u = rng.random(lo.size)
    has_gap = (gap_lo <= gap_hi) & (gap_lo > lo) & (gap_hi < hi)
    g0 = np.where(has_gap, gap_lo, hi + 1)  # first interval [lo, g0 - 1]
    g1 = np.where(has_gap, gap_hi, hi)  # second interval [g1 + 1, hi]
    for cum, sel in ((cal.cum_retail, ~corporate), (cal.cum_corporate, corporate)):
        if not sel.any():
            continue
        a = cum[lo[sel] - cal.start]
        m1 = cum[g0[sel] - cal.start] - a
        b = cum[g1[sel] - cal.start + 1]
        m2 = cum[hi[sel] - cal.start + 1] - b
        x = u[sel] * (m1 + m2)
        pos = np.where(x < m1, a + x, b + (x - m1))
        d = np.searchsorted(cum, pos, side="right") - 1 + cal.start
        out[sel] = np.clip(d, lo[sel], hi[sel])
    return out


_RETAIL_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 8, 9, 9, 8, 7, 8, 8, 8, 8, 7, 7, 6, 5, 3, 2],
    dtype=np.float64,
)
_OFFICE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0.5, 3, 10, 10, 9, 5, 6, 10, 10, 9, 6, 2, 1, 0.5, 0.2, 0, 0],
    dtype=np.float64,
)


def seconds_of_day(rng: np.random.Generator, office: np.ndarray) -> np.ndarray:
    """A second of the day per row: retail/digital hours, or office hours where `office`."""
    out = np.empty(office.size, dtype=np.int64)
    for weights, sel in ((_RETAIL_HOURS, ~office), (_OFFICE_HOURS, office)):
        k = int(sel.sum())
        if k:
            hour = rng.choice(24, k, p=weights / weights.sum())
            out[sel] = hour * 3600 + rng.integers(0, 3600, k)
    return out
