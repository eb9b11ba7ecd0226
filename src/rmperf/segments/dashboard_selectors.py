"""The contribution dashboard over a manager's scope, kept per (run, scope, language).

A branch's dashboard aggregates every customer segment of the branch (tens of
thousands of rows: the most expensive page a manager opens, bench/load.md). A finished
segmentation run never changes, and what an actor sees of it depends only on their
scope, so everybody with the same scope at the same run shares one computation for
`DASHBOARD_SECONDS`; a new run has a new key. The language is in the key because the
tier and category labels are translated when computed.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils.translation import get_language

from rmperf.core.access import scope_of
from rmperf.core.actors import Actor
from rmperf.segments.models import SegmentRun
from rmperf.segments.selectors import BookStats, RmRow, book_by_rm, book_rows, book_stats

DASHBOARD_SECONDS = 300


def scope_dashboard(*, actor: Actor, run: SegmentRun | None) -> tuple[BookStats, list[RmRow]]:
    """The scope's book statistics and its rows per RM at `run`."""
    scope = scope_of(actor)
    if run is None or scope is None:
        return book_stats(book_rows(actor=actor, run=run)), book_by_rm(actor=actor, run=run)
    scope_key = hashlib.sha256(repr(scope).encode()).hexdigest()[:24]
    key = f"segments:dashboard:{run.pk}:{scope_key}:{get_language()}"
    cached: tuple[BookStats, list[RmRow]] | None = cache.get(key)
    if cached is None:
        cached = (book_stats(book_rows(actor=actor, run=run)), book_by_rm(actor=actor, run=run))
        cache.set(key, cached, DASHBOARD_SECONDS)
    return cached
