"""One customer's rows from the lake's fact tables, for the customer 360 page.

Fact tables stay in the lake (DESIGN.md); the page never scans the lake. Two ways in:

1. The customer index (preferred): a DuckDB database file derived from the registered
   files, one table per fact table with only the columns the page shows, typed, sorted
   by customer and indexed on it (ART). It is named after the registered tables'
   digests, so an unchanged lake reuses it and a re-import of changed files gets a new
   one; it is built by the batch (`customer_index_build`, called after each segmentation
   run), never during a page request. A lookup reads a few blocks (bench/customer360.md:
   the generated lakes' Parquet files hold ~1M rows per row group, and a `WHERE
   customer_id = ?` over them still decodes whole row groups: 40–70 ms per table).
2. Without it (not built yet, or a lake set by RMPERF_LAKE_DIR without an import), the
   registered files themselves, with `WHERE customer_id = ?` so Parquet row groups whose
   statistics exclude the customer are skipped, and only the needed columns are read.

One DuckDB connection per thread, kept for the process's life, serves every page; the
index is attached to it read-only (many processes may read it at once).

Values are cast as the lake contract types them; a row whose key fields do not parse is
left out (the importer rejected it). Timestamps without an offset are bank time.
"""

# ruff: noqa: S608 - SQL over generated file lists and fixed column names; values are bound

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings

from rmperf.lakes.selectors import lake_current, registered_tables

logger = logging.getLogger(__name__)
_local = threading.local()
_build_lock = threading.Lock()

TS = "TIMESTAMPTZ"
MONEY = "DECIMAL(18,2)"


@dataclass(frozen=True)
class TableSpec:
    """What the page reads of one fact table: typed columns, the lookup key, the order."""

    columns: dict[str, str]
    key: str = "customer_id"
    order: str = ""


#: The fact tables the 360 shows, and the columns it reads of each.
TABLES: dict[str, TableSpec] = {
    "transactions": TableSpec(
        {"customer_id": "VARCHAR", "txn_id": "VARCHAR", "ts": TS, "amount": MONEY,
         "direction": "VARCHAR", "channel": "VARCHAR", "product_id": "VARCHAR"},
        order="ts",
    ),
    "balances": TableSpec(
        {"customer_id": "VARCHAR", "month": "VARCHAR", "category": "VARCHAR",
         "avg_daily_balance": MONEY},
        order="month",
    ),
    "holdings": TableSpec(
        {"customer_id": "VARCHAR", "product_id": "VARCHAR", "amount": MONEY,
         "start_date": "DATE", "maturity_date": "DATE", "staff_id": "VARCHAR"},
    ),
    "loans": TableSpec(
        {"loan_id": "VARCHAR", "customer_id": "VARCHAR", "product_id": "VARCHAR",
         "staff_id": "VARCHAR", "amount": MONEY, "disbursed_on": "DATE",
         "maturity_date": "DATE"},
    ),
    "loan_status": TableSpec(
        {"loan_id": "VARCHAR", "month": "VARCHAR", "balance": MONEY,
         "overdue_days": "BIGINT", "grade": "VARCHAR"},
        key="loan_id",
        order="month",
    ),
    "interactions": TableSpec(
        {"customer_id": "VARCHAR", "staff_id": "VARCHAR", "ts": TS, "channel": "VARCHAR",
         "outcome": "VARCHAR"},
        order="ts",
    ),
    "referrals": TableSpec(
        {"referral_id": "VARCHAR", "from_staff_id": "VARCHAR", "to_staff_id": "VARCHAR",
         "customer_id": "VARCHAR", "need": "VARCHAR", "created_at": TS, "status": "VARCHAR",
         "responded_at": TS, "converted_at": TS},
        order="created_at",
    ),
}  # fmt: skip


def _new_connection(path: str = ":memory:", *, threads: int = 1) -> duckdb.DuckDBPyConnection:
    # One thread per page query: point lookups gain nothing from a parallel plan.
    con = duckdb.connect(path, config={"threads": threads})
    con.execute("SET parquet_metadata_cache = true")
    # Casting text without an offset to TIMESTAMPTZ reads it as bank time.
    con.execute(f"SET TimeZone = '{_bank_zone()}'")
    return con


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection (created once; kept for the process's life)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = _new_connection()
        _local.con = con
        _local.attached = {}
    return con


def _bank_zone() -> str:
    zone = str(settings.TIME_ZONE)
    if not all(ch.isalnum() or ch in "/_+-" for ch in zone):
        raise ValueError(f"unexpected time zone {zone!r}")
    return zone


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _file_source(files: tuple[str, ...], spec: TableSpec) -> str:
    """A typed `SELECT` of a table's registered files."""
    paths = "[" + ", ".join(_lit(f) for f in files) + "]"
    if files[0].endswith(".parquet"):
        reader = f"read_parquet({paths}, union_by_name = true)"
        # Text columns bare, so the key filter reaches the Parquet reader.
        cols = ", ".join(
            f'"{c}"' if t == "VARCHAR" else f'TRY_CAST("{c}" AS {t}) AS "{c}"'
            for c, t in spec.columns.items()
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
            for c, t in spec.columns.items()
        )
    return f"(SELECT {cols} FROM {reader})"


def index_dir() -> Path:
    return Path(settings.RMPERF_LAKE_CACHE_DIR)


@dataclass(frozen=True)
class LakeFiles:
    """The registered files of each fact table of the lake in use, and their digests."""

    path: Path
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)

    @property
    def index_key(self) -> str | None:
        """The customer index's name: a digest over the 360's tables' digests."""
        if not all(t in self.digests for t in TABLES if t in self.files):
            return None
        h = hashlib.sha256()
        for table in sorted(TABLES):
            h.update(f"{table}={self.digests.get(table, '-')};".encode())
        return h.hexdigest()[:20]

    @property
    def index_path(self) -> Path | None:
        key = self.index_key
        return None if key is None else index_dir() / f"customers-{key}.duckdb"

    def _schema(self) -> str | None:
        """The attached customer index's schema on this thread's connection, or None."""
        path = self.index_path
        if path is None or not path.exists():
            return None
        con = _connection()
        attached: dict[str, str] = _local.attached
        name = f"c360_{self.index_key}"
        if str(path) not in attached:
            con.execute(f"ATTACH {_lit(str(path))} AS {name} (READ_ONLY)")
            attached[str(path)] = name
        return name

    def source(self, table: str) -> str | None:
        """What to select `table`'s rows from: the index's table, else the files."""
        if table not in self.files:
            return None
        schema = self._schema()
        if schema is not None:
            return f"{schema}.{table}"
        return _file_source(self.files[table], TABLES[table])


def lake_files() -> LakeFiles | None:
    """The lake in use and its registered fact-table files (one query), or None."""
    lake_dir = lake_current()
    if lake_dir is None:
        return None
    tables = registered_tables(lake_dir=lake_dir)
    return LakeFiles(
        path=lake_dir,
        files={
            name: tuple(str(f) for f in reg.files)
            for name, reg in tables.items()
            if name in TABLES and reg.files
        },
        digests={name: reg.digest for name, reg in tables.items()},
    )


def customer_index_build(lake: LakeFiles, *, force: bool = False) -> Path | None:
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
        con = _new_connection(str(tmp), threads=os.cpu_count() or 1)
        try:
            for table, spec in TABLES.items():
                files = lake.files.get(table)
                cols = ", ".join(f'"{c}" {t}' for c, t in spec.columns.items())
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


def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    # The connection is this thread's own, so no cursor is needed (a cursor is a new
    # connection: a few milliseconds a query).
    table: pa.Table = _connection().execute(sql, params).to_arrow_table()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


@dataclass(frozen=True)
class MonthBalance:
    month: str
    category: str
    avg_daily_balance: Decimal


def customer_balances(lake: LakeFiles, customer_id: str) -> list[MonthBalance]:
    """Average daily balance per month and category (the AUM trend), oldest first."""
    src = lake.source("balances")
    if src is None:
        return []
    rows = _rows(
        f"SELECT month, category, SUM(avg_daily_balance) AS avg FROM {src} "
        "WHERE customer_id = ? AND avg_daily_balance IS NOT NULL AND month IS NOT NULL "
        "GROUP BY month, category ORDER BY month, category",
        [customer_id],
    )
    return [MonthBalance(r["month"], r["category"], r["avg"]) for r in rows]


def customer_transactions(
    lake: LakeFiles, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The customer's latest transactions, newest first."""
    src = lake.source("transactions")
    if src is None:
        return []
    return _rows(
        f"SELECT txn_id, ts, amount, direction, channel, product_id FROM {src} "
        "WHERE customer_id = ? AND ts IS NOT NULL AND amount > 0 "
        "ORDER BY ts DESC, txn_id DESC LIMIT ?",
        [customer_id, limit],
    )


def customer_holdings(lake: LakeFiles, customer_id: str) -> list[dict[str, Any]]:
    """Products held, soonest maturity first (open-ended last)."""
    src = lake.source("holdings")
    if src is None:
        return []
    return _rows(
        f"SELECT product_id, amount, start_date, maturity_date, staff_id FROM {src} "
        "WHERE customer_id = ? AND product_id IS NOT NULL "
        "ORDER BY maturity_date NULLS LAST, start_date, product_id",
        [customer_id],
    )


def customer_loans(lake: LakeFiles, customer_id: str) -> list[dict[str, Any]]:
    """Loans with their latest monthly status (balance, overdue days, grade)."""
    loans = lake.source("loans")
    if loans is None:
        return []
    rows = _rows(
        f"SELECT loan_id, product_id, staff_id, amount, disbursed_on, maturity_date FROM {loans} "
        "WHERE customer_id = ? AND loan_id IS NOT NULL ORDER BY disbursed_on DESC, loan_id",
        [customer_id],
    )
    status = lake.source("loan_status")
    latest: dict[str, dict[str, Any]] = {}
    if rows and status is not None:
        ids = [r["loan_id"] for r in rows]
        for s in _rows(
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
    lake: LakeFiles, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest contacts with the customer, newest first."""
    src = lake.source("interactions")
    if src is None:
        return []
    return _rows(
        f"SELECT staff_id, ts, channel, outcome FROM {src} "
        "WHERE customer_id = ? AND ts IS NOT NULL ORDER BY ts DESC LIMIT ?",
        [customer_id, limit],
    )


def customer_referrals(
    lake: LakeFiles, customer_id: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """Referrals about the customer, newest first."""
    src = lake.source("referrals")
    if src is None:
        return []
    return _rows(
        f"SELECT referral_id, from_staff_id, to_staff_id, need, created_at, status, "
        f"responded_at, converted_at FROM {src} "
        "WHERE customer_id = ? AND created_at IS NOT NULL ORDER BY created_at DESC LIMIT ?",
        [customer_id, limit],
    )


def local_date(ts: dt.datetime | None) -> dt.date | None:
    """A timestamp's business date in bank time."""
    if ts is None:
        return None
    from zoneinfo import ZoneInfo

    return ts.astimezone(ZoneInfo(_bank_zone())).date()
