"""The valid-row cache: hits, misses, invalidation and atomic writes (tiny CSV lakes)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rmperf.engine import contract
from rmperf.engine.backends import attach_lake, read_valid
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import CACHE_ENV, STALE_SECONDS, ValidCache
from tests.engine.lakes import BASE, TODAY, row, write_csv, write_lake

#: transactions references customers (→ org_units) and products.
TXN_TABLES = {"customers", "org_units", "products", "transactions"}


@pytest.fixture(autouse=True)
def _default_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)


def txn_ids(root: Path, today: date = TODAY) -> list[str]:
    ids: list[str] = read_valid(Lake(root, today), "transactions").column("txn_id").to_pylist()
    return ids


def entries(directory: Path) -> dict[str, list[Path]]:
    """Cache entries per table (temporary files under the key ".tmp")."""
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()) if directory.exists() else []:
        table = ".tmp" if path.name.startswith(".tmp-") else path.name.rsplit("-", 1)[0]
        found.setdefault(table, []).append(path)
    return found


def write_txns(root: Path, *rows: dict[str, str]) -> None:
    write_csv(root / "transactions.csv", rows, contract.table("transactions").column_names)


def no_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: DuckDBBackend, sql: str, path: Path) -> None:
        raise AssertionError(f"validated again: {path.name}")

    monkeypatch.setattr(DuckDBBackend, "write_parquet", refuse)


def test_first_read_fills_the_cache_and_the_second_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_lake(tmp_path / "lake")
    assert txn_ids(root) == ["X1", "X2"]
    cached = entries(root / "_valid")
    # one entry per table transactions needs, and no temporary file left behind
    assert set(cached) == TXN_TABLES
    assert all(len(paths) == 1 for paths in cached.values())
    assert pq.read_table(cached["transactions"][0]).num_rows == 2

    no_writes(monkeypatch)  # a hit validates nothing
    assert txn_ids(root) == ["X1", "X2"]
    assert entries(root / "_valid") == cached


def test_cached_rows_and_types_equal_the_validated_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_lake(tmp_path / "lake")
    for table in contract.TABLES:
        monkeypatch.setenv(CACHE_ENV, "off")
        direct = read_valid(Lake(root, TODAY), table.name)
        monkeypatch.delenv(CACHE_ENV)
        first = read_valid(Lake(root, TODAY), table.name)  # written to the cache
        again = read_valid(Lake(root, TODAY), table.name)  # read from it
        assert first.equals(direct), table.name
        assert again.equals(direct), table.name
    assert set(entries(root / "_valid")) == {t.name for t in contract.TABLES}


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    root = write_lake(tmp_path / "lake")
    path = root / "transactions.csv"
    assert txn_ids(root) == ["X1", "X2"]
    before = path.stat()
    # Same size, and the modification time set back: the inode's change time still moves.
    write_txns(root, row("transactions", amount="100.0x"), BASE["transactions"][1])
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert txn_ids(root) == ["X2"]  # X1's amount is no money any more
    assert len(entries(root / "_valid")["transactions"]) == 2


def test_a_changed_referenced_table_revalidates_the_facts(tmp_path: Path) -> None:
    root = write_lake(tmp_path / "lake")
    assert txn_ids(root) == ["X1", "X2"]
    # C1 leaves the customers file; transactions.csv is untouched, yet X1 (C1's) must go.
    others = [c for c in BASE["customers"] if c["customer_id"] != "C1"]
    write_csv(root / "customers.csv", others, contract.table("customers").column_names)
    assert txn_ids(root) == ["X2"]


def test_another_validation_day_is_another_entry(tmp_path: Path) -> None:
    root = write_lake(tmp_path / "lake")
    write_txns(
        root,
        *BASE["transactions"],
        row("transactions", txn_id="X3", ts="2026-07-02T10:00:00+08:00"),
    )
    # X3 is dated 2 July: in the future on 30 June, valid from 2 July on.
    assert txn_ids(root, TODAY) == ["X1", "X2"]
    assert txn_ids(root, date(2026, 7, 5)) == ["X1", "X2", "X3"]
    assert txn_ids(root, TODAY) == ["X1", "X2"]


def test_a_failed_write_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_lake(tmp_path / "lake")
    real = DuckDBBackend.write_parquet

    def half_then_fail(self: DuckDBBackend, sql: str, path: Path) -> None:
        if path.name.startswith(".tmp-transactions-"):
            path.write_bytes(b"PAR1 half a file")
            raise RuntimeError("disk full")
        real(self, sql, path)

    monkeypatch.setattr(DuckDBBackend, "write_parquet", half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        txn_ids(root)
    cached = entries(root / "_valid")
    assert "transactions" not in cached
    assert ".tmp" not in cached
    monkeypatch.undo()
    assert txn_ids(root) == ["X1", "X2"]


def test_files_changed_while_validating_are_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_lake(tmp_path / "lake")
    real = DuckDBBackend.write_parquet

    def write_then_change(self: DuckDBBackend, sql: str, path: Path) -> None:
        real(self, sql, path)
        if path.name.startswith(".tmp-transactions-"):
            write_txns(root, *BASE["transactions"], row("transactions", txn_id="X3"))

    monkeypatch.setattr(DuckDBBackend, "write_parquet", write_then_change)
    # The view then reads the files as they are now: X3 included, nothing cached for it.
    assert txn_ids(root) == ["X1", "X2", "X3"]
    cached = entries(root / "_valid")
    assert "transactions" not in cached
    assert ".tmp" not in cached


def test_concurrent_cold_runs_agree(tmp_path: Path) -> None:
    root = write_lake(tmp_path / "lake")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: txn_ids(root), range(4)))
    assert results == [["X1", "X2"]] * 4
    cached = entries(root / "_valid")
    assert len(cached["transactions"]) == 1
    assert ".tmp" not in cached


def test_publish_never_replaces_an_entry(tmp_path: Path) -> None:
    cache = ValidCache(tmp_path / "cache", tmp_path)
    first, second = cache.new_temp("staff"), cache.new_temp("staff")
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    entry = cache.publish(first, "staff", "k" * 64)
    inode = entry.stat().st_ino
    assert cache.publish(second, "staff", "k" * 64) == entry
    assert entry.read_bytes() == b"first"
    assert entry.stat().st_ino == inode  # a reader of the first file keeps reading it
    assert not first.exists()
    assert not second.exists()


def test_unused_entries_are_pruned(tmp_path: Path) -> None:
    cache = ValidCache(tmp_path / "cache", tmp_path)
    cache.directory.mkdir()
    old = cache.directory / "staff-old.parquet"
    recent = cache.directory / "staff-recent.parquet"
    abandoned = cache.directory / ".tmp-staff-1-x.parquet"
    other_table = cache.directory / "customers-old.parquet"
    long_ago = time.time() - STALE_SECONDS - 60
    for path in (old, recent, abandoned, other_table):
        path.write_bytes(b"x")
    for path in (old, abandoned, other_table):
        os.utime(path, (long_ago, long_ago))
    tmp = cache.new_temp("staff")
    tmp.write_bytes(b"new")
    entry = cache.publish(tmp, "staff", "n" * 64)
    # staff: the old entry and the abandoned file go; the recent one may be in use
    assert sorted(p.name for p in cache.directory.iterdir()) == sorted(
        [entry.name, recent.name, other_table.name]
    )


def test_a_crashed_writes_leftovers_go_when_a_write_starts(tmp_path: Path) -> None:
    cache = ValidCache(tmp_path / "cache", tmp_path)
    cache.directory.mkdir()
    long_ago = time.time() - STALE_SECONDS - 60
    # What a killed Spark write leaves: its folder of part files beside the temporary name.
    spark_left = cache.directory / ".tmp-loans-41-a.parquet.spark"
    (spark_left / "_temporary" / "0").mkdir(parents=True)
    (spark_left / "_temporary" / "0" / "part-0.parquet").write_bytes(b"x")
    # A killed DuckDB write: its temporary file.
    duck_left = cache.directory / ".tmp-staff-42-b.parquet"
    duck_left.write_bytes(b"x")
    # A Spark write in progress (its part file changed just now) and a recent file.
    running = cache.directory / ".tmp-loans-43-c.parquet.spark"
    (running / "_temporary").mkdir(parents=True)
    (running / "_temporary" / "part-0.parquet").write_bytes(b"x")
    recent = cache.directory / ".tmp-staff-44-d.parquet"
    recent.write_bytes(b"x")
    entry = cache.directory / "loans-old.parquet"  # entries are prune's business
    entry.write_bytes(b"x")
    for path in (
        spark_left,
        spark_left / "_temporary",
        spark_left / "_temporary" / "0",
        spark_left / "_temporary" / "0" / "part-0.parquet",
        duck_left,
        running,
        running / "_temporary",
        entry,
    ):
        os.utime(path, (long_ago, long_ago))
    tmp = cache.new_temp("customers")  # any table's write sweeps
    assert not tmp.exists()
    assert sorted(p.name for p in cache.directory.iterdir()) == sorted(
        [running.name, recent.name, entry.name]
    )


def test_spark_leftovers_of_a_killed_run_go_on_the_next_cold_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)  # the cache in the lake's _valid/
    root = write_lake(tmp_path / "lake")
    cache_dir = root / "_valid"
    cache_dir.mkdir()
    left = cache_dir / ".tmp-transactions-9-x.parquet.spark"
    (left / "_temporary").mkdir(parents=True)
    (left / "_temporary" / "part-0.parquet").write_bytes(b"x")
    long_ago = time.time() - STALE_SECONDS - 60
    for path in (left / "_temporary" / "part-0.parquet", left / "_temporary", left):
        os.utime(path, (long_ago, long_ago))
    read_valid(Lake(root, TODAY), "transactions")
    assert not left.exists()
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".tmp-")]


def test_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_lake(tmp_path / "lake")
    monkeypatch.setenv(CACHE_ENV, "off")
    assert txn_ids(root) == ["X1", "X2"]
    assert not (root / "_valid").exists()


def test_cache_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_lake(tmp_path / "lake")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert txn_ids(root) == ["X1", "X2"]
    assert not (root / "_valid").exists()
    (lake_dir,) = (tmp_path / "cache").iterdir()
    assert lake_dir.name.startswith("lake-")
    assert set(entries(lake_dir)) == TXN_TABLES


def test_unwritable_cache_location_computes_in_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_lake(tmp_path / "lake")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert txn_ids(root) == ["X1", "X2"]


def test_an_unknown_backend_is_not_cached(tmp_path: Path) -> None:
    """Only DuckDB and Spark keep entries (tests/engine/test_spark_cache.py); attach_lake
    on another backend, even one named spark, leaves no _valid/."""

    class Recorder:
        name = "spark"
        dialect = DuckDBBackend.dialect

        def __init__(self) -> None:
            self.views: list[str] = []

        def register_files(self, files: object) -> None:
            pass

        def create_view(self, name: str, sql: str, *, materialize: bool = False) -> None:
            self.views.append(name)

    root = write_lake(tmp_path / "lake")
    recorder = Recorder()
    attach_lake(recorder, Lake(root, TODAY), ["transactions"])  # type: ignore[arg-type]
    assert sorted(recorder.views) == sorted(f"rm_valid_{t}" for t in TXN_TABLES)
    assert not (root / "_valid").exists()
