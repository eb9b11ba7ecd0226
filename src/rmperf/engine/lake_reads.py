"""The application's reads of the lake: one customer's rows for the customer 360, and the
per-customer facts the app stores beside a segmentation run. Column types come from the
lake contract (`contract.py`); nothing here restates them.

Fact tables stay in the lake (DESIGN.md); a page never scans the lake. The 360 has two
ways in:

1. The customer index (preferred): a DuckDB database file derived from the registered
   files, one table per fact table with only the columns the page shows, typed, sorted
   by its key and indexed on it (ART). It is named after the tables' digests, so an
   unchanged lake reuses it and a re-import of changed files gets a new one; it is built
   by the batch (`customer_index_build`, after each segmentation run), never during a
   page request. A lookup reads a few blocks (bench/customer360.md: the generated lakes'
   Parquet files hold ~1M rows per row group, and a `WHERE customer_id = ?` over them
   still decodes whole row groups: 40–70 ms per table).
2. Without it (not built yet), the files themselves, with `WHERE customer_id = ?` so
   Parquet row groups whose statistics exclude the customer are skipped, and only the
   needed columns are read.

One DuckDB connection per thread and bank time zone, kept for the process's life, serves
every lookup; the index is attached to it read-only (many processes may read it at once).
Values are cast as the contract types them; a row whose key fields do not parse is left
out (the importer rejected it). Timestamps without an offset are bank time.
"""

# ruff: noqa: S608 - SQL over generated file lists and contract column names; values are bound

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from rmperf.engine import contract
from rmperf.engine.backends import attach_lake, open_backend
from rmperf.engine.lake import Lake
from rmperf.engine.validity import DUCKDB

logger = logging.getLogger(__name__)
_local = threading.local()
_build_lock = threading.Lock()


@dataclass(frozen=True)
class TableSpec:
    """What the 360 reads of one fact table: its columns, the lookup key, the order."""

    table: str
    columns: tuple[str, ...]
    key: str = "customer_id"
    order: str = ""

    @property
    def typed(self) -> dict[str, str]:
        """Each column's DuckDB type, as the lake contract defines it."""
        spec = contract.table(self.table)
        return {c: contract.DUCKDB_TYPES[spec.column(c).type] for c in self.columns}


#: The fact tables the 360 shows, and the columns it reads of each.
CUSTOMER_TABLES: dict[str, TableSpec] = {
    s.table: s
    for s in (
        TableSpec("transactions", ("customer_id", "txn_id", "ts", "amount", "direction",
                                   "channel", "product_id"), order="ts"),
        TableSpec("balances", ("customer_id", "month", "category", "avg_daily_balance"),
                  order="month"),
        TableSpec("holdings", ("customer_id", "product_id", "amount", "start_date",
                               "maturity_date", "staff_id")),
        TableSpec("loans", ("loan_id", "customer_id", "product_id", "staff_id", "amount",
                            "disbursed_on", "maturity_date")),
        TableSpec("loan_status", ("loan_id", "month", "balance", "overdue_days", "grade"),
                  key="loan_id", order="month"),
        TableSpec("interactions", ("customer_id", "staff_id", "ts", "channel", "outcome"),
                  order="ts"),
        TableSpec("referrals", ("referral_id", "from_staff_id", "to_staff_id", "customer_id",
                                "need", "created_at", "status", "responded_at",
                                "converted_at"), order="created_at"),
    )
}  # fmt: skip


def _zone(time_zone: str) -> str:
    ZoneInfo(time_zone)  # an unknown zone fails here, before it reaches SQL
    return time_zone


def _new_connection(
    time_zone: str, path: str = ":memory:", *, threads: int = 1
) -> duckdb.DuckDBPyConnection:
    # One thread per page query: point lookups gain nothing from a parallel plan.
    con = duckdb.connect(path, config={"threads": threads})
    con.execute("SET parquet_metadata_cache = true")
    # Casting text without an offset to TIMESTAMPTZ reads it as bank time.
    con.execute(f"SET TimeZone = {DUCKDB.lit(_zone(time_zone))}")
    return con


def _connection(time_zone: str) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    """This thread's connection for `time_zone` (created once; kept for the process's
    life) and the customer indexes attached to it (path → schema)."""
    cons: dict[str, tuple[duckdb.DuckDBPyConnection, dict[str, str]]] | None = getattr(
        _local, "cons", None
    )
    if cons is None:
        cons = _local.cons = {}
    if time_zone not in cons:
        cons[time_zone] = (_new_connection(time_zone), {})
    return cons[time_zone]


def _file_source(files: tuple[str, ...], spec: TableSpec) -> str:
    """A typed `SELECT` of a table's files."""
    paths = "[" + ", ".join(DUCKDB.lit(f) for f in files) + "]"
    typed = spec.typed
    if files[0].endswith(".parquet"):
        reader = f"read_parquet({paths}, union_by_name = true)"
        # Text columns bare, so the key filter reaches the Parquet reader.
        cols = ", ".join(
            f'"{c}"' if t == "VARCHAR" else f'TRY_CAST("{c}" AS {t}) AS "{c}"'
            for c, t in typed.items()
        )
    else:
        reader = (
            f"read_csv({paths}, header = true, auto_detect = true, all_varchar = true, "
            f"delim = ',', quote = '\"', escape = '\"')"
        )
        cols = ", ".join(
            f'NULLIF(TRIM("{c}"), \'\') AS "{c}"'
            if t == "VARCHAR"
            else f'TRY_CAST(NULLIF(TRIM("{c}"), \'\') AS {t}) AS "{c}"'
            for c, t in typed.items()
        )
    return f"(SELECT {cols} FROM {reader})"


@dataclass(frozen=True)
class CustomerLake:
    """The 360's view of a lake: each fact table's files and digests, the directory of
    customer indexes, and the bank's time zone."""

    path: Path
    index_dir: Path
    time_zone: str
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def index_key(self) -> str | None:
        """The customer index's name: a digest over the 360's tables' digests."""
        if not all(t in self.digests for t in CUSTOMER_TABLES if t in self.files):
            return None
        h = hashlib.sha256()
        for table in sorted(CUSTOMER_TABLES):
            h.update(f"{table}={self.digests.get(table, '-')};".encode())
        return h.hexdigest()[:20]

    @property
    def index_path(self) -> Path | None:
        key = self.index_key
        return None if key is None else self.index_dir / f"customers-{key}.duckdb"

    def _schema(self) -> str | None:
        """The attached customer index's schema on this thread's connection, or None."""
        path = self.index_path
        if path is None or not path.exists():
            return None
        con, attached = _connection(self.time_zone)
        name = f"c360_{self.index_key}"
        if str(path) not in attached:
            con.execute(f"ATTACH {DUCKDB.lit(str(path))} AS {name} (READ_ONLY)")
            attached[str(path)] = name
        return name

    def source(self, table: str) -> str | None:
        """What to select `table`'s rows from: the index's table, else the files."""
        if table not in self.files:
            return None
        schema = self._schema()
        if schema is not None:
            return f"{schema}.{table}"
        return _file_source(self.files[table], CUSTOMER_TABLES[table])

    def rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """A query's rows on this thread's connection, as dicts (fresh dicts each call:
        the caller may add keys). Kept per process when the lake has digests (below)."""
        # The values are written into the SQL as quoted literals, not bound: DuckDB prunes
        # the index's row groups by a literal customer id but scans them all for a bound
        # parameter (2.4 ms against 16 ms a query on the medium bank's transactions).
        statement = _with_literals(sql, params)
        digest = self.index_key
        if digest is None:
            return self._read(statement)
        key = (digest, self.time_zone, statement)
        kept = _ROWS_KEPT.get(key)
        if kept is None:
            kept = tuple(self._read(statement))
            _ROWS_KEPT.put(key, kept)
        return [dict(r) for r in kept]

    def _read(self, statement: str) -> list[dict[str, Any]]:
        # The connection is this thread's own, so no cursor is needed (a cursor is a new
        # connection: a few milliseconds a query).
        table: pa.Table = _connection(self.time_zone)[0].sql(statement).to_arrow_table()
        rows: list[dict[str, Any]] = table.to_pylist()
        return rows


class _RowsKept:
    """The rows of the latest customer reads, per process, least recently used dropped.

    A read is a function of the lake's files, named by their digests (`index_key`, the
    same name as the customer index: files changed by a re-import get new digests, so a
    new key, and the old entries are never asked for again), the bank's time zone (it
    types the timestamps) and the statement with its literal values. Nothing else goes
    in, so a kept answer is the answer; no write has to clear it. The caller checks
    access before it reads (the 360's view), as it does for an uncached read. The values
    are immutable (text, Decimal, dates), the row dicts are copied out."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._rows: OrderedDict[tuple[str, str, str], tuple[dict[str, Any], ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[dict[str, Any], ...] | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: tuple[str, str, str], rows: tuple[dict[str, Any], ...]) -> None:
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self.entries:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


#: Seven reads per customer 360 (loans twice): ~290 customers' pages; a read is a few
#: to a few hundred rows of a few columns (bench/load.md: tens of MB at most per process).
ROWS_KEPT_ENTRIES = 2048
_ROWS_KEPT = _RowsKept(ROWS_KEPT_ENTRIES)


def _with_literals(sql: str, params: list[Any]) -> str:
    """`sql` with each `?` replaced by its parameter as a SQL literal: strings quoted (a
    quote doubled), integers as digits, lists of strings as a list literal; anything else
    is refused. The statements of this module hold no `?` but their placeholders."""
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} parameters")
    out = [parts[0]]
    for value, rest in zip(params, parts[1:], strict=True):
        out.append(_literal(value))
        out.append(rest)
    return "".join(out)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return DUCKDB.lit(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(DUCKDB.lit(v) for v in value) + "]"
    raise TypeError(f"a customer read takes text, integers or lists of text, not {value!r}")


def customer_index_build(lake: CustomerLake, *, force: bool = False) -> Path | None:
    """Build the customer index of `lake` unless it exists (batch work: a few seconds on
    the small bank). Written to a temporary file and renamed, so readers never see half
    of one; returns its path (None when the lake has no digests to name it by)."""
    path = lake.index_path
    if path is None:
        return None
    with _build_lock:
        if path.exists() and not force:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        began = time.perf_counter()
        con = _new_connection(lake.time_zone, str(tmp), threads=os.cpu_count() or 1)
        try:
            for table, spec in CUSTOMER_TABLES.items():
                files = lake.files.get(table)
                cols = ", ".join(f'"{c}" {t}' for c, t in spec.typed.items())
                if not files:
                    con.execute(f"CREATE TABLE {table} ({cols})")
                else:
                    order = ", ".join(c for c in (spec.key, spec.order) if c)
                    con.execute(
                        f"CREATE TABLE {table} AS SELECT * FROM {_file_source(files, spec)} "
                        f'WHERE "{spec.key}" IS NOT NULL ORDER BY {order}'
                    )
                con.execute(f'CREATE INDEX {table}_key ON {table} ("{spec.key}")')
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
        logger.info("built the customer index %s in %.1f s", path, time.perf_counter() - began)
    return path


@dataclass(frozen=True)
class MonthBalance:
    month: str
    category: str
    avg_daily_balance: Decimal


def customer_balances(lake: CustomerLake, customer_id: str) -> list[MonthBalance]:
    """Average daily balance per month and category (the AUM trend), oldest first."""
    src = lake.source("balances")
    if src is None:
        return []
    rows = lake.rows(
        f"SELECT month, category, SUM(avg_daily_balance) AS avg FROM {src} "
        "WHERE customer_id = ? AND avg_daily_balance IS NOT NULL AND month IS NOT NULL "
        "GROUP BY month, category ORDER BY month, category",
        [customer_id],
    )
    return [MonthBalance(r["month"], r["category"], r["avg"]) for r in rows]


def customer_transactions(
    lake: CustomerLake, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The customer's latest transactions, newest first."""
    src = lake.source("transactions")
    if src is None:
        return []
    return lake.rows(
        f"SELECT txn_id, ts, amount, direction, channel, product_id FROM {src} "
        "WHERE customer_id = ? AND ts IS NOT NULL AND amount > 0 "
        "ORDER BY ts DESC, txn_id DESC LIMIT ?",
        [customer_id, limit],
    )


def customer_holdings(lake: CustomerLake, customer_id: str) -> list[dict[str, Any]]:
    """Products held, soonest maturity first (open-ended last)."""
    src = lake.source("holdings")
    if src is None:
        return []
    return lake.rows(
        f"SELECT product_id, amount, start_date, maturity_date, staff_id FROM {src} "
        "WHERE customer_id = ? AND product_id IS NOT NULL "
        "ORDER BY maturity_date NULLS LAST, start_date, product_id",
        [customer_id],
    )


def customer_loans(lake: CustomerLake, customer_id: str) -> list[dict[str, Any]]:
    """Loans with their latest monthly status (balance, overdue days, grade)."""
    loans = lake.source("loans")
    if loans is None:
        return []
    rows = lake.rows(
        f"SELECT loan_id, product_id, staff_id, amount, disbursed_on, maturity_date FROM {loans} "
        "WHERE customer_id = ? AND loan_id IS NOT NULL ORDER BY disbursed_on DESC, loan_id",
        [customer_id],
    )
    status = lake.source("loan_status")
    latest: dict[str, dict[str, Any]] = {}
    if rows and status is not None:
        ids = [r["loan_id"] for r in rows]
        for s in lake.rows(
            f"SELECT loan_id, month, balance, overdue_days, grade FROM {status} "
            "WHERE loan_id IN (SELECT UNNEST(?::VARCHAR[])) AND month IS NOT NULL "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY loan_id ORDER BY month DESC) = 1",
            [ids],
        ):
            latest[s["loan_id"]] = s
    for r in rows:
        s = latest.get(r["loan_id"], {})
        r.update(
            status_month=s.get("month"),
            balance=s.get("balance"),
            overdue_days=s.get("overdue_days"),
            grade=s.get("grade"),
        )
    return rows


def customer_interactions(
    lake: CustomerLake, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest contacts with the customer, newest first."""
    src = lake.source("interactions")
    if src is None:
        return []
    return lake.rows(
        f"SELECT staff_id, ts, channel, outcome FROM {src} "
        "WHERE customer_id = ? AND ts IS NOT NULL ORDER BY ts DESC LIMIT ?",
        [customer_id, limit],
    )


def customer_referrals(
    lake: CustomerLake, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """Referrals about the customer, newest first."""
    src = lake.source("referrals")
    if src is None:
        return []
    return lake.rows(
        f"SELECT referral_id, from_staff_id, to_staff_id, need, created_at, status, "
        f"responded_at, converted_at FROM {src} "
        "WHERE customer_id = ? AND created_at IS NOT NULL ORDER BY created_at DESC LIMIT ?",
        [customer_id, limit],
    )


def _day_end(day: dt.date, time_zone: str) -> dt.datetime:
    """The first instant after `day` in bank time."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(time_zone))


def last_contacts(lake: Lake, *, as_of: dt.date) -> dict[str, dt.date]:
    """Each customer's latest valid interaction on or before `as_of`, as a business date
    in the lake's time zone (customers never contacted are absent)."""
    if not lake.files("interactions").readable:
        return {}
    engine = open_backend("duckdb")
    try:
        attach_lake(engine, lake, ["interactions"])
        bound = _day_end(as_of, lake.time_zone).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        table = engine.to_arrow(
            "SELECT customer_id, MAX(ts) AS last_ts FROM rm_valid_interactions "
            f"WHERE ts < CAST('{bound}+00' AS TIMESTAMPTZ) GROUP BY customer_id"
        )
    finally:
        engine.close()
    zone = ZoneInfo(lake.time_zone)
    return {
        cid: ts.astimezone(zone).date()
        for cid, ts in zip(
            table.column("customer_id").to_pylist(),
            table.column("last_ts").to_pylist(),
            strict=True,
        )
        if ts is not None
    }


def lake_end_date(lake: Lake) -> dt.date | None:
    """The business date of the lake's last valid transaction (None: no transactions)."""
    if not lake.files("transactions").readable:
        return None
    engine = open_backend("duckdb")
    try:
        attach_lake(engine, lake, ["transactions"])
        table = engine.to_arrow("SELECT MAX(ts) AS last_ts FROM rm_valid_transactions")
    finally:
        engine.close()
    last = table.column("last_ts")[0].as_py()
    return None if last is None else last.astimezone(ZoneInfo(lake.time_zone)).date()
