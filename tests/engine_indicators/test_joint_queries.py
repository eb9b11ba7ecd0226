"""Indicators computed together by one query (library.JOINT_QUERIES) give exactly the values
each gives alone, on the hand-built bank and for every kind of period."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from rmperf.engine.indicators import compute_indicators
from rmperf.engine.indicators.library import JOINT_QUERIES, JOINT_SUMS, LIBRARY
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """The hand-built bank, plus customers with AUM balances but no deposit: rows the AUM
    growth has and the deposit growth does not (current, moved base and kept base)."""
    b = bank.build()
    b.customer("W1", rm="RM4")  # wealth only, both quarters
    b.customer("W2", rm=None).add(
        "assignments",
        {"customer_id": "W2", "staff_id": "RM2", "valid_from": "2020-01-01", "valid_to": "2026-06-30"},
    )  # fmt: skip
    b.customer("W3", rm="RM3", since="2026-08-20")  # fund from August, deposit in September
    for m in ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"):
        b.balance("W1", m, "wealth", "70000.00")
        b.balance("W2", m, "insurance", "30000.00")
    for m in ("2026-08", "2026-09"):
        b.balance("W3", m, "fund", "12345.67")
    b.balance("W3", "2026-09", "deposit", "500.00")
    return Lake(b.write(tmp_path_factory.mktemp("bank")), bank.TODAY)


def test_every_joint_query_has_its_builder_and_members() -> None:
    assert set(JOINT_SUMS) == set(JOINT_QUERIES)
    for joint in JOINT_QUERIES:
        assert set(joint) <= set(LIBRARY)


def _alone(lake: Lake, period: Period, joint: tuple[str, ...]) -> pa.Table:
    parts = [compute_indicators(lake, period=period, indicators=[ind]) for ind in joint]
    return pa.concat_tables(parts).sort_by([("staff_id", "ascending"), ("indicator", "ascending")])


@pytest.mark.parametrize("period", ["2026Q3", "2026-08", "2026H1", "2026", "2026Q4"])
@pytest.mark.parametrize("joint", JOINT_QUERIES)
def test_a_joint_query_gives_each_members_values(
    lake: Lake, period: str, joint: tuple[str, ...]
) -> None:
    p = Period.parse(period)
    together = compute_indicators(lake, period=p, indicators=list(joint))
    together = together.sort_by([("staff_id", "ascending"), ("indicator", "ascending")])
    assert together.equals(_alone(lake, p, joint))
    assert together.num_rows > 0


def test_without_the_cache_too(lake: Lake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RMPERF_VALID_CACHE", "off")
    p = Period.parse("2026Q3")
    for joint in JOINT_QUERIES:
        together = compute_indicators(lake, period=p, indicators=list(joint))
        together = together.sort_by([("staff_id", "ascending"), ("indicator", "ascending")])
        assert together.equals(_alone(lake, p, joint))


@pytest.mark.spark
def test_spark_gives_what_duckdb_gives(spark: Any, lake: Lake) -> None:
    """The joint query and the transaction windows by instants (activity.on_days) on
    Spark, against DuckDB."""
    wanted = ["deposit_avg_growth", "aum_avg_growth", "new_valid_customers", "online_share"]
    q3 = Period.parse("2026Q3")
    on_spark = compute_indicators(lake, period=q3, indicators=wanted, backend="spark")
    assert on_spark.equals(compute_indicators(lake, period=q3, indicators=wanted))
