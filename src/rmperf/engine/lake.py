"""A data lake on disk: where each table's files are and what columns they hold.

A lake is a directory with, per table, `<table>.parquet`, `<table>.csv` or a folder
`<table>/` of part files (`*.parquet` or `*.csv`, searched recursively). Entries whose
name starts with `_` or `.` (`_rejects/`, `_SUCCESS`, `.DS_Store`) are not data.

The lake directory is trusted no further than needed: a symbolic link where a table, a
part file or a folder of part files belongs is refused, never followed (a link could
make the engine read, and quote, a file outside the lake such as /etc/passwd), and so
is anything there that is not a regular file (a FIFO would hang the reader).

Rows are read through a backend (`rmperf.engine.backends`), which registers each
table's raw files and its valid view (`rmperf.engine.validity`): the engine only ever
computes on valid rows.
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.parquet as pq

from rmperf.engine import contract
from rmperf.engine.validity import SourceColumn, SourceKind, SourceShape

Format = Literal["csv", "parquet"]


@dataclass(frozen=True)
class TableFiles:
    """The files of one table, their format and columns, or why they cannot be read."""

    table: str
    format: Format | None = None
    files: tuple[Path, ...] = ()
    shape: SourceShape | None = None
    problem: str | None = None  # set when the table has no usable files
    missing: bool = False  # no file at all (an optional table may be missing)

    @property
    def readable(self) -> bool:
        return self.problem is None and self.shape is not None and self.format is not None

    def columns(self) -> SourceShape:
        """The shape of a readable table."""
        if self.shape is None:
            raise ValueError(self.problem or f"{self.table}: not read")
        return self.shape


class UnsafeLakeError(ValueError):
    """The lake holds a symbolic link (or another non-regular entry) where the engine
    would read or write; the message names the path and nothing of what it points to."""


def symlink_refusal(path: Path, root: Path) -> str:
    """Why a symbolic link in the lake is refused (names the link, never its target)."""
    return (
        f"{_display(path, root)} is a symbolic link; the lake's tables, part files and "
        "_rejects/ must be real files and folders inside the lake (links are not followed)"
    )


def _display(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    return rel + ("/" if path.is_dir() and not path.is_symlink() else "")


def _part_files(folder: Path, root: Path, table: str) -> tuple[list[Path], str | None]:
    """The data files under a table folder, or the first entry that makes it unsafe.

    The walk never follows a link; a link (to a file or a folder) or a non-regular file
    among the data entries is refused. Entries starting with `_` or `.` are not data."""
    found: list[Path] = []
    for here, dirs, names in os.walk(folder, followlinks=False):
        base = Path(here)
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in sorted([*dirs, *names]):
            path = base / name
            if name.startswith(("_", ".")):
                continue
            if path.is_symlink():
                return [], f"{table}: {symlink_refusal(path, root)}"
            if name in names and path.suffix in (".parquet", ".csv"):
                if not stat.S_ISREG(path.lstat().st_mode):
                    return [], f"{table}: {_display(path, root)} is not a regular file"
                found.append(path)
    return sorted(found), None


def _arrow_kind(dtype: pa.DataType) -> tuple[SourceKind, int]:
    if pa.types.is_dictionary(dtype):
        return _arrow_kind(dtype.value_type)
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return SourceKind.TEXT, 0
    if pa.types.is_integer(dtype):
        return SourceKind.INT, 0
    if pa.types.is_decimal(dtype):
        return SourceKind.DECIMAL, int(dtype.scale)
    if pa.types.is_floating(dtype):
        return SourceKind.FLOAT, 0
    if pa.types.is_date(dtype):
        return SourceKind.DATE, 0
    if pa.types.is_timestamp(dtype):
        return (SourceKind.TIMESTAMP_TZ if dtype.tz else SourceKind.TIMESTAMP_LOCAL), 0
    if pa.types.is_boolean(dtype):
        return SourceKind.BOOL, 0
    return SourceKind.OTHER, 0


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        row = next(csv.reader(fh), None)
    if not row:
        raise ValueError(f"{path.name} has no header line")
    return row


def _shape(fmt: Format, files: tuple[Path, ...], root: Path) -> SourceShape:
    if fmt == "csv":
        headers = [_csv_header(f) for f in files]
        for f, header in zip(files, headers, strict=True):
            if header != headers[0]:
                raise ValueError(
                    f"{f.relative_to(root)} has columns {header}, "
                    f"but {files[0].relative_to(root)} has {headers[0]}"
                )
        if len(set(headers[0])) != len(headers[0]):
            raise ValueError(f"{files[0].relative_to(root)} repeats a column name")
        return SourceShape(tuple(SourceColumn(n, SourceKind.TEXT) for n in headers[0]))
    schema = pa.unify_schemas([pq.read_schema(f) for f in files])
    cols = []
    for fld in schema:
        kind, scale = _arrow_kind(fld.type)
        cols.append(SourceColumn(fld.name, kind, scale))
    return SourceShape(tuple(cols))


def mixed_line_endings(path: Path) -> str | None:
    """How `path` mixes CRLF and LF line endings ("line 1 ends with CRLF, line 3 with
    LF"), or None. Quoted values are not told apart: this explains a read error, it is
    not a rule of its own."""
    first: dict[bytes, int] = {}
    line = 1  # the line the next byte is on
    prev = b""
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            start = 0
            while len(first) < 2:
                nl = chunk.find(b"\n", start)
                if nl < 0:
                    break
                before = chunk[nl - 1 : nl] if nl > 0 else prev
                kind = b"CRLF" if before == b"\r" else b"LF"
                first.setdefault(kind, line + chunk.count(b"\n", 0, nl))
                start = nl + 1
                if kind in first and len(first) == 1:
                    # skip ahead to the first line ending of the other kind
                    other = chunk.find(b"\r\n", start) if kind == b"LF" else _bare_lf(chunk, start)
                    if other < 0:
                        break
                    start = other + (1 if kind == b"LF" else 0)
            if len(first) == 2:
                break
            line += chunk.count(b"\n")
            prev = chunk[-1:]
    if len(first) < 2:
        return None
    crlf, lf = first[b"CRLF"], first[b"LF"]
    return (
        f"{path.name} mixes line endings: line {crlf} ends with CRLF, line {lf} with LF; "
        "save it with one kind of line ending throughout"
    )


def csv_problem(files: TableFiles) -> str | None:
    """What makes a table's CSV files unreadable when the reader gives up, if known."""
    if files.format != "csv":
        return None
    return next((m for f in files.files if (m := mixed_line_endings(f)) is not None), None)


def _bare_lf(chunk: bytes, start: int) -> int:
    """The index of the first LF not preceded by CR at or after `start` (-1: none)."""
    while True:
        nl = chunk.find(b"\n", start)
        if nl <= 0 or chunk[nl - 1 : nl] != b"\r":
            return nl
        start = nl + 1


def find_table_files(root: Path, table: str) -> TableFiles:
    """Locate one table's files in the lake at `root` and read their column names."""
    candidates = [
        p
        for p in (root / f"{table}.parquet", root / f"{table}.csv", root / table)
        if p.exists() or p.is_symlink()  # a dangling link is refused too, not "no file"
    ]
    expected = f"{table}.parquet, {table}.csv or {table}/"
    if not candidates:
        return TableFiles(table, problem=f"{table}: no file (expected {expected})", missing=True)
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        return TableFiles(table, problem=f"{table}: more than one source ({names}); keep one")
    found = candidates[0]
    if found.is_symlink():
        return TableFiles(table, problem=f"{table}: {symlink_refusal(found, root)}")
    if found.is_dir():
        parts, unsafe = _part_files(found, root, table)
        if unsafe is not None:
            return TableFiles(table, problem=unsafe)
        files = tuple(parts)
        suffixes = {p.suffix for p in files}
        if not files:
            return TableFiles(table, problem=f"{table}/: no *.parquet or *.csv part files")
        if len(suffixes) > 1:
            return TableFiles(table, problem=f"{table}/: mixes Parquet and CSV part files")
    elif not stat.S_ISREG(found.lstat().st_mode):
        return TableFiles(table, problem=f"{table}: {found.name} is not a regular file")
    else:
        files = (found,)
        suffixes = {found.suffix}
    fmt: Format = "parquet" if suffixes == {".parquet"} else "csv"
    try:
        shape = _shape(fmt, files, root)
    except (OSError, ValueError, UnicodeDecodeError, pa.ArrowException) as exc:
        return TableFiles(table, fmt, files, problem=f"{table}: unreadable file: {exc}")
    return TableFiles(table, fmt, files, shape)


@dataclass(frozen=True)
class Lake:
    """A lake directory as seen on one validation day in one bank time zone."""

    path: Path
    today: date
    time_zone: str = contract.BANK_TIME_ZONE
    _cache: dict[str, TableFiles] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    # Every table a computation attached (with what it references), in order: what a
    # command read, so it can say how many rows each table gave and lost.
    _attached: dict[str, None] = field(default_factory=dict, init=False, compare=False, repr=False)
    # The DuckDB valid-row cache entry each table was read from (by `backends.attach_lake`):
    # (entry file, entry kind, the table's files fingerprint when it was looked up).
    _entries: dict[str, tuple[Path, str, str]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).resolve())
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None

    def files(self, table: str) -> TableFiles:
        """The files of one contract table (looked up once per Lake)."""
        contract.table(table)
        if table not in self._cache:
            self._cache[table] = find_table_files(self.path, table)
        return self._cache[table]

    def valid_rows(self, table: str, *, backend: Literal["duckdb", "spark"] = "duckdb") -> pa.Table:
        """The valid rows of `table`, typed, ordered by primary key (see backends.read_valid)."""
        from rmperf.engine.backends import read_valid

        return read_valid(self, table, backend=backend)

    def record_attached(self, tables: Iterable[str]) -> None:
        """Note tables a computation read (called by `backends.attach_lake`)."""
        self._attached.update(dict.fromkeys(tables))

    def record_entry(self, table: str, entry: Path, kind: str, fingerprint: str) -> None:
        """Note the DuckDB valid-row cache entry `table` was read from (`attach_lake`)."""
        self._entries[table] = (entry, kind, fingerprint)

    def entry(self, table: str) -> tuple[Path, str, str] | None:
        """The DuckDB valid-row cache entry `table` was last read from, if any: (entry
        file, kind, the fingerprint of the table's files then)."""
        return self._entries.get(table)

    @property
    def attached(self) -> tuple[str, ...]:
        """The tables computations on this lake have read so far, in first-read order."""
        return tuple(self._attached)

    @cached_property
    def unknown_entries(self) -> tuple[str, ...]:
        """Data-looking entries that are no contract table (noted, never read)."""
        known = set(contract.TABLES_BY_NAME)
        out = []
        for p in sorted(self.path.iterdir()):
            if p.name.startswith(("_", ".")):
                continue
            stem = p.name if p.is_dir() else p.stem
            if stem not in known and (p.is_dir() or p.suffix in (".csv", ".parquet")):
                out.append(p.name)
        return tuple(out)


def dependencies(tables: Iterable[str]) -> list[str]:
    """`tables` and every table they reference, referenced tables first."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:  # pragma: no cover - the contract's references form a DAG
            raise ValueError(f"reference cycle through {name}")
        for col in contract.table(name).columns:
            if col.references is not None:
                ref = col.references.split(".")[0]
                if ref != name:
                    visit(ref, (*path, name))
        order.append(name)

    for t in tables:
        visit(t, ())
    return order


def table_digest(lake_dir: Path, table: str) -> str:
    """sha256 over a table's files (relative path, size and bytes, in path order)."""
    found = find_table_files(Path(lake_dir).resolve(), table)
    if not found.files:
        raise FileNotFoundError(found.problem or f"{table}: no file")
    digest = hashlib.sha256()
    root = Path(lake_dir).resolve()
    for f in found.files:
        rel = f.relative_to(root).as_posix().encode()
        digest.update(len(rel).to_bytes(8, "big") + rel + f.stat().st_size.to_bytes(8, "big"))
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
