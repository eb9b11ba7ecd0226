"""The lake's side of an RM's monthly work report (月度工作报告, seed 000 三.3, seed 001 §2):
contacts and customers served per working day in one calendar month.

Contacts are the lake's `interactions` rows of the month (business date of `ts` in the
bank's time zone), credited to `interactions.staff_id`. Customers served per working day
is the indicator `customers_served_per_day` restricted to the month: for each day the
number of different customers the RM contacted that day, summed (customer-days), over the
month's mainland-China working days (engine.analysis.calendar). It is rounded once, to
two places, ROUND_HALF_UP, for the report; the unrounded parts are kept beside it. Plain
DuckDB SQL over the valid views, like the analysis measures (engine.analysis.sql).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rmperf.engine.analysis.calendar import working_day_set, working_days
from rmperf.engine.analysis.sql import business_date, lake_session, on_days, rows
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period, PeriodKind

#: Channels of the contract's interactions.channel, in the order a report lists them.
CHANNELS = ("phone", "sms", "visit", "branch", "wechat")
_CENT = Decimal("0.01")


class MonthReportError(ValueError):
    """The period asked for is not a calendar month."""


@dataclass(frozen=True)
class RmMonthActivity:
    """One RM's contacts in the month."""

    staff_id: str
    contacts: int = 0
    customers_contacted: int = 0
    customer_days: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthActivity:
    """Every RM's contacts in one month, with the month's working days."""

    month: Period
    working_days: int
    rms: dict[str, RmMonthActivity]

    def of(self, staff_id: str) -> RmMonthActivity:
        """The RM's figures; zeros for an RM with no contact in the month."""
        return self.rms.get(staff_id) or RmMonthActivity(staff_id=staff_id)

    def served_per_day(self, staff_id: str) -> Decimal | None:
        """Customer-days ÷ working days, ROUND_HALF_UP to 0.01; None for a month without
        a working day."""
        if not self.working_days:
            return None
        value = Decimal(self.of(staff_id).customer_days) / Decimal(self.working_days)
        return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def first_working_day(month: Period) -> dt.date:
    """The month's first mainland-China working day: the day its reports are generated."""
    days = working_day_set(month.start, month.end)
    if not days:  # no month of the calendar lacks one; refuse rather than guess
        raise MonthReportError(f"{month.key} has no working day")
    return days[0]


def month_due(today: dt.date) -> Period | None:
    """The month whose reports are due on `today`: the month before today's, once today's
    month has reached its first working day (so a daily job that missed that day catches
    up the next); None before it."""
    this_month = Period.containing(today, PeriodKind.MONTH)
    if today < first_working_day(this_month):
        return None
    return this_month.previous()


def month_activity(lake: Lake, *, month: Period) -> MonthActivity:
    """Contacts, customers contacted and customer-days per RM in `month` (a calendar
    month), from the lake's valid interactions. A month the working-day calendar does not
    cover is an error (CalendarError), never a guess."""
    if month.kind is not PeriodKind.MONTH:
        raise MonthReportError(f"{month.key} is not a calendar month (YYYY-MM)")
    days = working_days(month.start, month.end)
    zone = lake.time_zone
    when = on_days("ts", month.start, month.end, zone)
    day = business_date("ts", zone)
    with lake_session(lake, ("interactions",)) as engine:
        totals = rows(
            engine,
            "SELECT staff_id, count(*) AS contacts, "  # noqa: S608 - dates and zone are quoted literals
            "count(DISTINCT customer_id) AS customers, "
            f"count(DISTINCT (customer_id, {day})) AS customer_days "
            f"FROM rm_valid_interactions WHERE {when} GROUP BY staff_id",
        )
        channels = rows(
            engine,
            "SELECT staff_id, channel, count(*) AS n FROM rm_valid_interactions "  # noqa: S608 - as above
            f"WHERE {when} GROUP BY staff_id, channel",
        )
    per_channel: dict[str, dict[str, int]] = {}
    for r in channels:
        per_channel.setdefault(str(r["staff_id"]), {})[str(r["channel"])] = int(r["n"])
    out = {
        str(r["staff_id"]): RmMonthActivity(
            staff_id=str(r["staff_id"]),
            contacts=int(r["contacts"]),
            customers_contacted=int(r["customers"]),
            customer_days=int(r["customer_days"]),
            by_channel={
                c: per_channel.get(str(r["staff_id"]), {}).get(c, 0)
                for c in sorted(per_channel.get(str(r["staff_id"]), {}), key=_channel_order)
            },
        )
        for r in totals
        if r["staff_id"]
    }
    return MonthActivity(month=month, working_days=days, rms=out)


def _channel_order(channel: str) -> tuple[int, str]:
    return (CHANNELS.index(channel) if channel in CHANNELS else len(CHANNELS), channel)
