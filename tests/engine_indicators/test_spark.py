"""Spark gives exactly what DuckDB gives (and what the golden tests expect).

A representative subset keeps the JVM time down (each indicator costs Spark seconds of
planning and code generation on a 2-core box): a balance indicator with the moving base
and a mid-period reassignment, a ratio with a time-zone edge, a count, and the referral
points (a window join and a row number over the holdings). Every one of
the library's indicators, and the drill-down with the 时点冲量 flag, was compared the same
way while building the library (docs/adr/0001-engine-backends.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from rmperf.engine.indicators import compute_indicators
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank
from tests.engine_indicators.test_golden import EXPECTED

SUBSET = ["deposit_avg_growth", "response_24h_rate", "complaints", "referral_points"]


@pytest.mark.spark
def test_spark_matches_duckdb(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    lake = Lake(bank.write(tmp_path_factory.mktemp("bank")), bank.TODAY)
    q3 = Period.parse("2026Q3")
    on_spark = compute_indicators(lake, period=q3, indicators=SUBSET, backend="spark")
    on_duckdb = compute_indicators(lake, period=q3, indicators=SUBSET)
    assert on_spark.equals(on_duckdb)
    got = {(r["staff_id"], r["indicator"]): r["value"] for r in on_spark.to_pylist()}
    for key, want in EXPECTED.items():
        if key[1] in SUBSET:
            assert got[key] == want, key
