"""The lake gate counts a table read from a fresh `rejected` cache entry without a scan
(Parquet footers and the entry's rows): the same counts as DuckDB's recount."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from rmperf.engine import acceptance
from rmperf.engine.acceptance import TableCount, lake_counts
from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.lake import Lake
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 10, 1)
TABLES = ["transactions", "balances"]


def parquet_lake(path: Path, *, customers: int = 10, bad: int = 2) -> Path:
    """`customers` customers with a transaction each, the first `bad` of a kind the
    contract does not know (rejected, with their assignment and transaction); every
    table in Parquet, its columns as text."""
    b = LakeBuilder()
    for i in range(customers):
        cid = f"C{i:03d}"
        b.customer(cid, kind="vip" if i < bad else "retail")
        b.txn(cid, "2026-09-01T10:00:00+08:00", "100.00")
        b.balance(cid, "2026-09", "deposit", "10.00")
    csv_dir = b.write(path.parent / f"{path.name}-csv")
    path.mkdir()
    for f in sorted(csv_dir.glob("*.csv")):
        header = f.read_text(encoding="utf-8").splitlines()[0].split(",")
        text = pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        )
        pq.write_table(pa_csv.read_csv(f, convert_options=text), path / f"{f.stem}.parquet")
    return path


def counts(lake_dir: Path, *, compute: bool = True) -> dict[str, TableCount]:
    """What the gate reports after a computation attached TABLES (or without one)."""
    lake = Lake(lake_dir, today=TODAY)
    if compute:
        db = DuckDBBackend()
        try:
            attach_lake(db, lake, TABLES)
        finally:
            db.close()
    return lake_counts(lake, TABLES)


def test_counts_from_the_cache_equal_duckdbs_recount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RMPERF_VALID_CACHE", str(tmp_path / "cache"))
    lake_dir = parquet_lake(tmp_path / "lake")
    used: list[str] = []
    cached_count = acceptance._cached_count

    def spy(lake: Lake, name: str) -> TableCount | None:
        found = cached_count(lake, name)
        if found is not None:
            used.append(name)
        return found

    monkeypatch.setattr(acceptance, "_cached_count", spy)
    fast = counts(lake_dir)
    assert set(used) == set(fast)  # no table recounted on DuckDB
    assert fast["customers"] == TableCount("customers", 10, 2)
    assert fast["transactions"] == TableCount("transactions", 10, 2)
    # Without a computation first, every table is counted on DuckDB: the same counts.
    used.clear()
    assert counts(lake_dir, compute=False) == fast
    assert used == []


def test_a_file_changed_after_the_computation_is_recounted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RMPERF_VALID_CACHE", str(tmp_path / "cache"))
    lake_dir = parquet_lake(tmp_path / "lake")
    lake = Lake(lake_dir, today=TODAY)
    db = DuckDBBackend()
    try:
        attach_lake(db, lake, TABLES)
    finally:
        db.close()
    # A rewrite of the customers file (its ctime changes): customers and the tables that
    # reference it no longer match the entries the computation read.
    path = lake_dir / "customers.parquet"
    rows = pq.read_table(path)
    os.unlink(path)
    pq.write_table(rows.slice(1), path)
    assert acceptance._cached_count(lake, "customers") is None
    assert acceptance._cached_count(lake, "transactions") is None
    assert acceptance._cached_count(lake, "products") is not None
    got = lake_counts(lake, TABLES)
    assert got["customers"] == TableCount("customers", 9, 1)
