"""DuckDB and Spark give identical segment() tables: every column, exact decimals, same order.

One hand-built lake holds the golden customers (every tier boundary, bank-time dates,
rejected rows) and the migration customers (tier changes, RM reassignment, openings between
two dates); a generated tiny bank adds Parquet input and volume. segment() is compared
whole on both lakes; further dates and policies compare the R/F/M/tier query on one
attached lake per engine, which is what segment() runs (attaching a lake to Spark costs
seconds). A migration report is a pure function of two segment tables, so equal tables at
both dates give equal reports. The small bank (2M transactions) is compared in
bench/bench_segment.py by file hash: a Spark run on it takes minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from rmperf.engine.backends import Backend, BackendName, attach_lake, open_backend
from rmperf.engine.ibis_tables import compile_sql
from rmperf.engine.lake import Lake
from rmperf.engine.policy import load_policy_text
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from rmperf.engine.segmentation.rfm import RFM_TABLES, rfm_expr
from rmperf.synth import generate
from tests.engine.conftest import spark  # noqa: F401 - the run's one Spark session
from tests.engine_segmentation import test_golden as golden
from tests.engine_segmentation import test_migration as migration
from tests.lakebuilder import LakeBuilder

# One xdist worker runs them all, so the run starts one JVM for them.
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

POLICY = load_segmentation_policy().policy


def _policy(text: str) -> SegmentationPolicy:
    return load_policy_text(text, SegmentationPolicy, rules=RULES).policy


CHANGED = _policy(
    """
time_zone: Asia/Tokyo
frequency_window_days: 120
monetary: {months: 2, asset_categories: [deposit, wealth]}
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "1000000.00"}
  - {tier: potential, recency_max: 60, frequency_min: 3, monetary_min: "200000.00"}
  - {tier: basic, recency_max: 90, frequency_min: 2, monetary_min: "50000.00"}
  - {tier: sleeping, recency_min: 150}
"""
)
TXN_AMOUNT = _policy(
    """
monetary: {measure: transaction_amount, window_days: 30}
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "500.00"}
  - {tier: basic, frequency_min: 1}
  - {tier: sleeping, recency_min: 180}
"""
)


def combined() -> LakeBuilder:
    """The golden lake plus the migration lake's customers (their own transaction ids)."""
    b = golden.build()
    extra = migration.build()
    for table, rows in extra.tables.items():
        have = b.tables.setdefault(table, [])
        for row in rows:
            if table == "transactions":
                row = {**row, "txn_id": "M" + row["txn_id"]}
            if row not in have:
                have.append(row)
    return b


def assert_identical(duck: pa.Table, spark_: pa.Table) -> None:
    assert duck.schema == spark_.schema
    for name in duck.column_names:
        assert duck[name].to_pylist() == spark_[name].to_pylist(), name
    assert duck.equals(spark_)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(combined().write(tmp_path_factory.mktemp("parity") / "lake"), today=golden.TODAY)


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    out = tmp_path_factory.mktemp("tiny") / "lake"
    generate("tiny", seed=7, out=out, start=dt.date(2024, 1, 1), end=dt.date(2026, 9, 30))
    return Lake(out, today=dt.date(2026, 10, 1))


def test_segment_on_the_hand_built_lake(spark: Any, lake: Lake) -> None:  # noqa: F811
    duck = segment(lake, as_of=golden.D, policy=POLICY, backend="duckdb")
    assert_identical(duck, segment(lake, as_of=golden.D, policy=POLICY, backend="spark"))
    got = {r["customer_id"]: r["tier"] for r in duck.to_pylist()}
    assert {cid: got[cid] for cid in golden.EXPECTED} == {
        cid: tier for cid, (_, _, _, tier) in golden.EXPECTED.items()
    }


def test_segment_on_a_generated_bank(spark: Any, tiny_lake: Lake) -> None:  # noqa: F811
    day = dt.date(2026, 9, 30)
    duck = segment(tiny_lake, as_of=day, policy=POLICY, backend="duckdb")
    assert_identical(duck, segment(tiny_lake, as_of=day, policy=POLICY, backend="spark"))
    # Every tier occurs, so every branch of the CASE was compared.
    assert set(duck["tier"].to_pylist()) == {"core", "potential", "basic", "sleeping", "other"}


@pytest.fixture(scope="module")
def engines(spark: Any, lake: Lake) -> Iterator[dict[BackendName, Backend]]:  # noqa: F811
    attached: dict[BackendName, Backend] = {}
    for name in ("duckdb", "spark"):
        attached[name] = open_backend(name)
        attach_lake(attached[name], lake, list(RFM_TABLES))
    yield attached
    for engine in attached.values():
        engine.close()


@pytest.mark.parametrize(
    ("day", "policy"),
    [
        (migration.FROM, POLICY),  # the migration's first date
        (dt.date(2026, 7, 1), POLICY),  # first day of a month: the M months move
        (golden.D, CHANGED),  # another zone, window, month count, categories, thresholds
        (golden.D, TXN_AMOUNT),  # M as the sum of transaction amounts
    ],
    ids=["from", "month-start", "changed", "amount"],
)
def test_rfm_for_more_dates_and_policies(
    engines: dict[BackendName, Backend], day: dt.date, policy: SegmentationPolicy
) -> None:
    duck, spark_ = (
        engines[name].to_arrow(compile_sql(rfm_expr(name, as_of=day, policy=policy), name))
        for name in ("duckdb", "spark")
    )
    assert duck.num_rows > 20
    assert duck.column_names == spark_.column_names
    for name in duck.column_names:
        assert duck[name].to_pylist() == spark_[name].to_pylist(), name


def test_the_combined_lake_keeps_both_fixtures(tmp_path: Path) -> None:
    b = combined()
    ids = [r["txn_id"] for r in b.tables["transactions"]]
    assert len(ids) == len(set(ids))
    assert {"CORE_R30", "MOVED", "NEW_OTHER"} <= {r["customer_id"] for r in b.tables["customers"]}
