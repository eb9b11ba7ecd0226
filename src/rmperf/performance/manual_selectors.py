"""Manual (qualitative) scores, read: what a run feeds the engine, and what a page shows.

An RM's manual score for a key (e.g. `self_review`, the 述职 panel) is the mean of the
scores their reviewers gave, rounded half up to 2 places (Decimal). The run hands these
to the engine as the CSV `staff_id,key,score,period` through the engine's own
`parse_manual_scores`, exactly as `rmperf score --manual FILE` reads a file. A key
nobody scored is absent: the card's line is then undefined (`when_undefined`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.engine.scoring.load import Cards, parse_manual_scores
from rmperf.engine.scoring.policy import ManualLine
from rmperf.engine.scoring.score import ManualScores
from rmperf.engine.scoring.targets import round_half_up
from rmperf.org.models import Staff
from rmperf.performance.models import (
    ManualKind,
    ManualPanelScore,
    ManualReviewer,
    ManualScore,
    PerfPeriod,
    manual_kind,
)
from rmperf.performance.selectors import scorecards_current, staff_visible

CENT = Decimal("0.01")

#: Which roles may sit on which kind of manual key.
REVIEWER_ROLES: dict[ManualKind, frozenset[str]] = {
    ManualKind.PANEL: frozenset({"team_leader", "branch_manager", "hr"}),
    ManualKind.PEER: frozenset({"rm", "team_leader"}),
    ManualKind.RISK: frozenset({"risk_officer"}),
}


def manual_mean(scores: Sequence[Decimal]) -> Decimal:
    """The panel's score: Σ scores ÷ reviewers, rounded half up to 2 places."""
    return round_half_up(sum(scores, Decimal(0)) / len(scores), CENT)


#: The reviewer column of a panel's score (ManualPanelScore) in the canonical rows; no
#: staff id starts with "#".
PANEL_ROW = "#panel"


def manual_rows(
    entries: Iterable[ManualScore], panels: Iterable[ManualPanelScore] = ()
) -> list[list[str]]:
    """The entries in canonical form, sorted: [staff_id, key, reviewer_id, score]; a
    panel's score (reviews app) is a row whose reviewer is `PANEL_ROW`."""
    rows = [[e.staff_id, e.key, e.reviewer_id, f"{Decimal(e.score):.2f}"] for e in entries]
    rows += [[p.staff_id, p.key, PANEL_ROW, f"{Decimal(p.score):.2f}"] for p in panels]
    return sorted(rows)


def manual_rows_digest(rows: Sequence[Sequence[str]]) -> str:
    """SHA-256 of the canonical entries; empty when there are none (a period without
    manual scores keeps the digests it had before manual scores existed)."""
    if not rows:
        return ""
    text = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def period_manual_rows(period: PerfPeriod | None) -> list[list[str]]:
    if period is None:
        return []
    return manual_rows(
        ManualScore.objects.filter(period=period), ManualPanelScore.objects.filter(period=period)
    )


@dataclass(frozen=True)
class ManualFeed:
    """The manual scores a run gives the engine, the CSV they were read from, and the
    digest of the individual entries behind them."""

    scores: ManualScores
    csv: str
    digest: str
    entries: int


def manual_csv(rows: Sequence[Sequence[str]], period_key: str) -> str:
    """The means per RM and key as the CSV `rmperf score --manual` reads; a panel's
    score (a `PANEL_ROW` row) replaces the mean of the seats' scores for its key."""
    groups: dict[tuple[str, str], list[Decimal]] = {}
    panels: dict[tuple[str, str], Decimal] = {}
    for staff_id, key, reviewer, text in rows:
        if reviewer == PANEL_ROW:
            panels[(staff_id, key)] = Decimal(text)
        else:
            groups.setdefault((staff_id, key), []).append(Decimal(text))
    for group, score in panels.items():
        groups[group] = [score]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["staff_id", "key", "score", "period"])
    for (staff_id, key), scores in sorted(groups.items()):
        writer.writerow([staff_id, key, f"{manual_mean(scores):.2f}", period_key])
    return out.getvalue()


def manual_feed(*, period_key: str) -> ManualFeed:
    """The period's manual scores for a run (none while the period is not open)."""
    period = PerfPeriod.objects.filter(key=period_key).first()
    rows = period_manual_rows(period)
    text = manual_csv(rows, period_key)
    scores = parse_manual_scores(text, source=f"manual scores {period_key}", period=period_key)
    return ManualFeed(scores=scores, csv=text, digest=manual_rows_digest(rows), entries=len(rows))


def card_manual_keys(cards: Cards) -> dict[str, ManualKind]:
    """Every manual key the cards read (lines and bonus/deduction items) and who scores it."""
    keys: dict[str, ManualKind] = {}
    for loaded in cards.values():
        for line in loaded.policy.lines:
            if isinstance(line, ManualLine):
                keys[line.manual] = manual_kind(line.manual)
        for adj in loaded.policy.adjustments:
            if adj.manual is not None:
                keys[adj.manual] = manual_kind(adj.manual)
    return dict(sorted(keys.items()))


# --- pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    """One reviewer's score as the reader may see it: `reviewer` is None when it is
    anonymous to the reader (peers' scores, read by the RM)."""

    reviewer: Staff | None
    score: Decimal
    comment: str
    at: Any


@dataclass
class KeyView:
    """One manual key of one RM: its reviewers' scores, their mean, and whether the
    reader sits on it (may score)."""

    key: str
    kind: ManualKind
    entries: list[EntryView] = field(default_factory=list)
    reviewers: list[Staff] = field(default_factory=list)
    mean: Decimal | None = None
    my_score: ManualScore | None = None
    may_score: bool = False
    #: The 述职 panel's score that replaces the mean (reviews app), with its link.
    panel: ManualPanelScore | None = None

    @property
    def kind_label(self) -> str:
        return str(ManualKind(self.kind).label)


def manual_views(
    *, actor: Actor, period: PerfPeriod | None, staff: Staff, keys: dict[str, ManualKind]
) -> list[KeyView]:
    """The manual keys of one RM as `actor` may read them.

    The RM reads the scores given to them only once the period is computed, and peers'
    scores without names and in score order; reviewers read their own scores; managers
    and HR everything in scope. `may_score`: the actor has a seat for the key (or is the
    RM's branch manager, on the panel by right)."""
    scope = scope_of(actor)
    views = {key: KeyView(key=key, kind=kind) for key, kind in keys.items()}
    if period is None or scope is None:
        return list(views.values())
    is_rm = scope.staff_id == staff.staff_id
    entries = (
        ManualScore.objects.restrict(actor, Action.VIEW)
        .filter(period=period, staff=staff, key__in=list(keys))
        .select_related("reviewer")
        .order_by("key", "reviewer_id")
    )
    for e in entries:
        view = views[e.key]
        anonymous = is_rm and e.kind == ManualKind.PEER
        view.entries.append(
            EntryView(
                reviewer=None if anonymous else e.reviewer,
                score=e.score,
                comment=e.comment,
                at=None if anonymous else e.entered_at,
            )
        )
        if e.reviewer_id == scope.staff_id:
            view.my_score = e
    seats = (
        ManualReviewer.objects.restrict(actor, Action.VIEW)
        .filter(period=period, staff=staff, key__in=list(keys))
        .select_related("reviewer")
        .order_by("reviewer_id")
    )
    for seat in seats:
        if not is_rm:
            views[seat.key].reviewers.append(seat.reviewer)
        if seat.reviewer_id == scope.staff_id:
            views[seat.key].may_score = True
    by_right = (
        scope.role == "branch_manager"
        and not is_rm
        and Staff.objects.restrict(actor, Action.VIEW).filter(pk=staff.pk).exists()
    )
    panels = ManualPanelScore.objects.restrict(actor, Action.VIEW).filter(
        period=period, staff=staff, key__in=list(keys)
    )
    for panel in panels:
        views[panel.key].panel = panel
    for view in views.values():
        if view.entries:
            view.mean = manual_mean([e.score for e in view.entries])
        if view.panel is not None:
            view.mean = view.panel.score
        if is_rm:
            # Anonymous scores are listed by score, not in the order they were given.
            view.entries.sort(key=lambda e: (e.reviewer is not None, e.score))
        if by_right and view.kind == ManualKind.PANEL and not period.is_closed:
            view.may_score = True
        if period.is_closed or is_rm:
            view.may_score = False
    return list(views.values())


def may_appoint(*, actor: Actor, staff: Staff) -> bool:
    """HR and superusers appoint reviewers bank-wide; a branch manager for their RMs."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    if scope.superuser or scope.role == "hr":
        return True
    return (
        scope.role == "branch_manager"
        and Staff.objects.restrict(actor, Action.VIEW).filter(pk=staff.pk).exists()
    )


def reviewer_candidates(*, actor: Actor, staff: Staff, kind: ManualKind) -> list[Staff]:
    """The staff in the actor's scope who may sit on the key (never the RM themself)."""
    return list(
        Staff.objects.restrict(actor, Action.VIEW)
        .filter(role__in=sorted(REVIEWER_ROLES[kind]))
        .exclude(pk=staff.pk)
        .order_by("role", "staff_id")[:200]
    )


def manual_assigned_to_me(*, actor: Actor, period: PerfPeriod) -> list[ManualReviewer]:
    """The seats the actor holds in the period (what they still have to score)."""
    scope = scope_of(actor)
    if scope is None or scope.staff_id is None:
        return []
    return list(
        ManualReviewer.objects.restrict(actor, Action.VIEW)
        .filter(period=period, reviewer_id=scope.staff_id)
        .select_related("staff")
        .order_by("staff_id", "key")
    )


def manual_keys_current() -> dict[str, ManualKind]:
    """The manual keys of the current scorecards (what can be scored now)."""
    return card_manual_keys(scorecards_current())


def manual_page_staff(*, actor: Actor, period: PerfPeriod | None, staff_id: str) -> Staff:
    """The RM whose manual scores the actor may open: one whose scorecard they read
    (themself, their subtree, HR), or one they hold a reviewer's seat for; else 404."""
    try:
        return staff_visible(actor=actor, staff_id=staff_id)
    except Http404:
        pass
    scope = scope_of(actor)
    if period is None or scope is None or not scope.staff_id:
        raise Http404
    seat = (
        ManualReviewer.objects.restrict(actor, Action.VIEW)
        .filter(period=period, staff_id=staff_id, reviewer_id=scope.staff_id)
        .select_related("staff", "staff__unit")
        .first()
    )
    if seat is None:
        raise Http404
    staff: Staff = seat.staff
    return staff
