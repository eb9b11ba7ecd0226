"""An independent conformance check of a lake directory against the contract, in DuckDB.

Deliberately separate from the engine's validator: it reads the contract's declarations
(columns, types, enums, patterns, bounds, keys, row checks) and turns each into its own
DuckDB query, so a bug in the generator and a bug in the validator cannot hide each other.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from rmperf.engine.contract import (
    DUCKDB_TYPES,
    MIN_DATE,
    TABLES,
    ColType,
    Table,
)


def source(lake: Path, t: Table) -> tuple[str, str]:
    """(format, glob) of a table's file or part files."""
    for fmt in ("parquet", "csv"):
        single = lake / f"{t.name}.{fmt}"
        if single.exists():
            return fmt, str(single)
        folder = lake / t.name
        if folder.is_dir() and any(folder.glob(f"*.{fmt}")):
            return fmt, str(folder / f"*.{fmt}")
    raise AssertionError(f"{t.name}: no file in {lake}")


def connect(lake: Path) -> duckdb.DuckDBPyConnection:
    """A connection with one view per table, typed as the contract says."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for t in TABLES:
        fmt, glob = source(lake, t)
        if fmt == "parquet":
            con.execute(f"CREATE VIEW {t.name} AS SELECT * FROM read_parquet('{glob}')")
        else:
            cols = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in t.columns)
            con.execute(
                f"CREATE VIEW {t.name} AS SELECT * FROM read_csv('{glob}', header=true, "
                f"columns={{{cols}}}, auto_detect=false, nullstr='')"
            )
    return con


def _csv_headers(lake: Path, t: Table) -> list[list[str]]:
    files = (
        [lake / f"{t.name}.csv"]
        if (lake / f"{t.name}.csv").exists()
        else sorted((lake / t.name).glob("*.csv"))
    )
    out = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            out.append([h.strip().strip('"') for h in fh.readline().split(",")])
    return out


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


# DESCRIBE spells some types by their canonical names.
_CANONICAL = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def business_date(col: str, typ: ColType) -> str:
    if typ is ColType.TIMESTAMP:
        return f"CAST(({col} AT TIME ZONE 'Asia/Shanghai') AS DATE)"
    return col


def conformance_problems(lake: Path, end: date) -> list[str]:
    """Every breach of the contract found in the lake; an empty list means it conforms."""
    problems: list[str] = []
    con = connect(lake)
    for t in TABLES:
        fmt, glob = source(lake, t)
        if fmt == "parquet":
            described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()
            names = [r[0] for r in described]
            if names != list(t.column_names):
                problems.append(f"{t.name}: columns {names} != {list(t.column_names)}")
                continue
            for (name, typ, *_), col in zip(described, t.columns, strict=True):
                expected = DUCKDB_TYPES[col.type]
                if typ != _CANONICAL.get(expected, expected):
                    problems.append(f"{t.name}.{name}: type {typ} != {DUCKDB_TYPES[col.type]}")
        else:
            for header in _csv_headers(lake, t):
                if header != list(t.column_names):
                    problems.append(f"{t.name}: CSV header {header}")
        total = _count(con, f"SELECT count(*) FROM {t.name}")
        for c in t.columns:
            q = f'"{c.name}"'
            checks: list[tuple[str, str]] = []
            if c.required:
                checks.append(("null in required column", f"{q} IS NULL"))
            if c.enum:
                allowed = ", ".join(f"'{v}'" for v in c.enum)
                checks.append(("not in enum", f"{q} NOT IN ({allowed})"))
            if c.pattern:
                pat = c.pattern.replace("'", "''")
                checks.append(("pattern", f"NOT regexp_full_match({q}, '{pat}')"))
            if c.min_value is not None:
                op = "<=" if c.exclusive_min else "<"
                checks.append(("below minimum", f"{q} {op} {c.min_value}"))
            if c.max_value is not None:
                checks.append(("above maximum", f"{q} > {c.max_value}"))
            if c.references:
                ref_table, ref_col = c.references.split(".")
                checks.append(
                    (
                        "dangling reference",
                        f"{q} IS NOT NULL AND {q} NOT IN (SELECT {ref_col} FROM {ref_table})",
                    )
                )
            if c.type is ColType.MONTH:
                checks.append(
                    (
                        "month out of range",
                        f"{q} < '{MIN_DATE[:7]}' OR {q} > '{end.isoformat()[:7]}'",
                    )
                )
            elif c.temporal:
                d = business_date(q, c.type)
                checks.append(("before MIN_DATE", f"{d} < DATE '{MIN_DATE}'"))
                if c.past_only:
                    checks.append(("after end", f"{d} > DATE '{end.isoformat()}'"))
            for reason, predicate in checks:
                bad = _count(con, f"SELECT count(*) FROM {t.name} WHERE {predicate}")
                if bad:
                    problems.append(f"{t.name}.{c.name}: {reason} ({bad} of {total} rows)")
        if t.primary_key:
            keys = ", ".join(t.primary_key)
            dupes = _count(
                con,
                f"SELECT count(*) FROM (SELECT {keys} FROM {t.name} "
                f"GROUP BY ALL HAVING count(*) > 1)",
            )
            if dupes:
                problems.append(f"{t.name}: {dupes} duplicate primary keys ({keys})")
        for rc in t.checks:
            bad = _count(con, f"SELECT count(*) FROM {t.name} WHERE ({rc.predicate}) = false")
            if bad:
                problems.append(f"{t.name}: row check {rc.name} fails on {bad} rows")
        if total == 0:
            problems.append(f"{t.name}: empty")
    return problems
