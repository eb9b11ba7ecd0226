"""Monthly activity: hand-computed expectations, and DuckDB and Spark agree exactly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from rmperf.engine.activity import ACTIVITY_SCHEMA, monthly_activity
from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.backends.spark_backend import SparkBackend
from rmperf.engine.lake import Lake
from tests.engine.lakes import BASE, TODAY, row, write_lake


def _txn(txn_id: str, customer: str, ts: str, amount: str, direction: str) -> dict[str, str]:
    return row(
        "transactions",
        txn_id=txn_id,
        customer_id=customer,
        ts=ts,
        amount=amount,
        direction=direction,
        product_id="",
    )


# Bank time is Asia/Shanghai (UTC+8). The month is the business month in bank time.
TXNS = [
    # 23:30 UTC on 31 Jan is 07:30 on 1 Feb in Shanghai -> 2026-02
    _txn("X1", "C1", "2026-01-31T23:30:00+00:00", "10.50", "credit"),
    # no offset: already bank time -> 2026-01
    _txn("X2", "C1", "2026-01-31T23:30:00", "3.25", "debit"),
    # 16:00 UTC is midnight in Shanghai: the first instant of February -> 2026-02
    _txn("X3", "C1", "2026-01-31T16:00:00Z", "0.10", "credit"),
    # one second earlier is still 31 January -> 2026-01
    _txn("X4", "C1", "2026-01-31T15:59:59Z", "0.20", "credit"),
    # 00:30 on 1 Feb in Tokyo is 23:30 on 31 Jan in Shanghai -> 2026-01
    _txn("X5", "C1", "2026-02-01T00:30:00+09:00", "1.00", "debit"),
    # 12:00 in New York on 15 Mar is 01:00 on 16 Mar in Shanghai -> 2026-03
    _txn("X6", "C2", "2026-03-15T12:00:00-05:00", "100.00", "credit"),
    _txn("X7", "C2", "2026-03-01T00:00:00+08:00", "5.55", "debit"),
    # rejected (amount not > 0): never counted
    _txn("X8", "C2", "2026-03-02T00:00:00+08:00", "-1.00", "credit"),
    # C9 is a rejected customer: its transaction is rejected with it
    _txn("X9", "C9", "2026-03-02T00:00:00+08:00", "7.00", "credit"),
]
# C3 has no transactions and so no rows.
EXPECTED = [
    {
        "customer_id": "C1",
        "month": "2026-01",
        "txn_count": 3,
        "credit_amount": Decimal("0.20"),
        "debit_amount": Decimal("4.25"),
    },
    {
        "customer_id": "C1",
        "month": "2026-02",
        "txn_count": 2,
        "credit_amount": Decimal("10.60"),
        "debit_amount": Decimal("0.00"),
    },
    {
        "customer_id": "C2",
        "month": "2026-03",
        "txn_count": 2,
        "credit_amount": Decimal("100.00"),
        "debit_amount": Decimal("5.55"),
    },
]


# More rows that must all be left out, and one unusual but valid one (X14).
ORG = [
    *BASE["org_units"],
    {"unit_id": "T2", "name": "Team under region", "kind": "team", "parent_id": "R1"},
]
CUSTOMERS = [
    *BASE["customers"],
    row("customers", customer_id="C9", kind="private"),
    row("customers", customer_id="C8", unit_id="T2"),
    row("customers", customer_id="C7", phone="call me", marketing_opt_out="Yes"),
    row("customers", customer_id="C6", birth_date="2030-01-01"),
    row("customers", customer_id="C5", name=" "),
]
MORE_TXNS = [
    _txn("X10", "C1", "2026-06-30T16:30:00Z", "1.00", "credit"),  # tomorrow in Shanghai
    _txn("X11", "C1", "2026-06-30T15:30:00Z", "1.005", "credit"),
    _txn("X12", "C1", "2026-06-30T25:30:00", "1", "credit"),
    _txn("X13", "C1", "2026-06-30T10:30:00", "1e2", "credit"),
    _txn("X13", "C1", "2026-06-30T10:30:00.5+05:30", "99999999999999999.00", "credit"),
    _txn("X14", "C1", "2026-06-30 10:30", "12.340", "credit"),  # bank time, no seconds
    _txn("X15", "C 1", "2026-06-30T10:30Z", "1", "credit"),
    _txn("X16", "C8", "2026-06-30T10:30Z", "1", "credit"),  # its customer's team is wrong
]
EXPECTED_WITH_MORE = [
    *EXPECTED[:2],
    {
        "customer_id": "C1",
        "month": "2026-06",
        "txn_count": 1,
        "credit_amount": Decimal("12.34"),
        "debit_amount": Decimal("0.00"),
    },
    EXPECTED[2],
]


@pytest.fixture(scope="module")
def activity_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = write_lake(
        tmp_path_factory.mktemp("activity"),
        {"transactions": TXNS, "customers": CUSTOMERS, "org_units": ORG},
    )
    return Lake(root, TODAY)


@pytest.fixture(scope="module")
def busy_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = write_lake(
        tmp_path_factory.mktemp("busy"),
        {"transactions": TXNS + MORE_TXNS, "customers": CUSTOMERS, "org_units": ORG},
    )
    return Lake(root, TODAY)


def test_monthly_activity_duckdb(activity_lake: Lake) -> None:
    result = monthly_activity(activity_lake)
    assert result.schema == ACTIVITY_SCHEMA
    assert result.to_pylist() == EXPECTED


def test_monthly_activity_leaves_out_every_rejected_row(busy_lake: Lake) -> None:
    assert monthly_activity(busy_lake).to_pylist() == EXPECTED_WITH_MORE


def _instants(table: pa.Table) -> list[dict[str, Any]]:
    # Spark hands instants out in its session zone and DuckDB in its own: compare instants.
    return [
        {k: v.timestamp() if isinstance(v, datetime) else v for k, v in r.items()}
        for r in table.to_pylist()
    ]


@pytest.mark.spark
def test_spark_matches_duckdb_and_the_hand_count(spark: Any, busy_lake: Lake) -> None:
    on_spark = monthly_activity(busy_lake, backend="spark")
    assert on_spark.to_pylist() == EXPECTED_WITH_MORE
    assert on_spark.equals(monthly_activity(busy_lake, backend="duckdb"))

    # The valid views the computation read (still registered in the session) hold the
    # same rows as DuckDB's.
    duck = DuckDBBackend()
    attach_lake(duck, busy_lake, ["transactions"])
    spark_side = SparkBackend(spark)
    for table, key in [
        ("org_units", "unit_id"),
        ("customers", "customer_id"),
        ("transactions", "txn_id"),
    ]:
        sql = f"SELECT * FROM rm_valid_{table} ORDER BY {key}"
        assert _instants(spark_side.to_arrow(sql)) == _instants(duck.to_arrow(sql))
    assert [
        r["customer_id"]
        for r in duck.to_arrow("SELECT customer_id FROM rm_valid_customers ORDER BY 1").to_pylist()
    ] == ["C1", "C2", "C3"]
