"""One customer's rows from the lake's fact tables, for the customer 360 page.

Fact tables stay in the lake (DESIGN.md): the page reads the files the last import
registered, through DuckDB, with `WHERE customer_id = ?` so Parquet row groups whose
statistics exclude the customer are skipped (predicate pushdown) and only the needed
columns are read; the whole lake is never scanned per page. One DuckDB connection per
process (per thread), with Parquet metadata cached, serves every page.

Values are cast as the lake contract types them; a row whose key fields do not parse is
left out (the importer rejected it). Timestamps without an offset are bank time.
"""

# ruff: noqa: S608 - SQL over generated file lists and fixed column names; values are bound

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings

from rmperf.lakes.selectors import lake_current, registered_tables

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection (created once; kept for the process's life)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(config={"threads": 2})
        con.execute("SET parquet_metadata_cache = true")
        con.execute("SET enable_external_file_cache = true")
        # Casting text without an offset to TIMESTAMPTZ reads it as bank time.
        con.execute(f"SET TimeZone = '{_bank_zone()}'")
        _local.con = con
    return con


def _bank_zone() -> str:
    zone = str(settings.TIME_ZONE)
    if not all(ch.isalnum() or ch in "/_+-" for ch in zone):
        raise ValueError(f"unexpected time zone {zone!r}")
    return zone


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class LakeFiles:
    """The registered files of each fact table of the lake in use."""

    path: Path
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def source(self, table: str, columns: dict[str, str]) -> str | None:
        """`SELECT` of the typed `columns` ({name: DuckDB type}) of `table`, or None."""
        files = self.files.get(table)
        if not files:
            return None
        paths = "[" + ", ".join(_lit(f) for f in files) + "]"
        if files[0].endswith(".parquet"):
            reader = f"read_parquet({paths}, union_by_name = true)"
            # Text columns bare, so the customer_id filter reaches the Parquet reader.
            cols = ", ".join(
                f'"{c}"' if t == "VARCHAR" else f'TRY_CAST("{c}" AS {t}) AS "{c}"'
                for c, t in columns.items()
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
                for c, t in columns.items()
            )
        return f"(SELECT {cols} FROM {reader})"


def lake_files() -> LakeFiles | None:
    """The lake in use and its registered fact-table files (one query), or None."""
    lake_dir = lake_current()
    if lake_dir is None:
        return None
    tables = registered_tables(lake_dir=lake_dir)
    return LakeFiles(
        path=lake_dir,
        files={name: tuple(str(f) for f in reg.files) for name, reg in tables.items()},
    )


def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = _connection().cursor()
    try:
        table: pa.Table = cur.execute(sql, params).to_arrow_table()
    finally:
        cur.close()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


TS = "TIMESTAMPTZ"
MONEY = "DECIMAL(18,2)"


@dataclass(frozen=True)
class MonthBalance:
    month: str
    category: str
    avg_daily_balance: Decimal


def customer_balances(lake: LakeFiles, customer_id: str) -> list[MonthBalance]:
    """Average daily balance per month and category (the AUM trend), oldest first."""
    src = lake.source(
        "balances",
        {"customer_id": "VARCHAR", "month": "VARCHAR", "category": "VARCHAR",
         "avg_daily_balance": MONEY},
    )  # fmt: skip
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
    src = lake.source(
        "transactions",
        {"customer_id": "VARCHAR", "txn_id": "VARCHAR", "ts": TS, "amount": MONEY,
         "direction": "VARCHAR", "channel": "VARCHAR", "product_id": "VARCHAR"},
    )  # fmt: skip
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
    src = lake.source(
        "holdings",
        {"customer_id": "VARCHAR", "product_id": "VARCHAR", "amount": MONEY,
         "start_date": "DATE", "maturity_date": "DATE", "staff_id": "VARCHAR"},
    )  # fmt: skip
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
    loans = lake.source(
        "loans",
        {"loan_id": "VARCHAR", "customer_id": "VARCHAR", "product_id": "VARCHAR",
         "staff_id": "VARCHAR", "amount": MONEY, "disbursed_on": "DATE",
         "maturity_date": "DATE"},
    )  # fmt: skip
    if loans is None:
        return []
    rows = _rows(
        f"SELECT loan_id, product_id, staff_id, amount, disbursed_on, maturity_date FROM {loans} "
        "WHERE customer_id = ? AND loan_id IS NOT NULL ORDER BY disbursed_on DESC, loan_id",
        [customer_id],
    )
    status = lake.source(
        "loan_status",
        {"loan_id": "VARCHAR", "month": "VARCHAR", "balance": MONEY, "overdue_days": "BIGINT",
         "grade": "VARCHAR"},
    )  # fmt: skip
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
    src = lake.source(
        "interactions",
        {"customer_id": "VARCHAR", "staff_id": "VARCHAR", "ts": TS, "channel": "VARCHAR",
         "outcome": "VARCHAR"},
    )  # fmt: skip
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
    src = lake.source(
        "referrals",
        {"referral_id": "VARCHAR", "from_staff_id": "VARCHAR", "to_staff_id": "VARCHAR",
         "customer_id": "VARCHAR", "need": "VARCHAR", "created_at": TS, "status": "VARCHAR",
         "responded_at": TS, "converted_at": TS},
    )  # fmt: skip
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
