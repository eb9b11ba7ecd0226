"""Copy a generated lake and break rows on purpose, to compare validation before and after.

    .venv/bin/python bench/dirty_lake.py SRC DST [--csv]

A generated lake rejects no row, so a byte-for-byte comparison of `_rejects/` files
before and after a change of the validation would compare empty sets. This script copies
SRC (Parquet, as `rmperf generate` writes it) to DST and rewrites a few tables with about
one row in a thousand broken in a known way, covering every kind of rule: a required
value blank, an id that does not fit its pattern, a control character, an enum value not
allowed, a foreign key not found, a duplicate primary key, a date in the future or before
1900, a negative amount, a month that is no month, an overlapping assignment, a unit
hung under the wrong level. Every other table is copied as is. With --csv every table is
written as CSV instead (every value as the text DuckDB prints), so the CSV path is
compared too.

Deterministic: the rows broken are chosen by their position, not at random.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import duckdb

#: Per table: (columns replaced, SQL expressions over the row and its position `__n`).
BREAKS: dict[str, str] = {
    "transactions": """
        SELECT * REPLACE (
          CASE WHEN __n % 997 = 1 THEN '' WHEN __n % 997 = 2 THEN 'bad id!'
               WHEN __n % 997 = 3 THEN txn_id || chr(9)
               WHEN __n % 997 = 4 THEN lag(txn_id) OVER (ORDER BY __n)
               ELSE txn_id END AS txn_id,
          CASE WHEN __n % 997 = 5 THEN 'C-NOT-THERE' WHEN __n % 997 = 6 THEN NULL
               ELSE customer_id END AS customer_id,
          CASE WHEN __n % 997 = 7 THEN TIMESTAMPTZ '2099-01-01 00:00:00+08'
               WHEN __n % 997 = 8 THEN TIMESTAMPTZ '1899-12-31 00:00:00+08'
               ELSE ts END AS ts,
          CASE WHEN __n % 997 = 9 THEN -amount ELSE amount END AS amount,
          CASE WHEN __n % 997 = 10 THEN 'sideways' ELSE direction END AS direction,
          CASE WHEN __n % 997 = 11 THEN 'pigeon' WHEN __n % 997 = 12 THEN ' '
               ELSE channel END AS channel,
          CASE WHEN __n % 997 = 13 THEN 'P-NOT-THERE' WHEN __n % 997 = 14 THEN ''
               ELSE product_id END AS product_id)
        FROM src""",
    "customers": """
        SELECT * REPLACE (
          CASE WHEN __n % 499 = 1 THEN '' WHEN __n % 499 = 2 THEN name || chr(10)
               ELSE name END AS name,
          CASE WHEN __n % 499 = 3 THEN 'alien' ELSE kind END AS kind,
          CASE WHEN __n % 499 = 4 THEN 'U-NOT-THERE' ELSE unit_id END AS unit_id,
          CASE WHEN __n % 499 = 5 THEN DATE '2099-01-01' ELSE opened_on END AS opened_on,
          CASE WHEN __n % 499 = 6 THEN 'call me' ELSE phone END AS phone,
          CASE WHEN __n % 499 = 7 THEN lag(customer_id) OVER (ORDER BY __n)
               ELSE customer_id END AS customer_id)
        FROM src""",
    "balances": """
        SELECT * REPLACE (
          CASE WHEN __n % 991 = 1 THEN '2026-13' WHEN __n % 991 = 2 THEN '2099-01'
               WHEN __n % 991 = 3 THEN lag(month) OVER (ORDER BY __n)
               ELSE month END AS month,
          CASE WHEN __n % 991 = 4 THEN 'gold' ELSE category END AS category,
          CASE WHEN __n % 991 = 5 THEN 'C-NOT-THERE' ELSE customer_id END AS customer_id)
        FROM src""",
    "assignments": """
        SELECT * REPLACE (
          CASE WHEN __n % 401 = 1 THEN valid_from - INTERVAL 3000 DAY
               ELSE valid_from END::DATE AS valid_from,
          CASE WHEN __n % 401 = 2 THEN 'S-NOT-THERE' ELSE staff_id END AS staff_id)
        FROM src""",
    "events": """
        SELECT * REPLACE (
          CASE WHEN __n % 977 = 1 THEN 'Not.A.Kind' WHEN __n % 977 = 2 THEN ''
               ELSE kind END AS kind,
          CASE WHEN __n % 977 = 3 THEN 'x' || chr(0) || 'y' ELSE detail END AS detail)
        FROM src""",
    "holdings": """
        SELECT * REPLACE (
          CASE WHEN __n % 313 = 1 THEN -amount ELSE amount END AS amount,
          CASE WHEN __n % 313 = 2 THEN start_date + INTERVAL 40000 DAY
               ELSE start_date END::DATE AS start_date)
        FROM src""",
    "org_units": """
        SELECT * REPLACE (
          CASE WHEN kind = 'team' AND __n % 7 = 1 THEN
                 (SELECT min(unit_id) FROM src WHERE kind = 'bank')
               ELSE parent_id END AS parent_id)
        FROM src""",
}


def source(path: Path) -> str:
    if path.is_dir():
        return f"read_parquet('{path}/*.parquet')"
    return f"read_parquet('{path}')"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--csv", action="store_true", help="write every table as CSV")
    args = ap.parse_args()
    if args.dst.exists():
        shutil.rmtree(args.dst)
    args.dst.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for entry in sorted(args.src.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        table = entry.name if entry.is_dir() else entry.stem
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE src AS SELECT *, row_number() OVER () AS __n "
            f"FROM {source(entry)}"
        )
        rows = f"SELECT * EXCLUDE (__n) FROM ({BREAKS.get(table, 'SELECT * FROM src')})"
        if args.csv:
            con.execute(f"COPY ({rows}) TO '{args.dst / table}.csv' (FORMAT csv, HEADER true)")
        elif not BREAKS.get(table) and not entry.is_dir():
            shutil.copy(entry, args.dst / entry.name)
        else:
            con.execute(f"COPY ({rows}) TO '{args.dst / table}.parquet' (FORMAT parquet)")
        count = con.sql("SELECT count(*) FROM src").fetchall()[0][0]
        print(f"{table}: {count:,} rows")


if __name__ == "__main__":
    main()
