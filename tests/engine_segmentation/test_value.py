"""Golden cases for the contribution estimate (docs/customer-value.md), worked by hand.

As-of date D = 2026-09-30. Deposit months: 2025-10 … 2026-09 (12), or from the opening
month for a newer customer. Settlement window: 2025-09-30 < business date ≤ 2026-09-30.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from rmperf.engine.segmentation.value import ValueSourceError, contribution_cents
from tests.engine.conftest import spark  # noqa: F401 - the run's one Spark session
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
POLICY = load_segmentation_policy().policy


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.product("DEP2", "deposit", "0.020000")
    b.product("TD", "time_deposit", "0.016000", term_days="91")
    b.product("WM", "wealth", "0.006000")
    b.product("FND", "fund", "0.015000", risk_level="R3")
    b.product("INS", "insurance", "0.012000")
    b.product("MORT", "mortgage", "0.020000")
    b.product("BL", "business_loan", "0.030000")
    b.product("CL", "consumer_loan", "0.035000")

    # The worked example of docs/customer-value.md.
    b.customer("VAL")
    b.balance("VAL", "2026-07", "deposit", "100000.00")
    b.balance("VAL", "2026-08", "deposit", "120000.00")
    b.balance("VAL", "2026-09", "deposit", "140000.00")
    b.balance("VAL", "2025-09", "deposit", "999999.00")  # 13 months back: outside
    b.balance("VAL", "2026-09", "wealth", "500000.00")  # not a deposit category
    b.holding("VAL", "WM", "200000.00", "2026-01-05")
    b.holding("VAL", "FND", "33333.33", "2026-02-10")
    b.holding("VAL", "INS", "80000.00", "2025-09-29", "2026-09-29")  # matured the day before D
    b.holding("VAL", "TD", "100000.00", "2026-08-01", "2026-10-31")  # inside the deposit ADB
    b.loan("L1", "VAL", "MORT", "1000000.00", "2024-01-15", "2044-01-15")
    b.loan_status("L1", "2026-08", "800000.00")
    b.loan_status("L1", "2026-09", "798765.43")
    b.loan_status("L1", "2026-10", "797000.00")  # after D's month: not yet known
    b.loan("L2", "VAL", "BL", "60000.00", "2025-03-01", "2027-03-01")
    b.loan_status("L2", "2026-09", "50000.00", grade="substandard", overdue="95")
    b.loan("L3", "VAL", "CL", "5000.00", "2025-09-29", "2026-09-29")  # matured before D
    b.loan_status("L3", "2026-09", "1000.00")
    b.txn("VAL", "2025-10-01T09:00:00+08:00")  # D − 12 months + 1 day: counted
    b.txn("VAL", "2026-03-15T09:00:00+08:00")
    b.txn("VAL", "2026-09-30T23:30:00+08:00")
    b.txn("VAL", "2026-09-30T16:30:00Z")  # 10-01 00:30 in Shanghai: after D
    b.txn("VAL", "2025-09-30T12:00:00+08:00")  # exactly 12 months before: outside

    # Opened in August: the deposit average runs over August and September only.
    b.customer("NEWV", opened_on="2026-08-15")
    b.balance("NEWV", "2026-07", "deposit", "1000000.00")  # before the opening month
    b.balance("NEWV", "2026-08", "deposit", "10000.00")
    b.balance("NEWV", "2026-09", "deposit", "20000.00")

    # Opened in the window's first month: that month counts (12 months).
    b.customer("FIRSTM", opened_on="2025-10-20")
    b.balance("FIRSTM", "2025-10", "deposit", "12000.00")
    # Opened on the first day of the window's second month: a balance dated in the first
    # month predates the opening and is left out (11 months).
    b.customer("SECONDM", opened_on="2025-11-01")
    b.balance("SECONDM", "2025-10", "deposit", "50000.00")
    b.balance("SECONDM", "2025-11", "deposit", "11000.00")

    # A corporate customer: the corporate spread.
    b.customer("CORPV", kind="corporate", birth_date="")
    b.balance("CORPV", "2026-09", "deposit", "1200000.00")

    # Half up at the last step: 4.00 / 12 × 1.5 % = 0.005 exactly → 0.01 (half-even: 0.00).
    b.customer("TIE")
    b.balance("TIE", "2026-09", "deposit", "4.00")
    b.customer("BELOW_TIE")  # 3.99 / 12 × 1.5 % = 0.0049875 → 0.00
    b.balance("BELOW_TIE", "2026-09", "deposit", "3.99")
    b.customer("NOTHING")
    return b


EXPECTED = {
    # 360,000.00 / 12 × 0.015 = 450.00; 200,000.00 × 0.006 = 1,200.00;
    # 33,333.33 × 0.015 = 499.99995; 798,765.43 × 0.02 = 15,975.3086; 3 × 0.50 = 1.50;
    # total 18,126.80855 → 18,126.81.
    "VAL": Decimal("18126.81"),
    # (10,000.00 + 20,000.00) / 2 × 0.015 = 225.00.
    "NEWV": Decimal("225.00"),
    # 12,000.00 / 12 × 0.015 = 15.00.
    "FIRSTM": Decimal("15.00"),
    # 11,000.00 / 11 × 0.015 = 15.00 (the 50,000.00 of 2025-10 would make it 83.18).
    "SECONDM": Decimal("15.00"),
    # 1,200,000.00 / 12 × 0.012 = 1,200.00.
    "CORPV": Decimal("1200.00"),
    "TIE": Decimal("0.01"),
    "BELOW_TIE": Decimal("0.00"),
    "NOTHING": Decimal("0.00"),
}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(build().write(tmp_path_factory.mktemp("value") / "lake"), today=TODAY)


def contributions(lake: Lake, policy: SegmentationPolicy) -> dict[str, Any]:
    return {
        r["customer_id"]: r["contribution"]
        for r in segment(lake, as_of=D, policy=policy).to_pylist()
    }


def test_the_worked_example_and_its_edges(lake: Lake) -> None:
    assert contributions(lake, POLICY) == EXPECTED


def _policy(text: str) -> SegmentationPolicy:
    return load_policy_text(text, SegmentationPolicy, rules=RULES).policy


TIERS = """
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "500000.00"}
  - {tier: sleeping, recency_min: 180}
"""


def test_a_spread_from_the_lake_and_a_changed_settlement_fee(lake: Lake) -> None:
    policy = _policy(
        TIERS
        + """
value:
  deposit:
    spread: {retail: {product_id: DEP2}, corporate: {rate: "0.010000"}}
  fee_categories: [wealth]
  loan_earning_grades: [normal, substandard]
  settlement: {months: 6, fee_per_transaction: "1.00"}
"""
    )
    got = contributions(lake, policy)
    # VAL: 30,000.00 × 0.02 = 600.00; wealth only: 1,200.00; L1 15,975.3086 + L2 (now
    # earning) 50,000.00 × 0.03 = 1,500.00; settlement window 2026-03-30 < day ≤ D holds
    # 2026-09-30 only: 1 × 1.00 × 12 / 6 = 2.00. Total 19,277.3086 → 19,277.31.
    assert got["VAL"] == Decimal("19277.31")
    assert got["NEWV"] == Decimal("300.00")  # 15,000.00 × 0.02
    assert got["CORPV"] == Decimal("1000.00")  # 100,000.00 × 0.01


def test_a_spread_product_missing_from_the_lake_is_an_error(lake: Lake) -> None:
    policy = _policy(TIERS + "value: {deposit: {spread: {retail: {product_id: NOPE}}}}\n")
    with pytest.raises(ValueSourceError, match="NOPE"):
        segment(lake, as_of=D, policy=policy)


def test_the_sum_is_rounded_once_half_up() -> None:
    def cents(**parts: int) -> int:
        base = {
            "deposit_e8": 0,
            "deposit_months": 12,
            "fee_e8": 0,
            "loan_e8": 0,
            "settlement_count": 0,
        }
        return contribution_cents(**{**base, **parts}, policy=POLICY)

    # Three parts of 0.004 yuan each: rounded one by one they would give 0.00.
    assert cents(fee_e8=400_000, loan_e8=400_000, deposit_e8=12 * 400_000) == 1
    assert cents(fee_e8=500_000) == 1  # 0.005 → 0.01
    assert cents(fee_e8=499_999) == 0
    # Σ ADB 360,000.00 in cents × 15,000 micro / 12 months = 450.00.
    assert cents(deposit_e8=36_000_000 * 15_000) == 45_000
    assert cents(settlement_count=3) == 150  # 3 × 0.50


@pytest.mark.spark
@pytest.mark.usefixtures("spark")
def test_spark_gives_the_same_contributions(lake: Lake) -> None:
    # The spread read from the lake goes through its own query: check it on Spark too.
    policy = _policy(TIERS + "value: {deposit: {spread: {retail: {product_id: DEP2}}}}\n")
    for p in (POLICY, policy):
        duck = segment(lake, as_of=D, policy=p)
        assert duck.equals(segment(lake, as_of=D, policy=p, backend="spark"))


def _issues(text: str) -> list[tuple[str, int | None]]:
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, SegmentationPolicy, source="seg.yaml", rules=RULES)
    return [(i.rule, i.line) for i in err.value.issues if i.severity == "error"]


def test_value_policy_is_validated_with_file_and_line() -> None:
    issues = _issues(
        TIERS
        + """value:
  deposit:
    categories: [deposit, loan]
    spread:
      retail: {rate: "0.015000", product_id: DEP}
      corporate: {}
  fee_categories: [wealth, time_deposit, crypto]
  loan_earning_grades: [normal, bad]
"""
    )
    # Line 1 is blank, tiers on 2–4, `value:` on 5.
    assert ("value_categories_known", 7) in issues  # loan is no deposit
    assert ("value_rate_source", 9) in issues  # both a rate and a product
    assert ("value_rate_source", 10) in issues  # neither
    assert ("value_categories_known", 11) in issues  # time_deposit twice counted, crypto
    assert ("value_categories_known", 12) in issues  # grade bad
    assert len([i for i in issues if i == ("value_categories_known", 11)]) == 2


def test_rates_have_at_most_six_places() -> None:
    issues = _issues(TIERS + 'value: {deposit: {spread: {retail: {rate: "0.0150001"}}}}\n')
    assert issues and issues[0][0].startswith("schema.")


def test_the_vectorised_column_is_the_reference_formula_row_by_row() -> None:
    # segment() computes the contribution of every row at once (128-bit integers in
    # DuckDB, finish.py); it must agree with contribution_cents on each row, including
    # halves, negative parts (floor, not truncation) and parts whose products pass 2⁶³.
    import pyarrow as pa

    from rmperf.engine.segmentation.value import PART_COLUMNS, contribution_column

    rows = [
        (0, 12, 0, 0, 0),
        (12 * 400_000, 12, 400_000, 400_000, 0),  # 0.004 × 3 → 0.01 (see above)
        (0, 12, 500_000, 0, 0),  # 0.005 → 0.01
        (0, 12, 499_999, 0, 0),  # 0.00499999 → 0.00
        (0, 12, -500_000, 0, 0),  # −0.005 → −0.00 (half up: floor(−0.005 + 0.005) = 0)
        (0, 12, -500_001, 0, 0),  # −0.00500001 → −0.01
        (36_000_000 * 15_000, 12, 0, 0, 0),  # 450.00 (see above)
        (0, 12, 0, 0, 3),  # 3 × 0.50 = 1.50
        (0, 1, 0, 0, 1),  # a customer opened in D's month: deposit over 1 month
        # 9 × 10¹⁸ × 10⁻⁸ yuan = 9 × 10¹⁰ yuan of deposit spread over 12 months:
        # 7.5 × 10⁹ yuan a year. The numerator 9 × 10¹⁸ × 6 (settlement months)
        # overflows 64 bits on the way; the result fits.
        (9 * 10**18, 12, 0, 0, 0),
    ]
    parts = pa.table(
        {
            name: pa.array(col, pa.int64())
            for name, col in zip(PART_COLUMNS, zip(*rows, strict=True), strict=True)
        }
    )
    got = contribution_column(parts, POLICY).to_pylist()
    expected = [
        Decimal(
            contribution_cents(**dict(zip(PART_COLUMNS, row, strict=True)), policy=POLICY)
        ).scaleb(-2)
        for row in rows
    ]
    assert got == expected
    assert got[1] == Decimal("0.01")
    assert got[4] == Decimal("0.00")
    assert got[5] == Decimal("-0.01")
    assert got[7] == Decimal("1.50")
    assert got[9] == Decimal("7500000000.00")  # 9 × 10¹⁰ / 12
