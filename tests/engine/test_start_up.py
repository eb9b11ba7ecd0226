"""What an engine command costs before it reads the lake: compiled SQL kept between runs
(rmperf.engine.sql_cache), and nothing imported that the command does not use (Ibis on a
warm run, pandas and Django never), checked in a fresh interpreter."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmperf.engine.arrow_rows import table_from_columns, table_from_rows
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import load_segmentation_policy
from rmperf.engine.sql_cache import SqlCache, entry_key
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)

# Runs `rmperf ARGS…` in-process in a fresh interpreter and prints which heavy modules
# were imported.
PROBE = """
import json, sys
from rmperf.cli import main
status = main(sys.argv[1:])
heavy = ("ibis", "pandas", "django", "sqlglot")
arrow = ("pyarrow.compute", "pyarrow.csv")  # only a CSV result needs them
print(json.dumps({
    "status": status,
    "loaded": sorted(m for m in heavy if m in sys.modules),
    "arrow": sorted(m for m in arrow if m in sys.modules),
}))
"""


def small_lake(path: Path) -> Path:
    b = LakeBuilder()
    b.customer("C1")
    b.txn("C1", "2026-09-20T10:00:00+08:00")
    b.balance("C1", "2026-09", "deposit", "1234.56")
    b.customer("C2", opened_on="2026-01-05")
    return b.write(path)


def run_cli(*args: str, cache: Path) -> dict[str, object]:
    env = {**os.environ, "RMPERF_VALID_CACHE": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_warm_segment_imports_no_ibis_pandas_or_django(tmp_path: Path) -> None:
    lake = small_lake(tmp_path / "lake")
    args = ["segment", "--lake", str(lake), "--as-of", D.isoformat()]
    args += ["--today", TODAY.isoformat()]
    cache = tmp_path / "cache"
    first = run_cli(*args, "--out", str(tmp_path / "a.parquet"), cache=cache)
    second = run_cli(*args, "--out", str(tmp_path / "b.parquet"), cache=cache)
    assert first["status"] == second["status"] == 0
    # The first run compiles (Ibis, sqlglot); the second runs the kept SQL.
    assert first["loaded"] == ["ibis", "sqlglot"]
    assert second["loaded"] == []
    assert second["arrow"] == []  # a Parquet result needs neither
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert len(list(cache.glob("*/sql/segment-*.sql"))) == 1


def test_score_imports_neither_pandas_nor_django(tmp_path: Path) -> None:
    lake = small_lake(tmp_path / "lake")
    got = run_cli(
        "score", "--lake", str(lake), "--period", "2026Q3", "--today", TODAY.isoformat(),
        "--out", str(tmp_path / "t.parquet"), "--lines", str(tmp_path / "l.csv"),
        cache=tmp_path / "cache",
    )  # fmt: skip
    assert got["status"] == 0
    assert "pandas" not in got["loaded"]  # type: ignore[operator]
    assert "django" not in got["loaded"]  # type: ignore[operator]
    assert pq.read_table(tmp_path / "t.parquet").num_rows > 0


def test_the_sql_key_changes_with_every_input() -> None:
    base = {"backend": "duckdb", "as_of": "2026-09-30", "policy": {"a": 1}}
    keys = {
        entry_key("segment", base),
        entry_key("segment-rfm", base),
        entry_key("segment", {**base, "as_of": "2026-10-01"}),
        entry_key("segment", {**base, "backend": "spark"}),
        entry_key("segment", {**base, "policy": {"a": 2}}),
        entry_key("segment", {**base, "spreads": {"retail": 1}}),
    }
    assert len(keys) == 6
    assert entry_key("segment", dict(reversed(base.items()))) == entry_key("segment", base)


def test_a_kept_sql_is_used_and_a_changed_policy_compiles_again(tmp_path: Path) -> None:
    lake = Lake(small_lake(tmp_path / "lake"), today=TODAY)
    policy = load_segmentation_policy().policy
    os.environ["RMPERF_VALID_CACHE"] = str(tmp_path / "cache")
    try:
        first = segment(lake, as_of=D, policy=policy)
        (entry,) = tmp_path.glob("cache/*/sql/segment-*.sql")
        # A kept entry is run as it is: a marker in it shows it was read, not compiled.
        entry.write_text(entry.read_text() + "\n-- kept\n")
        assert segment(lake, as_of=D, policy=policy).equals(first)
        assert entry.read_text().endswith("-- kept\n")
        changed = policy.model_copy(update={"frequency_window_days": 30})
        segment(lake, as_of=D, policy=changed)
        assert len(list(tmp_path.glob("cache/*/sql/segment-*.sql"))) == 2
    finally:
        del os.environ["RMPERF_VALID_CACHE"]


def test_no_cache_directory_means_compiling_every_time(tmp_path: Path) -> None:
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        return "SELECT 1"

    off = SqlCache(None)
    assert off.sql("x", {}, build) == off.sql("x", {}, build) == "SELECT 1"
    assert len(calls) == 2
    on = SqlCache(tmp_path / "sql")
    assert on.sql("x", {}, build) == on.sql("x", {}, build) == "SELECT 1"
    assert len(calls) == 3


SCHEMA = pa.schema(
    [
        pa.field("s", pa.string(), nullable=False),
        pa.field("v", pa.decimal128(24, 6)),
        pa.field("m", pa.decimal128(18, 2)),
        pa.field("n", pa.int32()),
        pa.field("b", pa.bool_()),
        pa.field("day", pa.date32()),
    ]
)


def test_arrow_tables_from_python_equal_pyarrows() -> None:
    cols = {
        "s": ["a", "b", "c"],
        "v": [Decimal("123456789012345678.123456"), None, Decimal("-0.000001")],
        "m": [None, Decimal("99999999999999.99"), Decimal("5")],
        "n": [1, None, -3],
        "b": [True, None, False],
        "day": [dt.date(2026, 1, 2), None, dt.date(1999, 12, 31)],
    }
    assert table_from_columns(cols, SCHEMA).equals(pa.table(cols, schema=SCHEMA))
    rows = [dict(zip(cols, r, strict=True)) for r in zip(*cols.values(), strict=True)]
    assert table_from_rows(rows, SCHEMA).equals(pa.Table.from_pylist(rows, schema=SCHEMA))
    empty = {k: [] for k in cols}
    assert table_from_columns(empty, SCHEMA).equals(pa.table(empty, schema=SCHEMA))


def test_arrow_tables_refuse_what_pyarrow_refuses() -> None:
    cols: dict[str, list[object]] = {
        "s": ["a"], "v": [Decimal("1.0000001")], "m": [None], "n": [1], "b": [None], "day": [None]
    }  # fmt: skip
    with pytest.raises(ValueError, match="6 decimal places"):
        table_from_columns(cols, SCHEMA)
    with pytest.raises(ValueError, match="different lengths"):
        table_from_columns({**cols, "v": [None], "n": [1, 2]}, SCHEMA)
