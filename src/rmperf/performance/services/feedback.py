"""360 feedback recorded outside the lake, written: the entry point through which the
`feedback` app (above performance in the layers) pushes a closed round's results into
scoring. Performance never imports the app; the app calls this service.

A source's entries are replaced whole (a round closed again, or re-opened and closed,
gives its final rows); the rows are dated (the round's closing day) and a run hands
those dated in its period to the engine beside the lake's `feedback` rows
(`performance.selectors.feedback_feed`). A period that is closed never sees its inputs
change: a write touching a date of a closed period is refused (reopen it first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.contract import FEEDBACK_KINDS
from rmperf.org.models import Staff
from rmperf.performance.models import FeedbackEntry, PerfPeriod, PeriodStatus
from rmperf.performance.services.periods import PerformanceError


@dataclass(frozen=True)
class FeedbackInput:
    """One row to record: the person rated, the kind (a lake `feedback.kind`), the date
    and the score 0–100 (at most 2 decimals)."""

    staff_id: str
    kind: str
    date: dt.date
    score: Decimal


def _check(rows: Sequence[FeedbackInput]) -> None:
    known = set(
        Staff.objects.filter(staff_id__in={r.staff_id for r in rows}).values_list(
            "staff_id", flat=True
        )
    )
    for r in rows:
        if r.staff_id not in known:
            raise PerformanceError(_("Unknown staff member %(id)s.") % {"id": r.staff_id})
        if r.kind not in FEEDBACK_KINDS or r.kind == "nps":
            raise PerformanceError(_("Unknown feedback kind %(kind)s.") % {"kind": r.kind})
        if not Decimal(0) <= r.score <= Decimal(100) or r.score != r.score.quantize(
            Decimal("0.01")
        ):
            raise PerformanceError(
                _("A feedback score is between 0 and 100 with at most 2 decimals: %(s)s.")
                % {"s": r.score}
            )


def _refuse_closed_dates(dates: set[dt.date]) -> None:
    for period in PerfPeriod.objects.filter(status=PeriodStatus.CLOSED):
        if any(period.start <= d <= period.end for d in dates):
            raise PerformanceError(
                _("Period %(key)s is closed: its results can no longer change.")
                % {"key": period.key}
            )


def feedback_entries_replace(
    *, actor: Actor, source: str, rows: Sequence[FeedbackInput], on: dt.date | None = None
) -> int:
    """Replace the entries of `source` by `rows`, audited; returns how many were kept.

    Runs in the caller's transaction when there is one (the feedback app closes a round
    and records its rows atomically), else in its own. Refused, with nothing written,
    for an unknown person or kind, a score outside 0–100, or a date (old or new) in a
    closed period; `on` names the date the source is for, checked too (a source with
    no row to record is still refused in a closed period).
    """
    source = source.strip()
    if not source:
        raise PerformanceError(_("A feedback source needs a name."))
    _check(rows)
    with transaction.atomic():
        old = list(FeedbackEntry.objects.select_for_update().filter(source=source))
        dates = {e.date for e in old} | {r.date for r in rows} | ({on} if on else set())
        _refuse_closed_dates(dates)
        now = timezone.now()
        FeedbackEntry.objects.filter(pk__in=[e.pk for e in old]).delete()
        FeedbackEntry.objects.bulk_create(
            FeedbackEntry(
                source=source,
                staff_id=r.staff_id,
                kind=r.kind,
                date=r.date,
                score=r.score,
                recorded_at=now,
            )
            for r in rows
        )
        audit_record(
            actor=actor,
            verb="performance.feedback.replace",
            object_type="performance.feedback",
            object_id=source,
            before={"entries": len(old)},
            after={"entries": len(rows), "staff": sorted({r.staff_id for r in rows})},
        )
    return len(rows)
