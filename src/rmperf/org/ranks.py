"""An RM's rank in a quarter, where an app above org changes it.

The staff record keeps the lake's one rank per person (DOMAIN §6.7). An app that changes
ranks from a quarter on (careers: a confirmed promotion takes effect from the next
quarter) registers a source here at start-up, so an app beside it (pay: the base follows
the rank) reads the quarter's rank without importing it: siblings never import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rmperf.org.models import Staff

#: (staff, quarter key) → staff_id → the rank in that quarter, for those whose rank differs
#: from the staff record's.
RankSource = Callable[[Sequence[Staff], str], Mapping[str, str]]

_SOURCES: list[RankSource] = []


def register_rank_source(source: RankSource) -> None:
    """Add a source (once; an app's ready() may run more than once in tests)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def ranks_in_quarter(*, staff: Sequence[Staff], key: str) -> dict[str, str]:
    """staff_id → rank in quarter `key` for the staff whose rank a source changes; the
    others keep the staff record's rank (absent here). A later source wins."""
    out: dict[str, str] = {}
    for source in _SOURCES:
        out.update(source(staff, key))
    return out
