"""The valid-row cache on Spark: the first run validates and keeps the verdict, the next
reads it; the rows are DuckDB's either way (Parquet tables keep their rejected rows by
file and row number, CSV tables their valid rows, as on DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmperf.engine import contract
from rmperf.engine.backends import read_valid
from rmperf.engine.backends.spark_backend import SparkBackend
from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import CACHE_ENV
from tests.engine.conftest import spark  # noqa: F401 - the run's one Spark session
from tests.engine.lakes import BASE, TODAY, row, write_lake

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def _txn_parquet(root: Path) -> None:
    """transactions as two Parquet files of text columns; the second holds a bad amount
    (row 1), a duplicate of X1 (row 2) and an unknown customer (row 3)."""
    cols = contract.table("transactions").column_names
    first = BASE["transactions"]
    second = [
        row("transactions", txn_id="X3", customer_id="C2"),
        row("transactions", txn_id="X4", amount="12.3.4"),
        row("transactions", txn_id="X1"),
        row("transactions", txn_id="X5", customer_id="NOBODY"),
        row("transactions", txn_id="X6", amount="7.25"),
    ]
    (root / "transactions.csv").unlink()
    (root / "transactions").mkdir()
    for i, rows in enumerate((first, second)):
        table = pa.table({c: [r[c] for r in rows] for c in cols})
        pq.write_table(table, root / "transactions" / f"part-{i}.parquet")


def _entries(directory: Path) -> dict[str, str]:
    return {p.name.rsplit("-", 1)[0]: p.name for p in directory.glob("*.parquet")}


def test_spark_keeps_and_reuses_the_verdict(
    spark: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = write_lake(tmp_path / "lake")
    _txn_parquet(root)
    duck_cache, spark_cache = tmp_path / "duck", tmp_path / "spark"
    monkeypatch.setenv(CACHE_ENV, str(duck_cache))
    want = read_valid(Lake(root, TODAY), "transactions")
    assert want.column("txn_id").to_pylist() == ["X2", "X3", "X6"]  # X1 twice: both out

    monkeypatch.setenv(CACHE_ENV, str(spark_cache))
    first = read_valid(Lake(root, TODAY), "transactions", backend="spark")
    assert first.equals(want)
    (lake_dir,) = spark_cache.iterdir()
    kept = _entries(lake_dir)
    assert set(kept) == {"customers", "org_units", "products", "transactions"}
    assert not [p for p in lake_dir.iterdir() if p.name.startswith(".")]  # no leftovers
    # The Parquet table keeps its rejected rows only, by file index and row number.
    rejected = pq.read_table(lake_dir / kept["transactions"])
    ids = sorted(zip(rejected["__file"].to_pylist(), rejected["__row"].to_pylist(), strict=True))
    assert ids == [(0, 0), (1, 1), (1, 2), (1, 3)]
    # The CSV tables keep their valid rows, typed as DuckDB's entries hold them.
    customers = pq.read_table(lake_dir / kept["customers"])
    assert sorted(customers["customer_id"].to_pylist()) == ["C1", "C2", "C3"]
    # Spark's entries are its own (its query and version are in the key).
    (duck_dir,) = duck_cache.iterdir()
    assert set(_entries(duck_dir).values()).isdisjoint(kept.values())

    def refuse(self: SparkBackend, sql: str, path: Path) -> None:
        raise AssertionError(f"validated again: {path.name}")

    monkeypatch.setattr(SparkBackend, "write_parquet", refuse)
    again = read_valid(Lake(root, TODAY), "transactions", backend="spark")
    assert again.equals(want)
    assert _entries(lake_dir) == kept
