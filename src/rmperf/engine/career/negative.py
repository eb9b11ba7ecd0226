"""The negative list (负面清单, DOMAIN §6) and its recovery share.

An RM is listed for quarter Q when, in Q and in the quarter before, their quarterly total
is the lowest among the RMs on the same scorecard in the same branch (ties all count).
"Lowest among" needs a comparison: a (branch, scorecard) group with fewer than
`min_peers` RMs (default 2) in a quarter has no lowest, so a sole RM is never listed.
An RM without a branch has no peers either. Totals are compared exactly as given.

Recovery: a listing in Q is recovered when one of the `recovery_quarters` quarters after
Q (default 2) lists the RM no more; it is pending while those quarters are not all known.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.career.inputs import QuarterTotal
from rmperf.engine.career.policy import NegativeListRules
from rmperf.engine.periods import Period, PeriodKind


@dataclass(frozen=True)
class NegativeRow:
    """One RM scored in the quarter: their totals and whether they are listed."""

    staff_id: str
    branch: str | None
    scorecard: str
    period: str
    previous_period: str
    total: Decimal
    previous_total: Decimal | None
    listed: bool


def quarter(text: str) -> Period:
    """`2026Q3` as a Period; anything but a quarter is a ValueError."""
    p = Period.parse(text)
    if p.kind is not PeriodKind.QUARTER:
        raise ValueError(f"{text!r} is not a quarter (use 2026Q3)")
    return p


def lowest_in_groups(
    totals: Iterable[QuarterTotal], *, branches: Mapping[str, str | None], min_peers: int
) -> set[str]:
    """The staff_ids whose total is the lowest of their (branch, scorecard) group."""
    groups: dict[tuple[str, str], list[QuarterTotal]] = defaultdict(list)
    for t in totals:
        branch = branches.get(t.staff_id)
        if branch is not None:
            groups[(branch, t.scorecard)].append(t)
    lowest: set[str] = set()
    for members in groups.values():
        if len(members) < max(min_peers, 2):
            continue
        floor = min(m.total for m in members)
        lowest.update(m.staff_id for m in members if m.total == floor)
    return lowest


def negative_list(
    totals: Sequence[QuarterTotal],
    *,
    period: Period,
    branches: Mapping[str, str | None],
    rules: NegativeListRules,
) -> list[NegativeRow]:
    """One row per RM with a total in `period`; `listed` per the module's rule.

    `totals` may hold other quarters too: only `period` and the one before are read.
    """
    prev = period.previous()
    now = [t for t in totals if t.period == period.key]
    before = {t.staff_id: t for t in totals if t.period == prev.key}
    low_now = lowest_in_groups(now, branches=branches, min_peers=rules.min_peers)
    low_before = lowest_in_groups(before.values(), branches=branches, min_peers=rules.min_peers)
    rows = [
        NegativeRow(
            staff_id=t.staff_id,
            branch=branches.get(t.staff_id),
            scorecard=t.scorecard,
            period=period.key,
            previous_period=prev.key,
            total=t.total,
            previous_total=before[t.staff_id].total if t.staff_id in before else None,
            listed=t.staff_id in low_now and t.staff_id in low_before,
        )
        for t in now
    ]
    return sorted(rows, key=lambda r: (r.branch or "", r.scorecard, r.staff_id))


class Recovery(StrEnum):
    """What became of a listing."""

    RECOVERED = "recovered"
    NOT_RECOVERED = "not_recovered"
    PENDING = "pending"


def recovery_of(
    staff_id: str,
    listed_in: Period,
    *,
    listed: Mapping[str, set[str]],
    rules: NegativeListRules,
) -> Recovery:
    """A listing's recovery from `listed` (quarter key → staff listed; a key present = known)."""
    q = listed_in
    for _ in range(rules.recovery_quarters):
        q = Period.containing(q.end + dt.timedelta(days=1), PeriodKind.QUARTER)
        known = listed.get(q.key)
        if known is None:
            return Recovery.PENDING
        if staff_id not in known:
            return Recovery.RECOVERED
    return Recovery.NOT_RECOVERED


def recovery_share(
    listings: Iterable[tuple[str, str]],
    *,
    listed: Mapping[str, set[str]],
    rules: NegativeListRules,
) -> tuple[int, int, Decimal | None]:
    """(recovered, decided, share) over listings (staff_id, quarter key); pending left out.

    The share is exact (recovered ÷ decided); None when nothing is decided yet.
    """
    recovered = decided = 0
    for staff_id, key in listings:
        outcome = recovery_of(staff_id, quarter(key), listed=listed, rules=rules)
        if outcome is Recovery.PENDING:
            continue
        decided += 1
        recovered += outcome is Recovery.RECOVERED
    return recovered, decided, (Decimal(recovered) / Decimal(decided) if decided else None)


NEGATIVE_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("branch", pa.string()),
        ("scorecard", pa.string()),
        ("period", pa.string()),
        ("previous_period", pa.string()),
        ("total", pa.decimal128(18, 2)),
        ("previous_total", pa.decimal128(18, 2)),
        ("listed", pa.bool_()),
    ]
)


def negative_table(rows: Sequence[NegativeRow]) -> pa.Table:
    """The `rmperf negative-list --out` table (columns: docs/career.md)."""
    return table_from_rows(
        [
            {
                "staff_id": r.staff_id,
                "branch": r.branch,
                "scorecard": r.scorecard,
                "period": r.period,
                "previous_period": r.previous_period,
                "total": r.total,
                "previous_total": r.previous_total,
                "listed": r.listed,
            }
            for r in rows
        ],
        NEGATIVE_SCHEMA,
    )
