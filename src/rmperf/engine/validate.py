"""Validate a lake against the contract; write every bad row to `_rejects/` with its reasons.

The rejects files keep every original value (they are the bank's own), with each cell
made formula-safe (`rmperf.engine.formula_safe`).

Validation runs on DuckDB and uses the same generated query as reading
(`rmperf.engine.validity.checked_query`): the rows written to `_rejects/<table>.csv` are
exactly the rows that every engine computation leaves out.
"""

# ruff: noqa: S608 - SQL over generated names; identifiers and literals are quoted

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from rmperf.engine import contract
from rmperf.engine.acceptance import TableCount, without_table
from rmperf.engine.backends import attach_lake, valid_entry
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.formula_safe import formula_safe_sql
from rmperf.engine.lake import (
    Lake,
    TableFiles,
    UnsafeLakeError,
    csv_problem,
    dependencies,
    symlink_refusal,
    table_digest,
)
from rmperf.engine.valid_cache import open_cache
from rmperf.engine.validity import (
    DUCKDB,
    CheckedQuery,
    checked_query,
    rejected_sql,
    typed_columns_sql,
    valid_view_name,
)

REJECTS_DIR = "_rejects"


def check_rejects_dir(root: Path) -> None:
    """Refuse to write rejects through a link: `_rejects/` and every entry in it must be
    real (a `_rejects` link once sent rows with full personal data out of the lake).

    Raises UnsafeLakeError naming the path before anything is read or written."""
    folder = root / REJECTS_DIR
    if folder.is_symlink():
        raise UnsafeLakeError(symlink_refusal(folder, root))
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UnsafeLakeError(f"{REJECTS_DIR} is not a folder; move it away")
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            raise UnsafeLakeError(symlink_refusal(entry, root))


@dataclass(frozen=True)
class LakeValidation:
    """What validation found: per-table counts, file-level problems and notes."""

    summaries: dict[str, contract.ValidationSummary]
    problems: list[str]  # file-level: missing table or column, unreadable file, no bank
    notes: list[str] = field(default_factory=list)  # allowed but worth knowing: extra columns
    #: Checked tables that cannot be used at all, with the first reason: no file, an
    #: unreadable file, a required column absent, an org tree without a bank.
    unusable: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, TableCount]:
        """Per checked table: rows read and rejected, and why it is unusable (if so)."""
        return {
            name: TableCount(name, s.rows, s.rejected, self.unusable.get(name))
            for name, s in self.summaries.items()
        }

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.summaries.values())

    @property
    def total_rejected(self) -> int:
        return sum(s.rejected for s in self.summaries.values())

    @property
    def ok(self) -> bool:
        return not self.problems and self.total_rejected == 0


def _file_findings(files: TableFiles) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    tbl = contract.table(files.table)
    if files.missing and tbl.optional:
        return problems, [f"{tbl.name}: optional table is absent (read as empty)"]
    if files.problem is not None:
        return [files.problem], notes
    present = set(files.columns().names)
    for col in tbl.columns:
        if col.name not in present:
            if col.required:
                problems.append(
                    f"{tbl.name}: required column {col.name} is missing (every row is rejected)"
                )
            else:
                notes.append(f"{tbl.name}: optional column {col.name} is absent (read as empty)")
    for name in files.columns().names:
        if name not in tbl.column_names:
            notes.append(f"{tbl.name}: extra column {name} is not in the contract (ignored)")
    return problems, notes


class _Validator:
    def __init__(self, lake: Lake, wanted: Sequence[str], write_rejects: bool) -> None:
        self.lake = lake
        self.wanted = list(dict.fromkeys(wanted))
        self.write = write_rejects
        self.db = DuckDBBackend(time_zone=lake.time_zone)
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.summaries: dict[str, contract.ValidationSummary] = {}
        self.unusable: dict[str, str] = {}
        self.rejects_dir = lake.path / REJECTS_DIR
        self.cache = open_cache(lake)
        self.keys: dict[str, str] = {}  # the valid-row cache key of each table checked

    def run(self) -> LakeValidation:
        order = dependencies(self.wanted)
        referenced = {
            col.references.split(".")[0]
            for name in order
            for col in contract.table(name).columns
            if col.references is not None
        }
        for name in order:
            self.table(name, keep_valid=name in referenced or not contract.table(name).fact)
        if self.lake.unknown_entries and len(self.wanted) == len(contract.TABLES):
            self.notes.extend(
                f"{entry}: not a lake table (ignored)" for entry in self.lake.unknown_entries
            )
        if self.write:
            self.write_summary()
        self.db.close()
        return LakeValidation(self.summaries, self.problems, self.notes, self.unusable)

    def table(self, name: str, *, keep_valid: bool) -> None:
        files = self.lake.files(name)
        wanted = name in self.wanted
        problems, notes = _file_findings(files)
        if wanted:
            self.problems.extend(problems)
            self.notes.extend(notes)
            if problems:
                self.unusable.setdefault(name, without_table(name, problems[0]))
        elif files.problem is not None:
            users = [t for t in self.wanted if name in dependencies([t])]
            self.problems.append(f"{files.problem} (needed to check {', '.join(users)})")
        query: CheckedQuery | None = None
        if files.readable:
            query = checked_query(
                name, files.columns(), DUCKDB, today=self.lake.today, time_zone=self.lake.time_zone
            )
            try:
                self.db.register_files(files)
                self.check(query, files, keep_valid=keep_valid, wanted=wanted)
                return
            except duckdb.Error as exc:
                message = csv_problem(files) or str(exc).splitlines()[0]
                self.problems.append(f"{name}: unreadable file: {message}")
                if wanted:
                    self.unusable.setdefault(name, f"unreadable file: {message}")
                self.keys[name] = f"unreadable: {message}"
        else:
            self.keys[name] = f"absent: {files.problem}"
        self.drop(valid_view_name(name))
        self.db.execute(
            f"CREATE OR REPLACE TEMP TABLE {valid_view_name(name)} AS "
            f"{typed_columns_sql(contract.table(name), DUCKDB)}"
        )
        if wanted:
            self.summaries[name] = contract.ValidationSummary(name, 0, 0)
            self.remove_rejects(name)

    def drop(self, name: str) -> None:
        """Remove the view or table `name`, if any."""
        for kind in ("VIEW", "TABLE"):
            try:
                self.db.execute(f"DROP {kind} IF EXISTS {name}")
            except duckdb.Error:
                continue  # it is the other kind

    def check(
        self, query: CheckedQuery, files: TableFiles, *, keep_valid: bool, wanted: bool
    ) -> None:
        name = query.table.name
        entry = None
        if self.cache is not None:
            # One pass writes the verdict to the valid-row cache, which every later
            # command (and this run, for the tables referencing this one) reads.
            entry = valid_entry(self.cache, self.db, self.lake, files, query, self.keys)
        if entry is not None:
            entry.attach(self.db, self.lake)
            if entry.rejected_only:
                self.db.execute(
                    f"CREATE OR REPLACE TEMP VIEW rm_rej_{name} AS "
                    f"SELECT * FROM read_parquet({DUCKDB.lit(str(entry.path))})"
                )
            elif wanted:  # the entry holds the valid rows: the rejected ones are computed
                self.db.execute(
                    f"CREATE OR REPLACE TEMP TABLE rm_rej_{name} AS {rejected_sql(query, DUCKDB)}"
                )
        else:
            self.check_in_line(query, keep_valid=keep_valid, wanted=wanted)
        if name == "org_units":
            banks = self.db.to_arrow(
                f"SELECT count(*) AS n FROM {valid_view_name(name)} WHERE kind = 'bank'"
            )
            if banks.column("n")[0].as_py() == 0 and wanted:
                self.problems.append("org_units: no valid bank; the org tree needs one")
                self.unusable.setdefault(name, "no valid bank; the org tree needs one")
        if not wanted:
            return
        rows = self.db.to_arrow(f"SELECT count(*) AS n FROM rm_raw_{name}").column("n")[0].as_py()
        counts = self.db.to_arrow(
            "SELECT count(*) AS n"
            + "".join(f", count(__m_{k}) AS m{k}" for k in range(len(query.rules)))
            + f" FROM rm_rej_{name}"
        ).to_pylist()[0]
        reasons: dict[str, int] = {}
        for k, rule in enumerate(query.rules):
            if counts[f"m{k}"]:
                reasons[rule.label] = reasons.get(rule.label, 0) + int(counts[f"m{k}"])
        rejected = int(counts["n"])
        self.summaries[name] = contract.ValidationSummary(name, int(rows), rejected, reasons)
        if rejected:
            self.write_rejects(query)
        else:
            self.remove_rejects(name)

    def check_in_line(self, query: CheckedQuery, *, keep_valid: bool, wanted: bool) -> None:
        """Without the valid-row cache: the valid rows as a temporary table (tables others
        reference) and the rejected rows as `rm_rej_<table>`."""
        name = query.table.name
        cols = ", ".join(DUCKDB.ident(c) for c in query.table.column_names)
        if keep_valid:
            # Small or referenced tables: evaluate once, keep the verdicts for both uses.
            self.db.execute(f"CREATE OR REPLACE TEMP TABLE rm_chk_{name} AS {query.sql}")
            self.db.execute(
                f"CREATE OR REPLACE TEMP TABLE {valid_view_name(name)} AS "
                f"SELECT {cols} FROM rm_chk_{name} WHERE NOT __reject"
            )
            checked = f"SELECT * FROM rm_chk_{name}"
        else:
            checked = query.sql
        if wanted:
            rejected = rejected_sql(replace(query, sql=checked), DUCKDB)
            self.db.execute(f"CREATE OR REPLACE TEMP TABLE rm_rej_{name} AS {rejected}")

    def write_rejects(self, query: CheckedQuery) -> None:
        if not self.write:
            return
        name = query.table.name
        out_cols = [DUCKDB.ident(col) for col, _ in query.raw_columns]
        out_cols += ["reject_column", "reject_reason"]
        order = ", ".join(f"{c} NULLS FIRST" for c in out_cols)
        # Every cell formula-safe: the rejects file is opened in spreadsheets, and a lake
        # value such as =HYPERLINK(...) would run there beside the phone and id number.
        cells = ", ".join(f"{formula_safe_sql(c)} AS {c}" for c in out_cols)
        self.rejects_dir.mkdir(exist_ok=True)
        target = self.rejects_dir / f"{name}.csv"
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".csv", dir=self.rejects_dir)
        os.close(fd)
        try:
            self.db.execute(
                f"COPY (SELECT {cells} FROM rm_rej_{name} ORDER BY {order}) "
                f"TO {DUCKDB.lit(tmp)} (FORMAT csv, HEADER true)"
            )
            Path(tmp).replace(target)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def remove_rejects(self, name: str) -> None:
        if self.write:
            (self.rejects_dir / f"{name}.csv").unlink(missing_ok=True)

    def write_summary(self) -> None:
        self.rejects_dir.mkdir(exist_ok=True)
        body = {
            "validation_day": self.lake.today.isoformat(),
            "time_zone": self.lake.time_zone,
            "tables": {
                name: {"rows": s.rows, "rejected": s.rejected, "reasons": s.reasons}
                for name, s in self.summaries.items()
            },
            "total_rows": sum(s.rows for s in self.summaries.values()),
            "total_rejected": sum(s.rejected for s in self.summaries.values()),
            "problems": self.problems,
            "notes": self.notes,
        }
        target = self.rejects_dir / "summary.json"
        # A fresh temporary file (O_EXCL: never an existing name, never through a link).
        fd, tmp = tempfile.mkstemp(prefix=".summary.", suffix=".json", dir=self.rejects_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
            Path(tmp).replace(target)
        finally:
            Path(tmp).unlink(missing_ok=True)


def validate_lake(
    lake_dir: Path,
    *,
    today: date,
    tables: Sequence[str] | None = None,
    write_rejects: bool = True,
    time_zone: str = contract.BANK_TIME_ZONE,
) -> LakeValidation:
    """Check every row of the lake (or of `tables`) against the contract.

    Bad rows go to `<lake>/_rejects/<table>.csv` with all their values and the reasons;
    `_rejects/summary.json` has the counts. Running it twice changes nothing. A link at
    `_rejects` or in it raises UnsafeLakeError before anything is read or written.
    """
    wanted = list(tables) if tables is not None else [t.name for t in contract.TABLES]
    for name in wanted:
        contract.table(name)
    lake = Lake(Path(lake_dir), today, time_zone)
    if write_rejects:
        check_rejects_dir(lake.path)
    return _Validator(lake, wanted, write_rejects).run()


def iter_valid_rows(
    lake_dir: Path,
    table: str,
    *,
    today: date,
    batch_size: int = 10_000,
    time_zone: str = contract.BANK_TIME_ZONE,
) -> Iterator[list[dict[str, Any]]]:
    """The valid rows of one table as Python values, in batches, ordered by primary key.

    Values are str, date, aware datetime (in `time_zone`), Decimal, int, bool or None.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    tbl = contract.table(table)
    lake = Lake(Path(lake_dir), today, time_zone)
    db = DuckDBBackend(time_zone=time_zone)
    try:
        attach_lake(db, lake, [table])
        order = tbl.primary_key or tbl.column_names
        sql = (
            f"SELECT * FROM {valid_view_name(table)} "
            f"ORDER BY {', '.join(DUCKDB.ident(c) + ' NULLS FIRST' for c in order)}"
        )
        reader = db.con.sql(sql).to_arrow_reader(batch_size)
        pending: list[dict[str, Any]] = []
        for batch in reader:
            pending.extend(batch.to_pylist())
            while len(pending) >= batch_size:
                yield pending[:batch_size]
                pending = pending[batch_size:]
        if pending:
            yield pending
    finally:
        db.close()


__all__ = [
    "LakeValidation",
    "UnsafeLakeError",
    "check_rejects_dir",
    "iter_valid_rows",
    "table_digest",
    "validate_lake",
]
