"""DuckDB's memory cap (RMPERF_DUCKDB_MEMORY_LIMIT) and where a capped query spills."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import MEMORY_LIMIT_ENV, DuckDBBackend
from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import CACHE_ENV
from tests.engine.lakes import TODAY, write_lake


def setting(backend: DuckDBBackend, name: str) -> str:
    value: str = backend.con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]
    return value


def test_each_connection_is_capped_at_one_gib_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    db = DuckDBBackend()
    try:
        assert setting(db, "memory_limit") == "1.0 GiB"
    finally:
        db.close()


def test_the_cap_is_a_setting_and_none_keeps_duckdbs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    db = DuckDBBackend()
    assert setting(db, "memory_limit") == "286.1 MiB"  # DuckDB shows 300 * 10^6 bytes in MiB
    db.close()
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "none")
    db = DuckDBBackend()
    assert setting(db, "memory_limit") not in ("1.0 GiB", "286.1 MiB")
    db.close()


def test_a_query_over_the_cap_spills_in_the_cache_and_gives_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "40MB")
    db = DuckDBBackend()
    attach_lake(db, Lake(write_lake(tmp_path / "lake"), TODAY), ["customers"])
    spill = Path(setting(db, "temp_directory"))
    assert spill.parent.parent == cache and spill.name.startswith("_spill-")
    # 3M groups of 8-byte keys and counts: far over 40 MB in a hash table.
    sql = (
        "SELECT count(*) AS n, sum(c) AS rows_, sum(k) AS keys FROM "
        "(SELECT i % 3000000 AS k, count(*) AS c FROM range(6000000) t(i) GROUP BY k)"
    )
    got = db.to_arrow(sql).to_pylist()
    assert spill.is_dir()  # it did not fit
    db.close()
    assert not spill.exists()  # DuckDB removes its folder on close
    assert got == [{"n": 3_000_000, "rows_": 6_000_000, "keys": 2_999_999 * 3_000_000 // 2}]
