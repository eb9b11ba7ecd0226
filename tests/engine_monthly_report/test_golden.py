"""Contacts and customers served per working day of one month, on a hand-built lake.

November 2026 in mainland China: 30 days, 1 November a Sunday, no statutory holiday and no
make-up working day, so the working days are the weekdays: 2–6, 9–13, 16–20, 23–27 and
30 November = 5 + 5 + 5 + 5 + 1 = 21.

RM1's interactions (bank time Asia/Shanghai, +08:00):
  C1 2026-11-02 10:00 phone   ┐ the same customer twice on one day: one customer-day
  C1 2026-11-02 15:00 visit   ┘
  C2 2026-11-02 11:00 phone     a second customer that day
  C1 2026-11-03 09:00 wechat    C1 again, another day
  C2 2026-11-30 23:30 sms       the month's last day, late evening: in the month
  C1 2026-10-31 23:59 phone     October: out
  C2 2026-11-30T16:30Z phone    = 1 December 00:30 in Shanghai: out
contacts = 5; different customers = 2 (C1, C2); customer-days = (C1,2) (C2,2) (C1,3)
(C2,30) = 4; served per working day = 4 ÷ 21 = 0.190476… → 0.19.
RM2: one contact on Saturday 7 November (it counts; the divisor stays 21): 1 ÷ 21 →
0.047… → 0.05.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.indicators import compute_indicators
from rmperf.engine.lake import Lake
from rmperf.engine.monthly_report import (
    MonthReportError,
    first_working_day,
    month_activity,
    month_due,
)
from rmperf.engine.periods import Period
from tests.lakebuilder import LakeBuilder

NOV = Period.parse("2026-11")


def _contact(customer: str, staff: str, ts: str, channel: str) -> dict[str, str]:
    return {
        "customer_id": customer,
        "staff_id": staff,
        "ts": ts,
        "channel": channel,
        "outcome": "reached",
    }


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    b = LakeBuilder()
    b.customer("C1").customer("C2").customer("C3", rm="RM2")
    b.add(
        "interactions",
        _contact("C1", "RM1", "2026-11-02T10:00:00+08:00", "phone"),
        _contact("C1", "RM1", "2026-11-02T15:00:00+08:00", "visit"),
        _contact("C2", "RM1", "2026-11-02T11:00:00+08:00", "phone"),
        _contact("C1", "RM1", "2026-11-03T09:00:00+08:00", "wechat"),
        _contact("C2", "RM1", "2026-11-30T23:30:00+08:00", "sms"),
        _contact("C1", "RM1", "2026-10-31T23:59:00+08:00", "phone"),
        _contact("C2", "RM1", "2026-11-30T16:30:00Z", "phone"),
        _contact("C3", "RM2", "2026-11-07T10:00:00+08:00", "visit"),
    )
    path: Path = b.write(tmp_path_factory.mktemp("monthly") / "lake")
    return Lake(path, today=dt.date(2026, 12, 7))


def test_contacts_and_served_per_day_of_one_rm(lake: Lake) -> None:
    got = month_activity(lake, month=NOV)
    assert got.working_days == 21
    rm1 = got.of("RM1")
    assert (rm1.contacts, rm1.customers_contacted, rm1.customer_days) == (5, 2, 4)
    assert rm1.by_channel == {"phone": 2, "sms": 1, "visit": 1, "wechat": 1}
    assert got.served_per_day("RM1") == Decimal("0.19")
    assert got.served_per_day("RM2") == Decimal("0.05")
    # An RM with no contact has zeros, not a missing row.
    assert got.of("RM9").contacts == 0
    assert got.served_per_day("RM9") == Decimal("0.00")


def test_the_same_figure_as_the_indicator(lake: Lake) -> None:
    values = compute_indicators(lake, period=NOV, indicators=["customers_served_per_day"])
    row = next(r for r in values.to_pylist() if r["staff_id"] == "RM1")
    assert row["numerator"] == Decimal(4) and row["denominator"] == Decimal(21)


def test_a_quarter_is_refused(lake: Lake) -> None:
    with pytest.raises(MonthReportError, match="2026Q4 is not a calendar month"):
        month_activity(lake, month=Period.parse("2026Q4"))


def test_reports_fall_due_on_the_first_working_day() -> None:
    # October 2026: 1–7 October is the National Day holiday (Saturday 10 October is a
    # make-up working day), so the first working day is the 8th.
    oct_ = Period.parse("2026-10")
    assert first_working_day(oct_) == dt.date(2026, 10, 8)
    assert month_due(dt.date(2026, 10, 7)) is None
    assert month_due(dt.date(2026, 10, 8)) == Period.parse("2026-09")
    assert month_due(dt.date(2026, 10, 20)) == Period.parse("2026-09")  # a missed day
    # December 2026 starts on a Tuesday, a working day.
    assert first_working_day(Period.parse("2026-12")) == dt.date(2026, 12, 1)
    assert month_due(dt.date(2026, 12, 1)) == NOV
