"""Workload and capacity on a hand-built lake, every number worked by hand (docs/analysis.md).

Period 2026Q3 = 2026-07-01 … 2026-09-30. Mainland-China working days, counted by hand from
the State Council's 2026 notice: weekdays July 23, August 21, September 22 = 66; minus
Friday 25 September (Mid-Autumn Festival, 25–27 September off); plus Sunday 20 September
(a make-up working day for the National Day week) = 66.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rmperf.engine.analysis import (
    CalendarError,
    is_working_day,
    load_workload_policy,
    working_days,
    workload,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.segmentation import load_segmentation_policy
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
Q3 = Period.parse("2026Q3")
ASSETS = load_segmentation_policy().policy.monetary.asset_categories


def staff(staff_id: str, hired_on: str, role: str = "rm") -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": f"员工{staff_id}",
        "role": role,
        "rank": "junior" if role == "rm" else "",
        "unit_id": "TM1",
        "hired_on": hired_on,
    }


def interaction(staff_id: str, ts: str, channel: str) -> dict[str, str]:
    return {
        "customer_id": "C1",
        "staff_id": staff_id,
        "ts": ts,
        "channel": channel,
        "outcome": "done",
    }


def request(rid: str, staff_id: str, received: str) -> dict[str, str]:
    return {
        "request_id": rid,
        "customer_id": "C1",
        "staff_id": staff_id,
        "received_at": received,
        "resolved_at": "",
    }


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.tables["staff"] += [
        staff("RM3", "2026-09-20"),  # joins on the make-up Sunday
        staff("RM4", "2026-10-05"),  # joins after the period, nothing to count: not listed
        staff("RM5", "2026-10-01"),  # joins after the period, but a loan says otherwise
    ]
    b.product("BL", "business_loan", "0.030000")
    b.customer("C1")
    b.customer("C2")
    b.customer("C3", rm=None)
    b.add(
        "assignments",
        {
            "customer_id": "C3",
            "staff_id": "RM1",
            "valid_from": "2020-01-01",
            "valid_to": "2026-09-29",
        },
        {"customer_id": "C3", "staff_id": "RM2", "valid_from": "2026-09-30", "valid_to": ""},
    )
    # Loans: RM1 two in Q3 (one on its last day), one before, one after; RM2 one; RM5 one.
    b.loan("L1", "C1", "BL", "100000.00", "2026-07-15", "2027-07-15")
    b.loan("L2", "C1", "BL", "100000.00", "2026-09-30", "2027-09-30")
    b.loan("L3", "C1", "BL", "100000.00", "2026-06-30", "2027-06-30")
    b.loan("L4", "C1", "BL", "100000.00", "2026-10-01", "2027-10-01")
    b.loan("L5", "C3", "BL", "100000.00", "2026-08-01", "2027-08-01", staff_id="RM2")
    b.loan("L6", "C2", "BL", "100000.00", "2026-09-28", "2027-09-28", staff_id="RM5")
    b.add(
        "interactions",
        interaction("RM1", "2026-08-03T10:00:00+08:00", "visit"),
        interaction("RM1", "2026-09-30T23:30:00+08:00", "visit"),
        interaction("RM1", "2026-06-30T23:30:00+08:00", "visit"),  # Q2
        interaction("RM1", "2026-06-30T16:30:00Z", "visit"),  # 1 July 00:30 in Shanghai: Q3
        interaction("RM1", "2026-07-02T09:00:00+08:00", "phone"),
        interaction("RM1", "2026-08-02T09:00:00+08:00", "phone"),
        interaction("RM1", "2026-09-02T09:00:00+08:00", "phone"),
        interaction("RM1", "2026-09-03T09:00:00+08:00", "sms"),  # no activity counts SMS
        interaction("TL1", "2026-09-03T09:00:00+08:00", "visit"),  # not an RM: not listed
    )
    b.event("C1", "2026-08-10T10:00:00+08:00", "account.opened")  # C1's RM then: RM1
    b.event("C1", "2026-08-11T10:00:00+08:00", "inquiry.wealth")  # another kind
    b.event("C1", "2026-09-30T16:30:00Z", "account.opened")  # 1 October in Shanghai
    b.add(
        "events",
        {
            "customer_id": "C1",
            "ts": "2026-08-12T10:00:00+08:00",
            "kind": "account.opened",
            "detail": "",
            "staff_id": "RM2",  # the event names its staff member: RM2, not the customer's RM
        },
    )
    b.add(
        "requests",
        request("Q1", "RM1", "2026-07-01T09:00:00+08:00"),
        request("Q2", "RM1", "2026-09-30T20:00:00+08:00"),
        request("Q3", "RM1", "2026-09-30T16:30:00Z"),  # 1 October in Shanghai
    )
    # AUM at 2026-09, month-end balances over deposit, wealth, fund and insurance.
    b.balance("C1", "2026-09", "deposit", "1.00", "500000.00")
    b.balance("C1", "2026-09", "wealth", "1.00", "300000.00")
    b.balance("C1", "2026-09", "loan", "1.00", "1000000.00")  # a liability
    b.balance("C1", "2026-09", "trust", "1.00", "50000.00")  # not an AUM category
    b.balance("C2", "2026-09", "deposit", "1.00", "800000.01")
    b.balance("C2", "2026-08", "deposit", "1.00", "9999999.00")  # not the last month
    b.balance("C3", "2026-09", "deposit", "1.00", "100.00")
    return b


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    path = build().write(tmp_path_factory.mktemp("workload") / "lake")
    return Lake(path, today=TODAY)


def run(lake: Lake, policy_text: str | None = None, tmp: Path | None = None) -> dict[str, Any]:
    if policy_text is None:
        loaded = load_workload_policy()
    else:
        assert tmp is not None
        (tmp / "wl.yaml").write_text(policy_text, encoding="utf-8")
        loaded = load_workload_policy(tmp / "wl.yaml")
    table = workload(
        lake, period=Q3, policy=loaded.policy, asset_categories=ASSETS, policy_version="v"
    )
    return {r["staff_id"]: r for r in table.to_pylist()}


# --- calendar ----------------------------------------------------------------------------


def test_q3_2026_has_66_working_days() -> None:
    assert working_days(Q3.start, Q3.end) == 66
    assert not is_working_day(dt.date(2026, 9, 25))  # Mid-Autumn Festival, a Friday
    assert is_working_day(dt.date(2026, 9, 20))  # a Sunday worked for the National Day week


def test_q4_2026_national_day_week_and_make_up_saturday() -> None:
    # Weekdays: October 22, November 21, December 23 = 66. National Day 1–7 October takes
    # the weekdays 1, 2, 5, 6 and 7 October (5); Saturday 10 October is worked (+1): 62.
    assert working_days(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == 62
    assert working_days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == 18
    assert not any(is_working_day(dt.date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(dt.date(2026, 10, 10))  # make-up Saturday
    assert not is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday
    assert working_days(dt.date(2026, 10, 8), dt.date(2026, 10, 7)) == 0


def test_a_year_the_calendar_does_not_know_is_refused() -> None:
    with pytest.raises(CalendarError, match="2027"):
        working_days(dt.date(2027, 1, 1), dt.date(2027, 1, 31))


# --- workload ----------------------------------------------------------------------------


def test_first_columns_in_order(lake: Lake) -> None:
    loaded = load_workload_policy()
    table = workload(
        lake, period=Q3, policy=loaded.policy, asset_categories=ASSETS, policy_version="v"
    )
    assert table.column_names[:11] == [
        "staff_id",
        "period",
        "loans",
        "days_loan_investigation",
        "days_loan_entry",
        "days_loan_signing",
        "demand_days",
        "available_days",
        "utilisation",
        "customers",
        "avg_assets_per_customer",
    ]
    assert table.column_names[11:] == [
        "count_visit",
        "days_visit",
        "count_call",
        "days_call",
        "count_account_opening",
        "days_account_opening",
        "count_request",
        "days_request",
        "aum_benchmark",
        "benchmark_position",
        "policy_version",
    ]


def test_rows_are_the_rms_employed_or_with_work(lake: Lake) -> None:
    # RM4 joins after the period with nothing to count; TL1 is no RM.
    assert sorted(run(lake)) == ["RM1", "RM2", "RM3", "RM5"]


def test_rm1_demand_and_utilisation(lake: Lake) -> None:
    r = run(lake)["RM1"]
    assert r["period"] == "2026Q3"
    assert r["loans"] == 2  # L1, L2 (L3 in Q2, L4 in Q4)
    assert r["days_loan_investigation"] == Decimal("4")  # 2 × 2
    assert r["days_loan_entry"] == Decimal("1")  # 2 × 0.5
    assert r["days_loan_signing"] == Decimal("2")  # 2 × 1
    assert r["count_visit"] == 3  # 3 August, 30 September 23:30, 1 July 00:30 (bank time)
    assert r["days_visit"] == Decimal("1.5")
    assert r["count_call"] == 3
    assert r["days_call"] == Decimal("0.15")
    assert r["count_account_opening"] == 1  # 10 August; 1 October is Q4, RM2 named its own
    assert r["days_account_opening"] == Decimal("0.125")
    assert r["count_request"] == 2  # Q3 falls on 1 October in bank time
    assert r["days_request"] == Decimal("0.25")
    # 4 + 1 + 2 + 1.5 + 0.15 + 0.125 + 0.25
    assert r["demand_days"] == Decimal("9.025")
    assert r["available_days"] == 66
    assert r["utilisation"] == Decimal("0.1367")  # 9.025 / 66 = 0.136742…


def test_rm1_book_and_benchmark(lake: Lake) -> None:
    r = run(lake)["RM1"]
    # C1 and C2 (C3 moved to RM2 on 30 September). C1: 500,000 + 300,000 (no loan, no
    # trust); C2: 800,000.01 (August does not count). (1,600,000.01) / 2 = 800,000.005.
    assert r["customers"] == 2
    assert r["avg_assets_per_customer"] == Decimal("800000.01")  # half up
    assert r["aum_benchmark"] == Decimal("800000.00")
    assert r["benchmark_position"] == "above"


def test_rm2_event_named_staff_and_new_customer(lake: Lake) -> None:
    r = run(lake)["RM2"]
    assert r["loans"] == 1
    assert r["count_account_opening"] == 1  # the event that names RM2
    assert r["demand_days"] == Decimal("3.625")  # 2 + 0.5 + 1 + 0.125
    assert r["utilisation"] == Decimal("0.0549")  # 3.625 / 66 = 0.054924…
    assert r["customers"] == 1
    assert r["avg_assets_per_customer"] == Decimal("100.00")
    assert r["benchmark_position"] == "below"


def test_joiner_counts_from_the_hire_day(lake: Lake) -> None:
    r = run(lake)["RM3"]
    # 20 (make-up Sunday), 21–24, 28–30 September; 25 is Mid-Autumn, 26–27 a weekend.
    assert r["available_days"] == 8
    assert r["demand_days"] == Decimal("0")
    assert r["utilisation"] == Decimal("0.0000")
    assert r["customers"] == 0
    assert r["avg_assets_per_customer"] is None
    assert r["benchmark_position"] is None


def test_no_available_day_leaves_utilisation_empty(lake: Lake) -> None:
    r = run(lake)["RM5"]
    assert r["loans"] == 1
    assert r["available_days"] == 0
    assert r["utilisation"] is None


def test_policy_changes_standards_and_benchmark(lake: Lake, tmp_path: Path) -> None:
    text = """
loan_activities:
  loan_investigation: "3"
  loan_entry: "0.25"
  loan_signing: "1"
activities:
  - id: contact
    source: interactions
    channels: [visit, sms]
    days_each: "0.1"
    reason: test
aum_benchmark: "800000.01"
"""
    r = run(lake, text, tmp_path)["RM1"]
    assert r["days_loan_investigation"] == Decimal("6")
    assert r["days_loan_entry"] == Decimal("0.5")
    assert r["count_contact"] == 4  # 3 visits + 1 SMS
    assert r["demand_days"] == Decimal("8.9")  # 6 + 0.5 + 2 + 0.4
    assert r["utilisation"] == Decimal("0.1348")  # 8.9 / 66 = 0.134848…
    assert r["benchmark_position"] == "at"
    assert "count_visit" not in r


def test_a_leaver_counts_to_the_last_day() -> None:
    from rmperf.engine.analysis.calendar import working_day_set
    from rmperf.engine.analysis.workload import Employment, _available, _employed

    days = working_day_set(Q3.start, Q3.end)
    # Left on Thursday 24 September: 25 (Mid-Autumn), 26–27 (weekend), 28–30 are lost.
    leaver = Employment(role="rm", hired_on=dt.date(2020, 1, 1), left_on=dt.date(2026, 9, 24))
    assert _available(leaver, Q3, days) == 63
    # Hired and gone within the quarter: 1–3 July (Wednesday to Friday).
    short = Employment(role="rm", hired_on=dt.date(2026, 7, 1), left_on=dt.date(2026, 7, 5))
    assert _available(short, Q3, days) == 3
    gone = Employment(role="rm", hired_on=dt.date(2020, 1, 1), left_on=dt.date(2026, 6, 30))
    assert not _employed(gone, Q3)
    assert _available(gone, Q3, days) == 0
