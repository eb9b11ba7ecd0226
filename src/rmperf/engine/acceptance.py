"""Accepting a lake delivery: which tables may lose how many rows to rejects.

A bad row is rejected, never dropped silently; but a delivery that loses a whole table,
or a large share of one, is a broken delivery, not a lake with a few bad rows. Both
`rmperf import` (refusing the delivery as a whole) and every engine command (refusing to
compute) decide with `refusals`, under the `lake` policy (defaults/lake.yaml):

- a table that is missing or unreadable is refused;
- a table that had rows and lost every one of them is refused;
- a table named in `must_have_rows` with no row at all (a header-only file) is refused;
- a table that loses more than `max_reject_share` of its rows is refused, unless the
  caller allows rejects (`--allow-rejects` on engine commands).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

import duckdb
from pydantic import Field

from rmperf.engine import contract
from rmperf.engine.backends import attach_lake
from rmperf.engine.lake import Lake, csv_problem, dependencies
from rmperf.engine.policy import LoadedPolicy, PolicyModel, Severity, load_policy, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.validity import ROW_FILE, ROW_NUMBER, valid_view_name

DEFAULT_FILE = "lake.yaml"
#: Where a person finds the rejected rows and their reasons.
WHICH_ROWS = "`rmperf validate` writes the rows and reasons to _rejects/"
#: Above this share a policy is allowed but warned about: a tenth of a table is a lot.
WARN_SHARE = Decimal("0.10")


class AcceptancePolicy(PolicyModel):
    """How much of a delivery may be rejected before the delivery itself is refused."""

    max_reject_share: Decimal = Field(Decimal("0.01"), ge=0, le=1, decimal_places=6)
    must_have_rows: tuple[str, ...] = contract.DIMENSION_TABLES


@rule("must_have_rows_known")
def _must_have_rows_known(p: AcceptancePolicy) -> Iterable[tuple[str, Loc]]:
    for i, name in enumerate(p.must_have_rows):
        if name not in contract.TABLES_BY_NAME:
            known = ", ".join(contract.TABLES_BY_NAME)
            yield f"{name!r} is not a lake table (known: {known})", ("must_have_rows", i)


@rule("share_is_high", Severity.WARNING)
def _share_is_high(p: AcceptancePolicy) -> Iterable[tuple[str, Loc]]:
    if p.max_reject_share > WARN_SHARE:
        yield (
            f"a delivery may lose {percent(p.max_reject_share)} of a table to rejects",
            ("max_reject_share",),
        )


RULES = (_must_have_rows_known, _share_is_high)


def load_acceptance_policy(path: Path | str | None = None) -> LoadedPolicy[AcceptancePolicy]:
    """The policy at `path`, or the shipped default (1 %, the dimension tables)."""
    return load_policy(path, AcceptancePolicy, default=DEFAULT_FILE, rules=RULES)


def percent(share: Decimal) -> str:
    """A share as a percentage with at most two places, ROUND_HALF_UP ("0.49 %")."""
    value = (share * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:f} %"


@dataclass(frozen=True)
class TableCount:
    """One table as a delivery holds it: rows read and rejected, or why it is unusable."""

    table: str
    read: int
    rejected: int
    problem: str | None = None  # missing, unreadable, a required column absent

    @property
    def share(self) -> Decimal:
        """The share of rows rejected (0 for an empty table)."""
        return Decimal(self.rejected) / Decimal(self.read) if self.read else Decimal(0)


class Why(StrEnum):
    UNUSABLE = "unusable"  # missing or unreadable
    EMPTY = "empty"  # no row, or no row left
    OVER_THRESHOLD = "over_threshold"  # lost more than the policy's share


@dataclass(frozen=True)
class Refusal:
    """Why a table makes a delivery unusable; `message` names the table and the share."""

    table: str
    why: Why
    read: int
    rejected: int
    limit: Decimal
    problem: str | None = None

    @property
    def share(self) -> Decimal:
        return Decimal(self.rejected) / Decimal(self.read) if self.read else Decimal(0)

    @property
    def overridable(self) -> bool:
        """Only the threshold may be overridden by a person; a missing or empty table never."""
        return self.why is Why.OVER_THRESHOLD

    @property
    def message(self) -> str:
        match self.why:
            case Why.UNUSABLE:
                return f"{self.table}: the table cannot be used ({self.problem})"
            case Why.EMPTY if self.read:
                return f"{self.table}: all {self.read:,} rows were rejected (100 %); {WHICH_ROWS}"
            case Why.EMPTY:
                return f"{self.table}: the table has no rows"
            case Why.OVER_THRESHOLD:
                return (
                    f"{self.table}: {self.rejected:,} of {self.read:,} rows rejected "
                    f"({percent(self.share)}), more than the {percent(self.limit)} the lake "
                    f"policy allows; {WHICH_ROWS}"
                )


def refusals(
    counts: Iterable[TableCount],
    *,
    policy: AcceptancePolicy,
    allow_rejects: bool = False,
    must_have_rows: Iterable[str] | None = None,
) -> list[Refusal]:
    """The tables that make the delivery unusable, in the order given.

    `must_have_rows` overrides the policy's list (None: the policy's).
    """
    needed = set(policy.must_have_rows if must_have_rows is None else must_have_rows)
    limit = policy.max_reject_share
    out: list[Refusal] = []
    for c in counts:
        why: Why | None = None
        if c.problem is not None:
            why = Why.UNUSABLE
        elif (c.read and c.rejected >= c.read) or (not c.read and c.table in needed):
            why = Why.EMPTY  # every row rejected, or none where rows are required
        elif not allow_rejects and Decimal(c.rejected) > limit * c.read:
            why = Why.OVER_THRESHOLD
        if why is not None:
            out.append(Refusal(c.table, why, c.read, c.rejected, limit, c.problem))
    return out


def without_table(name: str, problem: str) -> str:
    """A file problem without its leading "<table>: " (the refusal names the table)."""
    for head in (f"{name}: ", f"{name}/: "):
        if problem.startswith(head):
            return problem[len(head) :]
    return problem


def lake_counts(lake: Lake, tables: Iterable[str]) -> dict[str, TableCount]:
    """Rows read and rejected per table (and per table it references), on DuckDB.

    A table read from a `rejected` entry of the valid-row cache whose files (and those of
    the tables it references) are unchanged since is counted without a scan: its rows
    from the Parquet footers of its files, its rejected rows from the entry (`_cached_count`).
    Any other table is counted on a DuckDB connection whose valid views read the cache, so
    after a DuckDB computation this costs little more than counting. A table without
    usable files, or whose files fail while read, carries its problem instead of counts;
    so does a table whose referenced table failed.
    """
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend

    names = dependencies(tables)
    out: dict[str, TableCount] = {}
    db: DuckDBBackend | None = None
    try:
        for name in names:
            files = lake.files(name)
            if not files.readable:
                problem = files.problem or "not read"
                out[name] = TableCount(name, 0, 0, without_table(name, problem))
                continue
            broken = [d for d in dependencies([name])[:-1] if out[d].problem is not None]
            if broken:
                problem = f"it references {', '.join(broken)}, which cannot be used"
                out[name] = TableCount(name, 0, 0, problem)
                continue
            cached = _cached_count(lake, name)
            if cached is not None:
                out[name] = cached
                continue
            if db is None:
                db = DuckDBBackend(time_zone=lake.time_zone)
            try:
                attach_lake(db, lake, [name])
                row = db.to_arrow(
                    f"SELECT (SELECT count(*) FROM rm_raw_{name}) AS r, "  # noqa: S608
                    f"(SELECT count(*) FROM {valid_view_name(name)}) AS v"
                ).to_pylist()[0]
            except duckdb.Error as exc:
                message = csv_problem(files) or str(exc).splitlines()[0]
                out[name] = TableCount(name, 0, 0, f"unreadable file: {message}")
                continue
            read = int(row["r"])
            out[name] = TableCount(name, read, read - int(row["v"]))
        return out
    finally:
        if db is not None:
            db.close()


def _cached_count(lake: Lake, name: str) -> TableCount | None:
    """The counts of a table a computation read from a `rejected` cache entry, from
    Parquet footers alone, or None (then counted on DuckDB).

    Only while the files of the table and of every table it references still have the
    fingerprints they were looked up with: the entry is then the one a recount would
    find. The valid view is the files' rows but those the entry names (by file index and
    row number), so the rejected rows are the entry's distinct (file, row) pairs, and
    the read rows the footers' row counts. An entry of more than _FEW_REJECTED rows is
    counted on DuckDB as before.
    """
    import pyarrow.parquet as pq

    from rmperf.engine.valid_cache import REJECTED, files_fingerprint

    for table in dependencies([name]):
        files = lake.files(table)
        if not files.readable:
            continue  # an absent referenced table: its key is its problem, unchanged
        seen = lake.entry(table)
        if seen is None or files_fingerprint(files, lake.path) != seen[2]:
            return None
    seen = lake.entry(name)
    if seen is None or seen[1] != REJECTED:
        return None
    try:
        entry_rows = pq.read_metadata(seen[0]).num_rows
        if entry_rows > _FEW_REJECTED:
            return None
        rejected = 0
        if entry_rows:
            ids = pq.ParquetFile(seen[0]).read(columns=[ROW_FILE, ROW_NUMBER])
            pairs = zip(ids.column(0).to_pylist(), ids.column(1).to_pylist(), strict=True)
            rejected = len(set(pairs))
        read = sum(pq.read_metadata(f).num_rows for f in lake.files(name).files)
    except (OSError, ValueError, KeyError):  # an entry pruned meanwhile, a file unreadable
        return None
    return TableCount(name, read, rejected)


#: Up to this many rejected rows, `_cached_count` counts them in Python.
_FEW_REJECTED = 200_000


def counts_table(counts: Mapping[str, TableCount]) -> list[str]:
    """The counts as aligned lines, one per table, for a terminal."""
    lines = []
    for name, c in counts.items():
        state = f"  ({c.problem})" if c.problem else ""
        share = f" ({percent(c.share)})" if c.rejected else ""
        lines.append(f"  {name:<14} {c.read:>12,} read {c.rejected:>10,} rejected{share}{state}")
    return lines


__all__ = [
    "AcceptancePolicy",
    "Refusal",
    "TableCount",
    "Why",
    "counts_table",
    "lake_counts",
    "load_acceptance_policy",
    "percent",
    "refusals",
    "without_table",
]
