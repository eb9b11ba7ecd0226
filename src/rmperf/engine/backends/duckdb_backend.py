"""DuckDB in-process: the default backend (one connection per command, no state kept).

Memory: DuckDB would otherwise let one query take up to 80 % of the machine's RAM, on a
machine other processes share, with the large bank's 216M transactions to check. Each
connection is capped at RMPERF_DUCKDB_MEMORY_LIMIT (default 1GiB, any DuckDB size such as
`1.5GiB` or `800MB`; `none` keeps DuckDB's default) and spills what does not fit to a
private folder `_spill-<pid>-<random>` inside the valid-row cache directory when the
command has one (rmperf.engine.valid_cache), else inside the system temporary directory.
DuckDB removes the folder when the connection closes. Results do not depend on the cap.
"""

# ruff: noqa: S608 - SQL over generated names; identifiers and literals are quoted

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from rmperf.engine.lake import TableFiles
from rmperf.engine.validity import DUCKDB, DuckDBDialect, raw_view_name


def _path_list(files: TableFiles) -> str:
    return "[" + ", ".join(DUCKDB.lit(str(f)) for f in files.files) + "]"


def source_sql(files: TableFiles) -> str:
    """How a table's files are read as they are (the raw view's source)."""
    if files.format == "parquet":
        return f"read_parquet({_path_list(files)}, union_by_name = true)"
    # Every column as text, so nothing is coerced before validation sees it.
    cols = ", ".join(f"{DUCKDB.lit(c)}: 'VARCHAR'" for c in files.columns().names)
    return (
        f"read_csv({_path_list(files)}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', columns = {{{cols}}}, "
        f"null_padding = false, strict_mode = true)"
    )


MEMORY_LIMIT_ENV = "RMPERF_DUCKDB_MEMORY_LIMIT"
#: Peak RSS of a command is this plus Python, pyarrow and the Arrow results (the large
#: bank's commands stay under 2 GiB with it: bench/large.md).
DEFAULT_MEMORY_LIMIT = "1GiB"
SPILL_PREFIX = "_spill-"


def memory_limit() -> str | None:
    """The connection's DuckDB memory_limit (None: DuckDB's own default)."""
    value = os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT
    return None if value.lower() in ("none", "off", "default") else value


class DuckDBBackend:
    name: Literal["duckdb"] = "duckdb"
    dialect: DuckDBDialect = DUCKDB
    #: Reading errors of the valid-row cache's writes (backends.CacheWriter).
    read_errors: tuple[type[Exception], ...] = (duckdb.Error,)

    def __init__(self, *, time_zone: str = "UTC") -> None:
        self.con = duckdb.connect()
        limit = memory_limit()
        if limit is not None:
            self.con.execute(f"SET memory_limit = {DUCKDB.lit(limit)}")
        self.spill_in(Path(tempfile.gettempdir()))
        # The generated SQL never depends on the session zone; this only decides the zone
        # that timestamps carry when they leave as Arrow or Python values.
        self.set_time_zone(time_zone)

    def spill_in(self, directory: Path) -> None:
        """Spill to a new private folder inside `directory` (before any query spills)."""
        folder = directory / f"{SPILL_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.con.execute(f"SET temp_directory = {DUCKDB.lit(str(folder))}")

    def set_time_zone(self, time_zone: str) -> None:
        self.con.execute(f"SET TimeZone = {DUCKDB.lit(time_zone)}")

    def register_files(self, files: TableFiles) -> None:
        view = raw_view_name(files.table)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {source_sql(files)}")

    def create_view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        kind = "TABLE" if materialize else "VIEW"
        self.con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write a query's rows to one Parquet file (row order is not kept)."""
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.execute(f"COPY ({sql}) TO {DUCKDB.lit(str(path))} (FORMAT parquet)")
        finally:
            self.con.execute("RESET preserve_insertion_order")

    # -- the valid-row cache (backends.CacheWriter) ---------------------------------------

    def cache_source(self, files: TableFiles) -> str:
        return source_sql(files)

    def cache_engine_version(self) -> str:
        return str(duckdb.__version__)

    def row_id_source(self, files: TableFiles) -> str:
        """read_parquet gives every row its `file_index` and `file_row_number`."""
        return source_sql(files)

    def parquet_view(self, name: str, path: Path, columns: Sequence[str]) -> None:
        """Name the rows of one Parquet file, with `columns` in that order."""
        cols = ", ".join(DUCKDB.ident(c) for c in columns)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            f"SELECT {cols} FROM read_parquet({DUCKDB.lit(str(path))})"
        )

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def to_arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
