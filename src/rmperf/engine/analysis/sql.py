"""Small helpers the analysis queries share: literals and business-day bounds in DuckDB SQL.

The analysis measures are plain DuckDB SQL over the lake's valid views (STYLE principle 4):
they are not written in Ibis, so they run on the embedded DuckDB backend only
(docs/analysis.md says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from rmperf.engine.backends import attach_lake, open_backend
from rmperf.engine.lake import Lake
from rmperf.engine.validity import DUCKDB

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rmperf.engine.backends.duckdb_backend import DuckDBBackend


def lit(value: str) -> str:
    return DUCKDB.lit(value)


def lit_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def date_lit(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def day_start(day: dt.date, time_zone: str) -> str:
    """The instant `day` begins in `time_zone`, as a TIMESTAMPTZ literal in UTC."""
    start = dt.datetime.combine(day, dt.time(), ZoneInfo(time_zone)).astimezone(dt.UTC)
    return f"TIMESTAMPTZ '{start.isoformat()}'"


def on_days(column: str, first: dt.date, last: dt.date, time_zone: str) -> str:
    """`column` (an instant) falls on a business date in first … last, compared as instants
    so that no row's date has to be computed."""
    end = day_start(last + dt.timedelta(days=1), time_zone)
    return f"({column} >= {day_start(first, time_zone)} AND {column} < {end})"


def business_date(column: str, time_zone: str) -> str:
    """The calendar date of the instant `column` in the bank's time zone."""
    return f"CAST(timezone({lit(time_zone)}, {column}) AS DATE)"


def month_after(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return f"{year:04d}-{mon:02d}"


@contextmanager
def lake_session(lake: Lake, tables: Iterable[str]) -> Iterator[DuckDBBackend]:
    """A DuckDB connection with the valid views of `tables` attached; closed afterwards."""
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend

    engine = open_backend("duckdb")
    if not isinstance(engine, DuckDBBackend):  # pragma: no cover - open_backend's contract
        raise TypeError("the analysis queries need the DuckDB backend")
    try:
        attach_lake(engine, lake, sorted(set(tables)))
        yield engine
    finally:
        engine.close()


def view_columns(engine: DuckDBBackend, view: str) -> set[str]:
    """The column names of a view."""
    rows = engine.con.execute(f"DESCRIBE {view}").fetchall()
    return {str(r[0]) for r in rows}


def rows(engine: DuckDBBackend, sql: str) -> list[dict[str, Any]]:
    """A query's rows as dictionaries (decimals as Decimal, dates as date)."""
    table: pa.Table = engine.to_arrow(sql)
    out: list[dict[str, Any]] = table.to_pylist()
    return out
