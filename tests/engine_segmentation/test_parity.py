"""DuckDB and Spark give identical segment() tables: every column, exact decimals, same order.

Spark costs seconds per job, so the comparisons are packed into few Spark runs:
- segment() with its tags, whole, on a hand-built lake holding the golden customers
  (every tier boundary, bank-time dates, rejected rows) and the migration customers
  (tier changes, RM reassignment, openings between two dates);
- on a generated tiny bank (Parquet), attached once per engine, the R/F/M/tier query
  that segment() runs, for the default policy and two changed ones (another zone,
  window, month count and categories; M as transaction amounts).
A migration report is a pure function of two segment tables, so equal tables give equal
reports. The small bank (2M transactions) is compared with its tags in
bench/bench_segment.py --spark-parity small, by file hash: that run takes minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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


def hand_built() -> LakeBuilder:
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
    return Lake(hand_built().write(tmp_path_factory.mktemp("parity") / "lake"), today=golden.TODAY)


def test_segment_with_tags_on_the_hand_built_lake(spark: Any, lake: Lake) -> None:  # noqa: F811
    duck = segment(lake, as_of=golden.D, policy=POLICY, backend="duckdb")
    assert_identical(duck, segment(lake, as_of=golden.D, policy=POLICY, backend="spark"))
    got = {r["customer_id"]: r for r in duck.to_pylist()}
    for cid, (r, f, m, tier) in golden.EXPECTED.items():
        row = got[cid]
        assert (row["recency_days"], row["frequency"], str(row["monetary"]), row["tier"]) == (
            r,
            f,
            m,
            tier,
        ), cid
    assert (got["MOVED"]["rm_id"], got["BASIC_POT"]["unit_id"]) == ("RM2", "BR2")


@pytest.fixture(scope="module")
def engines(
    spark: Any,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[BackendName, Backend]]:
    out = tmp_path_factory.mktemp("tiny") / "lake"
    generate("tiny", seed=7, out=out, start=dt.date(2024, 1, 1), end=dt.date(2026, 9, 30))
    tiny = Lake(out, today=golden.TODAY)
    attached: dict[BackendName, Backend] = {}
    for name in ("duckdb", "spark"):
        attached[name] = open_backend(name)
        attach_lake(attached[name], tiny, list(RFM_TABLES))
    yield attached
    for engine in attached.values():
        engine.close()


@pytest.mark.parametrize(
    ("day", "policy"),
    [
        (golden.D, POLICY),
        (migration.FROM, CHANGED),
        (dt.date(2026, 7, 1), TXN_AMOUNT),  # a month's first day
    ],
    ids=["default", "changed", "amount"],
)
def test_rfm_on_a_generated_bank(
    engines: dict[BackendName, Backend], day: dt.date, policy: SegmentationPolicy
) -> None:
    duck, spark_ = (
        engines[name].to_arrow(compile_sql(rfm_expr(name, as_of=day, policy=policy), name))
        for name in ("duckdb", "spark")
    )
    assert duck.num_rows > 300
    # Raw query results (types are unified by segment()'s cast): equal values, same order.
    assert duck.column_names == spark_.column_names
    for name in duck.column_names:
        assert duck[name].to_pylist() == spark_[name].to_pylist(), name
    if policy is POLICY:  # every tier occurs, so every branch of the CASE was compared
        tiers = set(duck["tier"].to_pylist())
        assert tiers == {"core", "potential", "basic", "sleeping", "other"}


def test_the_hand_built_rows_keep_their_ids() -> None:
    b = hand_built()
    ids = [r["txn_id"] for r in b.tables["transactions"]]
    assert len(ids) == len(set(ids))
    assert {"CORE_R30", "MOVED", "NEW_OTHER"} <= {r["customer_id"] for r in b.tables["customers"]}
