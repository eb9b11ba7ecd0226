"""Tier migration between two as-of dates: the matrix, sleeping shares, wake-up rate (DOMAIN §1).

Definitions (each stated once here and in the report's JSON):
- The matrix counts customers by (tier at `from`, tier at `to`). Customers present at both
  dates fill the tier × tier cells; customers who are customers at `to` but not yet at
  `from` (opened in between) are the `new` row; customers present at `from` but not at
  `to` are the `gone` column (the lake contract has no closed accounts, so it stays 0 on
  a contract lake, but a lake that drops customers is still counted, not lost).
- A cell's share is its count over its `from` row's total (`gone` included, so a row sums
  to 1); an empty row has no shares. Shares and rates are rounded half up to 4 places.
- Sleeping share at a date: sleeping customers over all customers at that date.
- Wake-up rate: of the customers sleeping at `from`, the share in an active tier (core,
  potential, basic) at `to`. `other` does not count as woken: a sleeping customer who
  makes a single small payment leaves `sleeping` but is not yet a customer the bank
  serves by a tier's plan. The looser figure, sleeping at `from` → any tier but
  sleeping at `to`, is reported beside it as `left_sleeping_rate`. A sleeping customer
  who is gone at `to` counts as not woken.
- Per RM: the RM in charge at `to` (a customer reassigned in between counts for the new
  RM at both dates, so an RM sees where today's book came from); customers without an RM
  at `to` form the scope with no id. Per branch: the customer's home branch (unit_id).
  A gone customer counts for the RM and branch it had at `from`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rmperf.engine.backends import BackendName
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier

NEW = "new"
GONE = "gone"
ACTIVE_TIERS: tuple[Tier, ...] = (Tier.CORE, Tier.POTENTIAL, Tier.BASIC)
TIERS: tuple[str, ...] = tuple(t.value for t in Tier)
FROM_ROWS: tuple[str, ...] = (*TIERS, NEW)
TO_COLUMNS: tuple[str, ...] = (*TIERS, GONE)
SHARE_PLACES = 4

MIGRATION_SCHEMA = pa.schema(
    [
        pa.field("scope", pa.string(), nullable=False),
        pa.field("scope_id", pa.string(), nullable=True),
        pa.field("from_tier", pa.string(), nullable=False),
        pa.field("to_tier", pa.string(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("share", pa.decimal128(5, SHARE_PLACES), nullable=True),
    ]
)

DEFINITIONS = {
    "matrix": "customers by (tier at from, tier at to); 'new': not yet a customer at from; "
    "'gone': a customer at from but not at to",
    "share": "count / the from row's total (gone included); none for an empty row",
    "sleeping_share": "sleeping customers / all customers at that date",
    "wake_up_rate": "sleeping at from and core, potential or basic at to / sleeping at from "
    "(other is not woken; a gone customer is not woken)",
    "left_sleeping_rate": "sleeping at from and any tier but sleeping at to / sleeping at from",
    "rm": "the RM in charge at to (a gone customer: at from); no id: unassigned",
    "branch": "the customer's home branch (unit_id)",
    "rounding": "half up to 4 places",
}


class Scope(StrEnum):
    BANK = "bank"
    RM = "rm"
    BRANCH = "branch"


# The column of the joined table that names each scope's members (the bank has none).
_SCOPE_COLUMN: dict[Scope, str | None] = {
    Scope.BANK: None,
    Scope.RM: "rm_id",
    Scope.BRANCH: "unit_id",
}


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator rounded half up to 4 places, exactly; None when 0 / 0."""
    if denominator == 0:
        return None
    scale = 10**SHARE_PLACES
    # Half up for non-negative integers: floor((2·n·scale + d) / (2·d)).
    quotient = (2 * numerator * scale + denominator) // (2 * denominator)
    return Decimal(quotient).scaleb(-SHARE_PLACES)


@dataclass(frozen=True)
class MigrationCell:
    """One cell of a scope's matrix."""

    scope: Scope
    scope_id: str | None
    from_tier: str
    to_tier: str
    count: int
    share: Decimal | None


@dataclass(frozen=True)
class ScopeSummary:
    """Sleeping shares and wake-up rates of one scope (the bank, an RM or a branch)."""

    scope: Scope
    scope_id: str | None
    customers_from: int
    customers_to: int
    new: int
    gone: int
    sleeping_from: int
    sleeping_to: int
    woken: int
    left_sleeping: int

    @property
    def sleeping_share_from(self) -> Decimal | None:
        return ratio(self.sleeping_from, self.customers_from)

    @property
    def sleeping_share_to(self) -> Decimal | None:
        return ratio(self.sleeping_to, self.customers_to)

    @property
    def wake_up_rate(self) -> Decimal | None:
        return ratio(self.woken, self.sleeping_from)

    @property
    def left_sleeping_rate(self) -> Decimal | None:
        return ratio(self.left_sleeping, self.sleeping_from)

    def as_json(self) -> dict[str, Any]:
        """Counts as numbers, shares and rates as exact decimal strings (or null)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "scope": self.scope.value,
            "scope_id": self.scope_id,
            "customers_from": self.customers_from,
            "customers_to": self.customers_to,
            "new": self.new,
            "gone": self.gone,
            "sleeping_from": self.sleeping_from,
            "sleeping_to": self.sleeping_to,
            "sleeping_share_from": text(self.sleeping_share_from),
            "sleeping_share_to": text(self.sleeping_share_to),
            "woken": self.woken,
            "wake_up_rate": text(self.wake_up_rate),
            "left_sleeping": self.left_sleeping,
            "left_sleeping_rate": text(self.left_sleeping_rate),
        }


@dataclass(frozen=True)
class MigrationReport:
    """The matrix of every scope (bank first, then RMs, then branches) and their summaries."""

    date_from: dt.date
    date_to: dt.date
    cells: tuple[MigrationCell, ...]
    summaries: tuple[ScopeSummary, ...]

    def summary(self, scope: Scope = Scope.BANK, scope_id: str | None = None) -> ScopeSummary:
        for s in self.summaries:
            if s.scope == scope and s.scope_id == scope_id:
                return s
        raise KeyError(f"no {scope} scope {scope_id!r}")

    def matrix(
        self, scope: Scope = Scope.BANK, scope_id: str | None = None
    ) -> dict[tuple[str, str], int]:
        """(from_tier, to_tier) → count for one scope."""
        return {
            (c.from_tier, c.to_tier): c.count
            for c in self.cells
            if c.scope == scope and c.scope_id == scope_id
        }

    def table(self) -> pa.Table:
        """The long table: scope, scope_id, from_tier, to_tier, count, share."""
        return pa.Table.from_pylist(
            [
                {
                    "scope": c.scope.value,
                    "scope_id": c.scope_id,
                    "from_tier": c.from_tier,
                    "to_tier": c.to_tier,
                    "count": c.count,
                    "share": c.share,
                }
                for c in self.cells
            ],
            schema=MIGRATION_SCHEMA,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "definitions": DEFINITIONS,
            "scopes": [s.as_json() for s in self.summaries],
        }


def segment_migration(
    lake: Lake,
    *,
    date_from: dt.date,
    date_to: dt.date,
    policy: SegmentationPolicy,
    backend: BackendName = "duckdb",
) -> MigrationReport:
    """Segment the lake at both dates with one policy and compare the tiers."""
    if date_from >= date_to:
        raise ValueError(f"--from ({date_from}) must be before --to ({date_to})")
    # R/F/M and tier only: the matrix needs no tags, and they cost a pass over more tables.
    before = segment(lake, as_of=date_from, policy=policy, backend=backend, with_tags=False)
    after = segment(lake, as_of=date_to, policy=policy, backend=backend, with_tags=False)
    return migration_report(before, after, date_from=date_from, date_to=date_to)


def migration_report(
    before: pa.Table, after: pa.Table, *, date_from: dt.date, date_to: dt.date
) -> MigrationReport:
    """The report from two segment tables (only customer_id, unit_id, rm_id, tier are read)."""
    joined = _join(before, after)
    cells: list[MigrationCell] = []
    summaries: list[ScopeSummary] = []
    for scope, column in _SCOPE_COLUMN.items():
        counts = _count(joined, column)
        for scope_id in _scope_ids(counts, bank=column is None):
            grid = counts[scope_id]
            cells.extend(_cells(scope, scope_id, grid))
            summaries.append(_summary(scope, scope_id, grid))
    return MigrationReport(date_from, date_to, tuple(cells), tuple(summaries))


def _join(before: pa.Table, after: pa.Table) -> pa.Table:
    cols = ["customer_id", "unit_id", "rm_id", "tier"]
    left = before.select(cols).rename_columns(["customer_id", "unit_from", "rm_from", "tier_from"])
    right = after.select(cols).rename_columns(["customer_id", "unit_to", "rm_to", "tier_to"])
    for table in (left, right):
        unknown = set(table.column(3).unique().to_pylist()) - set(TIERS)
        if unknown:
            raise ValueError(f"unknown tier(s) {sorted(map(str, unknown))}")
    joined = left.join(right, "customer_id", join_type="full outer")
    gone = pc.is_null(joined["tier_to"])
    # Who is in charge, and where: as at `to`, or as at `from` for a customer gone by then.
    return pa.table(
        {
            "from_tier": pc.fill_null(joined["tier_from"], NEW),
            "to_tier": pc.fill_null(joined["tier_to"], GONE),
            "rm_id": pc.if_else(gone, joined["rm_from"], joined["rm_to"]),
            "unit_id": pc.if_else(gone, joined["unit_from"], joined["unit_to"]),
        }
    )


Grid = dict[tuple[str, str], int]


def _count(joined: pa.Table, column: str | None) -> dict[str | None, Grid]:
    keys = ["from_tier", "to_tier"] if column is None else [column, "from_tier", "to_tier"]
    grouped = joined.group_by(keys).aggregate([([], "count_all")])
    counts: dict[str | None, Grid] = defaultdict(dict)
    for row in grouped.to_pylist():
        scope_id = None if column is None else row[column]
        counts[scope_id][(row["from_tier"], row["to_tier"])] = row["count_all"]
    return counts


def _scope_ids(counts: dict[str | None, Grid], *, bank: bool) -> Iterator[str | None]:
    if bank:
        yield None
        return
    ids = sorted(k for k in counts if k is not None)
    yield from ids
    if None in counts:
        yield None


def _cells(scope: Scope, scope_id: str | None, grid: Grid) -> Iterable[MigrationCell]:
    for f in FROM_ROWS:
        columns = [t for t in TO_COLUMNS if not (f == NEW and t == GONE)]
        total = sum(grid.get((f, t), 0) for t in columns)
        for t in columns:
            n = grid.get((f, t), 0)
            yield MigrationCell(scope, scope_id, f, t, n, ratio(n, total))


def _summary(scope: Scope, scope_id: str | None, grid: Grid) -> ScopeSummary:
    def total(cells: Iterable[tuple[str, str]]) -> int:
        return sum(grid.get(c, 0) for c in cells)

    sleeping = Tier.SLEEPING.value
    return ScopeSummary(
        scope=scope,
        scope_id=scope_id,
        customers_from=total((f, t) for f in TIERS for t in TO_COLUMNS),
        customers_to=total((f, t) for f in FROM_ROWS for t in TIERS),
        new=total((NEW, t) for t in TIERS),
        gone=total((f, GONE) for f in TIERS),
        sleeping_from=total((sleeping, t) for t in TO_COLUMNS),
        sleeping_to=total((f, sleeping) for f in FROM_ROWS),
        woken=total((sleeping, t.value) for t in ACTIVE_TIERS),
        left_sleeping=total((sleeping, t) for t in TIERS if t != sleeping),
    )


__all__ = [
    "ACTIVE_TIERS",
    "GONE",
    "MIGRATION_SCHEMA",
    "NEW",
    "MigrationCell",
    "MigrationReport",
    "Scope",
    "ScopeSummary",
    "migration_report",
    "ratio",
    "segment_migration",
]
