"""The team rhythm's lake figures on a hand-built lake, worked out by hand.

Bank time Asia/Shanghai (UTC+8). RM1 has C1 (since 2020) and C3 (until 2026-09-14, then
RM2's); RM2 has C2. Products: DEP (deposit), WM (wealth), ML (mortgage).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.rhythm import (
    book_days,
    book_month_end_aum,
    expected_by_16th,
    month_progress,
    trainings_of,
)
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 15)


def _txn(b: LakeBuilder, cid: str, ts: str, amount: str, direction: str, product: str) -> None:
    n = len(b.tables.get("transactions", []))
    b.add(
        "transactions",
        {"txn_id": f"T{n:04d}", "customer_id": cid, "ts": ts, "amount": amount,
         "direction": direction, "channel": "mobile", "product_id": product},
    )  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    b = LakeBuilder()
    b.product("WM", "wealth").product("ML", "mortgage")
    b.customer("C1", rm="RM1")
    b.customer("C2", rm="RM2")
    b.add("customers", {**b.tables["customers"][0], "customer_id": "C3", "opened_on": "2026-09-15"})
    b.add("assignments",
          {"customer_id": "C3", "staff_id": "RM1", "valid_from": "2026-09-15",
           "valid_to": "2026-09-15"},
          {"customer_id": "C3", "staff_id": "RM2", "valid_from": "2026-09-16", "valid_to": ""})  # fmt: skip
    # C4 opened on 09-15 but assigned only from 09-17: credited to RM2, who took it on.
    b.add("customers", {**b.tables["customers"][0], "customer_id": "C4", "opened_on": "2026-09-15"})
    b.add("assignments",
          {"customer_id": "C4", "staff_id": "RM2", "valid_from": "2026-09-17", "valid_to": ""})  # fmt: skip
    # 09-15 in bank time for C1: +5,000.00 (no product) − 1,200.50 (deposit) + 800.00
    # (deposit, at 2026-09-14T16:30Z = 00:30 on the 15th in Shanghai); the wealth purchase
    # (−3,000) and the mortgage disbursement (+200,000) are left out.
    _txn(b, "C1", "2026-09-15T09:00:00+08:00", "5000.00", "credit", "")
    _txn(b, "C1", "2026-09-15T10:00:00+08:00", "1200.50", "debit", "DEP")
    _txn(b, "C1", "2026-09-14T16:30:00Z", "800.00", "credit", "DEP")
    _txn(b, "C1", "2026-09-15T11:00:00+08:00", "3000.00", "debit", "WM")
    _txn(b, "C1", "2026-09-15T12:00:00+08:00", "200000.00", "credit", "ML")
    # 2026-09-14T15:59Z is 23:59 on the 14th in Shanghai: the 14th.
    _txn(b, "C1", "2026-09-14T15:59:00Z", "70.00", "credit", "")
    # C3 on the 15th is RM1's, on the 16th RM2's.
    _txn(b, "C3", "2026-09-15T15:00:00+08:00", "10000.00", "credit", "")
    _txn(b, "C3", "2026-09-16T15:00:00+08:00", "400.00", "debit", "")
    # Month-end AUM (deposit, wealth, fund, insurance; loans are not AUM).
    b.balance("C1", "2026-08", "deposit", "900.00", "1000.00")
    b.balance("C1", "2026-08", "wealth", "500.00", "500.00")
    b.balance("C1", "2026-08", "loan", "9999.00", "9999.00")
    b.balance("C2", "2026-08", "fund", "300.00", "250.00")
    b.add("trainings",
          {"staff_id": "RM1", "date": "2026-03-02", "kind": "course", "name": "开户业务操作规范",
           "hours": "8.00"},
          {"staff_id": "RM2", "date": "2026-04-01", "kind": "certification", "name": "基金从业资格",
           "hours": "30.00"})  # fmt: skip
    path = b.write(tmp_path_factory.mktemp("rhythm"))
    return Lake(path, today=dt.date(2026, 11, 30), time_zone="Asia/Shanghai")


def test_new_assets_and_accounts_per_rm_and_day(lake: Lake) -> None:
    rows = {(r.staff_id, r.day): (r.new_assets, r.new_accounts) for r in
            book_days(lake, first=dt.date(2026, 9, 14), last=dt.date(2026, 9, 16))}  # fmt: skip
    assert rows == {
        ("RM1", dt.date(2026, 9, 14)): (Decimal("70.00"), 0),
        # 5,000.00 − 1,200.50 + 800.00 + 10,000.00 (C3) = 14,599.50; C3 opened that day.
        ("RM1", dt.date(2026, 9, 15)): (Decimal("14599.50"), 1),
        # C4 opened on the 15th, first assignment from the 17th: RM2's account of the 15th.
        ("RM2", dt.date(2026, 9, 15)): (Decimal("0.00"), 1),
        ("RM2", dt.date(2026, 9, 16)): (Decimal("-400.00"), 0),
    }


def test_one_day_window(lake: Lake) -> None:
    rows = book_days(lake, first=D, last=D)
    assert [(r.staff_id, r.new_assets, r.new_accounts) for r in rows] == [
        ("RM1", Decimal("14599.50"), 1),
        ("RM2", Decimal("0.00"), 1),
    ]


def test_bad_window_is_refused(lake: Lake) -> None:
    with pytest.raises(ValueError, match="after last day"):
        book_days(lake, first=D, last=D - dt.timedelta(days=1))


def test_month_end_aum(lake: Lake) -> None:
    # RM1: 1,000.00 + 500.00 (the loan is not AUM); RM2: 250.00 (month-end, not average).
    assert book_month_end_aum(lake, months=["2026-08", "2026-07"]) == {
        ("RM1", "2026-08"): Decimal("1500.00"),
        ("RM2", "2026-08"): Decimal("250.00"),
    }


def test_trainings_of(lake: Lake) -> None:
    rows = trainings_of(lake, staff_ids=["RM2"])
    assert [(r.day, r.kind, r.name, r.hours) for r in rows] == [
        (dt.date(2026, 4, 1), "certification", "基金从业资格", Decimal("30.00"))
    ]


def test_done_by_the_16th() -> None:
    # Day 4: 4 ÷ 16 = 0.25; day 16 and after: 1.
    assert expected_by_16th(dt.date(2026, 9, 4)) == Decimal("0.2500")
    assert expected_by_16th(dt.date(2026, 9, 16)) == Decimal("1.0000")
    assert expected_by_16th(dt.date(2026, 9, 30)) == Decimal("1.0000")
    # 6 of 20 on day 8: 0.30 < 8 ÷ 16 = 0.50, behind; 20 of 20: done.
    p = month_progress(actual=Decimal(6), target=Decimal(20), day=dt.date(2026, 9, 8))
    assert (p.completion, p.expected, p.behind, p.done) == (
        Decimal("0.3000"), Decimal("0.5000"), True, False)  # fmt: skip
    assert month_progress(actual=Decimal(20), target=Decimal(20), day=D).done
    assert month_progress(actual=Decimal(5), target=None, day=D).completion is None
