"""Golden cases for RFM tiers: every boundary of DOMAIN §1, expectations worked out by hand.

As-of date D = 2026-09-30 unless a test says otherwise. The frequency window is
D − 89 … D = 2026-07-03 … 2026-09-30; M's months are 2026-07, 2026-08, 2026-09.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.policy import load_policy_text
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
POLICY = load_segmentation_policy().policy


def ts(days_before: int, at: str = "10:00:00+08:00", *, base: dt.date = D) -> str:
    return f"{(base - dt.timedelta(days=days_before)).isoformat()}T{at}"


def three_months(b: LakeBuilder, cid: str, jul: str, aug: str, sep: str) -> None:
    b.balance(cid, "2026-07", "deposit", jul)
    b.balance(cid, "2026-08", "deposit", aug)
    b.balance(cid, "2026-09", "deposit", sep)


def with_txns(b: LakeBuilder, cid: str, days_before: list[int], **customer: str) -> None:
    b.customer(cid, **customer)
    for n in days_before:
        b.txn(cid, ts(n))


def build() -> LakeBuilder:
    b = LakeBuilder()
    # R = 30 / 31 at the core line (F = 5, M = 500,000.00).
    with_txns(b, "CORE_R30", [30, 40, 50, 60, 89])
    three_months(b, "CORE_R30", "500000.00", "500000.00", "500000.00")
    with_txns(b, "POT_R31", [31, 40, 50, 60, 89])
    three_months(b, "POT_R31", "500000.00", "500000.00", "500000.00")
    # F: the transaction at D − 90 lies outside the window, so F = 4.
    with_txns(b, "F4", [0, 10, 20, 89, 90])
    three_months(b, "F4", "600000.00", "600000.00", "600000.00")
    with_txns(b, "F5", [0, 10, 20, 89, 88])
    three_months(b, "F5", "600000.00", "600000.00", "600000.00")
    # M: 1,499,999.98 / 3 = 499,999.993… → 499,999.99; 1,499,999.99 / 3 → 500,000.00.
    with_txns(b, "M_BELOW", [0, 1, 2, 3, 4])
    three_months(b, "M_BELOW", "500000.00", "500000.00", "499999.98")
    with_txns(b, "M_ROUNDUP", [0, 1, 2, 3, 4])
    three_months(b, "M_ROUNDUP", "500000.00", "500000.00", "499999.99")
    # R = 60 / 61 at the potential line (F = 3, M = 200,000.00).
    with_txns(b, "POT_R60", [60, 70, 80])
    three_months(b, "POT_R60", "200000.00", "200000.00", "200000.00")
    with_txns(b, "BASIC_R61", [61, 70, 80])
    three_months(b, "BASIC_R61", "200000.00", "200000.00", "200000.00")
    # R = 89 / 90 at the basic line: at R = 90 the last transaction is outside F's window.
    with_txns(b, "BASIC_R89", [89, 89])
    three_months(b, "BASIC_R89", "50000.00", "50000.00", "50000.00")
    with_txns(b, "OTHER_R90", [90, 95])
    three_months(b, "OTHER_R90", "50000.00", "50000.00", "50000.00")
    # F = 1 just below basic's F ≥ 2.
    with_txns(b, "OTHER_F1", [5])
    three_months(b, "OTHER_F1", "90000.00", "90000.00", "90000.00")
    # R = 179 / 180 at the sleeping line.
    with_txns(b, "OTHER_R179", [179])
    with_txns(b, "SLEEP_R180", [180])
    # No transactions: R counts from opened_on (D − 180 = 2026-04-03, D − 179 = 04-04).
    b.customer("NOTXN_180", opened_on="2026-04-03")
    b.customer("NOTXN_179", opened_on="2026-04-04")
    b.customer("NOTXN_NEW", opened_on="2026-09-30")
    # No balances: M = 0.00 even with many recent transactions.
    with_txns(b, "NOBAL", [0, 1, 2, 3, 4, 5])
    # Opened after D: not a customer yet.
    b.customer("LATER", opened_on="2026-10-01")
    # A transaction after D is ignored (the customer has no transaction on or before D).
    with_txns(b, "ONLY_AFTER", [-1], opened_on="2026-06-01")
    # Business dates in bank time (Asia/Shanghai, UTC+8).
    b.customer("TZ")
    b.txn("TZ", "2026-09-30T16:30:00Z")  # 2026-10-01 00:30 in Shanghai: after D
    b.txn("TZ", "2026-07-02T16:30:00Z")  # 2026-07-03 00:30: first day of the window
    b.txn("TZ", "2026-09-29T23:59:59")  # no offset: bank time, 2026-09-29
    # Loans are not assets; a missing month counts as 0; June is outside M's months.
    with_txns(b, "LOAN", [0, 1])
    b.balance("LOAN", "2026-09", "loan", "9000000.00")
    b.balance("LOAN", "2026-06", "deposit", "9000000.00")
    b.balance("LOAN", "2026-09", "deposit", "150000.00")
    b.balance("LOAN", "2026-09", "wealth", "0.01")
    with_txns(b, "MISSING_MONTHS", [0, 1])
    b.balance("MISSING_MONTHS", "2026-09", "deposit", "149999.98")
    return b


EXPECTED: dict[str, tuple[int, int, str, str]] = {
    # customer: (R, F, M, tier)
    "CORE_R30": (30, 5, "500000.00", "core"),
    "POT_R31": (31, 5, "500000.00", "potential"),
    "F4": (0, 4, "600000.00", "potential"),
    "F5": (0, 5, "600000.00", "core"),
    "M_BELOW": (0, 5, "499999.99", "potential"),
    "M_ROUNDUP": (0, 5, "500000.00", "core"),
    "POT_R60": (60, 3, "200000.00", "potential"),
    "BASIC_R61": (61, 3, "200000.00", "basic"),
    "BASIC_R89": (89, 2, "50000.00", "basic"),
    "OTHER_R90": (90, 0, "50000.00", "other"),
    "OTHER_F1": (5, 1, "90000.00", "other"),
    "OTHER_R179": (179, 0, "0.00", "other"),
    "SLEEP_R180": (180, 0, "0.00", "sleeping"),
    "NOTXN_180": (180, 0, "0.00", "sleeping"),
    "NOTXN_179": (179, 0, "0.00", "other"),
    "NOTXN_NEW": (0, 0, "0.00", "other"),
    "NOBAL": (0, 6, "0.00", "other"),
    "ONLY_AFTER": (121, 0, "0.00", "other"),
    "TZ": (1, 2, "0.00", "other"),
    # (150,000.00 + 0.01) / 3 = 50,000.0033… → 50,000.00.
    "LOAN": (0, 2, "50000.00", "basic"),
    # 149,999.98 / 3 = 49,999.9933… → 49,999.99, just under basic's 50,000.
    "MISSING_MONTHS": (0, 2, "49999.99", "other"),
}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    path = build().write(tmp_path_factory.mktemp("golden") / "lake")
    return Lake(path, today=TODAY)


def rows_by_id(table: object) -> dict[str, dict[str, object]]:
    return {r["customer_id"]: r for r in table.to_pylist()}  # type: ignore[attr-defined]


def test_every_boundary_with_the_default_policy(lake: Lake) -> None:
    got = rows_by_id(segment(lake, as_of=D, policy=POLICY))
    assert "LATER" not in got  # opened after D
    assert set(got) == set(EXPECTED)
    for cid, (r, f, m, tier) in EXPECTED.items():
        row = got[cid]
        assert (row["recency_days"], row["frequency"], row["monetary"], row["tier"]) == (
            r,
            f,
            Decimal(m),
            tier,
        ), cid


def test_the_engine_agrees_with_the_policy_as_a_pure_function(lake: Lake) -> None:
    for row in segment(lake, as_of=D, policy=POLICY).to_pylist():
        assert row["tier"] == POLICY.classify(
            row["recency_days"], row["frequency"], row["monetary"]
        )


def test_as_of_at_a_month_boundary_moves_the_m_months(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.customer("MB")
    for _ in range(5):
        b.txn("MB", "2026-08-31T09:00:00+08:00")
    b.balance("MB", "2026-06", "deposit", "900000.00")
    b.balance("MB", "2026-09", "deposit", "1500000.00")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    # D = 2026-08-31: months Jun–Aug, (900,000 + 0 + 0) / 3 = 300,000 → potential.
    (aug,) = segment(lake, as_of=dt.date(2026, 8, 31), policy=POLICY).to_pylist()
    assert (aug["recency_days"], aug["frequency"], aug["monetary"], aug["tier"]) == (
        0,
        5,
        Decimal("300000.00"),
        "potential",
    )
    # D = 2026-09-01: months Jul–Sep, (0 + 0 + 1,500,000) / 3 = 500,000 → core.
    (sep,) = segment(lake, as_of=dt.date(2026, 9, 1), policy=POLICY).to_pylist()
    assert (sep["recency_days"], sep["frequency"], sep["monetary"], sep["tier"]) == (
        1,
        5,
        Decimal("500000.00"),
        "core",
    )


def _policy(text: str) -> SegmentationPolicy:
    return load_policy_text(text, SegmentationPolicy, rules=RULES).policy


def test_changed_thresholds_and_window(lake: Lake) -> None:
    strict = _policy(
        """
frequency_window_days: 120
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "1000000.00"}
  - {tier: potential, recency_max: 60, frequency_min: 3, monetary_min: "200000.00"}
  - {tier: basic, recency_max: 90, frequency_min: 2, monetary_min: "50000.00"}
  - {tier: sleeping, recency_min: 180}
"""
    )
    got = rows_by_id(segment(lake, as_of=D, policy=strict))
    assert got["CORE_R30"]["tier"] == "potential"  # 500,000 < 1,000,000
    # With a 120-day window the transactions at D − 90 and D − 95 count: R = 90, F = 2.
    assert (got["OTHER_R90"]["frequency"], got["OTHER_R90"]["tier"]) == (2, "basic")
    assert got["F4"]["frequency"] == 5


def test_monetary_as_transaction_amount(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.customer("AMT")
    for n, amount in [
        (0, "100000.00"),
        (1, "100000.00"),
        (2, "100000.00"),
        (3, "100000.00"),
        (89, "100000.00"),
        (90, "999999.00"),
    ]:
        b.txn("AMT", ts(n), amount, direction="debit" if n % 2 else "credit")
    b.balance("AMT", "2026-09", "deposit", "1.00")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    policy = _policy(
        """
monetary: {measure: transaction_amount, window_days: 90}
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "500000.00"}
  - {tier: sleeping, recency_min: 180}
"""
    )
    (row,) = segment(lake, as_of=D, policy=policy).to_pylist()
    # Credits and debits both count; D − 90 is outside the window.
    assert (row["frequency"], row["monetary"], row["tier"]) == (5, Decimal("500000.00"), "core")


def test_rejected_rows_do_not_count(tmp_path: Path) -> None:
    b = LakeBuilder()
    with_txns(b, "BAD", [0, 1, 2, 3])
    b.txn("BAD", ts(5), "-10.00")  # negative amount: rejected by validation
    three_months(b, "BAD", "500000.00", "500000.00", "500000.00")
    (row,) = segment(
        Lake(b.write(tmp_path / "lake"), today=TODAY), as_of=D, policy=POLICY
    ).to_pylist()
    assert (row["frequency"], row["tier"]) == (4, "potential")


def test_rm_in_charge_on_the_as_of_date(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.customer("MOVED", rm="RM1", since="2020-01-01")
    b.tables["assignments"][-1]["valid_to"] = "2026-09-29"
    b.add(
        "assignments",
        {"customer_id": "MOVED", "staff_id": "RM2", "valid_from": "2026-09-30", "valid_to": ""},
    )
    b.customer("ENDS", rm="RM1", since="2020-01-01")
    b.tables["assignments"][-1]["valid_to"] = "2026-09-30"  # inclusive: still RM1's on D
    b.customer("NOBODY", rm=None)
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    got = {
        r["customer_id"]: (r["rm_id"], r["unit_id"])
        for r in segment(lake, as_of=D, policy=POLICY).to_pylist()
    }
    assert got == {"MOVED": ("RM2", "BR1"), "ENDS": ("RM1", "BR1"), "NOBODY": (None, "BR1")}
    before = {
        r["customer_id"]: r["rm_id"]
        for r in segment(lake, as_of=D - dt.timedelta(days=1), policy=POLICY).to_pylist()
    }
    assert before["MOVED"] == "RM1"


def test_m_is_exact_past_the_doubles_53_bits(tmp_path: Path) -> None:
    """M's half-up division is integer arithmetic: with a sum of 2^55 cents a double
    division (what `//` used to compile to) rounds the wrong way.

    Four wealth balances of 90,071,992,547,409.92 (2^53 cents each; the engine computes
    in 64-bit cents, so a single balance must stay under 10^14) sum to
    360,287,970,189,639.68 = 2^55 cents; / 3 = 120,095,990,063,213.2266… → ….23.
    HUGE_DOWN has 0.01 less: 360,287,970,189,639.67 / 3 = ….2233… → ….22.
    """
    b = LakeBuilder()
    for cid, last in (("HUGE", "90071992547409.92"), ("HUGE_DOWN", "90071992547409.91")):
        with_txns(b, cid, [0])
        b.balance(cid, "2026-07", "wealth", "90071992547409.92")
        b.balance(cid, "2026-08", "wealth", "90071992547409.92")
        b.balance(cid, "2026-09", "wealth", "90071992547409.92")
        b.balance(cid, "2026-09", "fund", last)
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    for with_tags in (False, True):
        got = rows_by_id(segment(lake, as_of=D, policy=POLICY, with_tags=with_tags))
        assert got["HUGE"]["monetary"] == Decimal("120095990063213.23")
        assert got["HUGE_DOWN"]["monetary"] == Decimal("120095990063213.22")
    # A double division (each side a double, as SQL's `/` on integers) gets the first
    # wrong: the case is one that matters.
    assert math.floor(float(2 * 2**55 + 3) / float(6)) == 12009599006321322
