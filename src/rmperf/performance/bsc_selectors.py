"""The balanced-scorecard page (DOMAIN §5): per RM, team or branch, the four perspectives
(financial, customer, process, learning and growth) with their points, the trend over the
last four scored quarters, and the lines behind each perspective. Reads only, through
restrict().

A line's perspective: the card's `perspectives` entry, else the indicator's, else a
manual line's category (engine `scoring/bsc.py`), with the cards the result's run used.
For one RM, a perspective's points are the sum of its lines' points and its weight the
sum of their effective weights (the lines left out count in neither). For a team or a
branch, both are the averages over the RMs with a result in that quarter, so they read
like one card of 100 points.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, scope_of, staff_of
from rmperf.core.actors import Actor
from rmperf.engine.scoring.bsc import PERSPECTIVES, line_perspective
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.policy import Scorecard
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import (
    MANAGER_ROLES,
    LineResult,
    PerfPeriod,
    PeriodKind,
    RmResult,
    ScoringRun,
)
from rmperf.performance.selectors import _name, run_cards

#: How many quarters the trend shows.
TREND_QUARTERS = 4
CENT = Decimal("0.01")
LABELS = {
    "financial": _("Financial"),
    "customer": _("Customer"),
    "process": _("Internal process"),
    "learning": _("Learning and growth"),
}


@dataclass
class Cell:
    """One perspective in one quarter: points earned of the weight it carries."""

    points: Decimal = Decimal(0)
    weight: Decimal = Decimal(0)

    @property
    def share(self) -> Decimal | None:
        return (self.points / self.weight).quantize(Decimal("0.0001")) if self.weight else None


@dataclass(frozen=True)
class DrillLine:
    """A line of the latest quarter in a perspective, linking to its explanation."""

    period_key: str
    staff_id: str
    staff_name: str
    line: str
    indicator: str
    name: str
    value: Decimal | None
    points: Decimal | None
    effective_weight: Decimal | None
    used: bool


@dataclass
class PerspectiveRow:
    key: str
    label: str
    cells: list[Cell | None] = field(default_factory=list)  # per quarter, None: no result
    lines: list[DrillLine] = field(default_factory=list)  # the latest quarter's


@dataclass
class MemberRow:
    """For a team or branch: one RM's points per perspective in the latest quarter."""

    staff: Staff
    cells: list[Cell]
    total: Decimal | None


@dataclass
class BscView:
    title: str
    quarters: list[str]
    rows: list[PerspectiveRow]
    members: list[MemberRow]
    rm_count: list[int]  # RMs with a result, per quarter


def _quarters() -> list[PerfPeriod]:
    """The last TREND_QUARTERS quarters that were computed, oldest first."""
    periods = (
        PerfPeriod.objects.filter(kind=PeriodKind.QUARTER, results__isnull=False)
        .distinct()
        .order_by("-start")[:TREND_QUARTERS]
    )
    return sorted(periods, key=lambda p: p.start)


def _cards(run_ids: set[int]) -> dict[int, dict[str, Scorecard] | None]:
    return {run.pk: run_cards(run) for run in ScoringRun.objects.filter(pk__in=run_ids)}


def _build(
    *, actor: Actor, results: list[RmResult], title: str, language: str, per_member: bool
) -> BscView:
    periods = _quarters()
    keys = [p.key for p in periods]
    library = default_library()
    wanted = [r for r in results if r.period.key in keys]
    cards = _cards({r.run_id for r in wanted if r.run_id is not None})
    lines = (
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result__in=[r.pk for r in wanted])
        .order_by("result_id", "position")
    )
    by_result: dict[int, list[LineResult]] = defaultdict(list)
    for ln in lines:
        by_result[ln.result_id].append(ln)
    # (staff_id, quarter index) → perspective → cell
    per_rm: dict[tuple[str, int], dict[str, Cell]] = {}
    latest = len(keys) - 1
    drill: dict[str, list[DrillLine]] = defaultdict(list)
    for r in wanted:
        q = keys.index(r.period.key)
        run_card = (cards.get(r.run_id) or {}) if r.run_id is not None else {}
        card = run_card.get(r.scorecard) if run_card else None
        cells = per_rm.setdefault((r.staff_id, q), {k: Cell() for k in PERSPECTIVES})
        for ln in by_result[r.pk]:
            perspective = line_perspective(card, ln.line, ln.indicator, library)
            if ln.used:
                cells[perspective].points += ln.points or Decimal(0)
                cells[perspective].weight += ln.effective_weight or Decimal(0)
            if q == latest:
                drill[perspective].append(
                    DrillLine(
                        period_key=r.period.key,
                        staff_id=r.staff_id,
                        staff_name=r.staff.name,
                        line=ln.line,
                        indicator=ln.indicator,
                        name=_name(ln.indicator, language)[0],
                        value=ln.value,
                        points=ln.points,
                        effective_weight=ln.effective_weight,
                        used=ln.used,
                    )
                )
    rows = []
    counts = [sum(1 for (_s, q) in per_rm if q == i) for i in range(len(keys))]
    for key in PERSPECTIVES:
        row = PerspectiveRow(key=key, label=str(LABELS[key]), lines=drill.get(key, []))
        for i in range(len(keys)):
            found = [cells[key] for (_s, q), cells in per_rm.items() if q == i]
            if not found:
                row.cells.append(None)
                continue
            n = Decimal(len(found))
            row.cells.append(
                Cell(
                    points=(sum((c.points for c in found), Decimal(0)) / n).quantize(
                        CENT, rounding=ROUND_HALF_UP
                    ),
                    weight=(sum((c.weight for c in found), Decimal(0)) / n).quantize(
                        CENT, rounding=ROUND_HALF_UP
                    ),
                )
            )
        rows.append(row)
    members: list[MemberRow] = []
    if per_member and keys:
        latest_results = {r.staff_id: r for r in wanted if r.period.key == keys[latest]}
        for staff_id in sorted(latest_results):
            r = latest_results[staff_id]
            cells_now = per_rm.get((staff_id, latest), {})
            members.append(
                MemberRow(
                    staff=r.staff,
                    cells=[cells_now.get(k, Cell()) for k in PERSPECTIVES],
                    total=r.calibrated_total if r.calibrated_total is not None else r.total,
                )
            )
    return BscView(title=title, quarters=keys, rows=rows, members=members, rm_count=counts)


def bsc_staff(*, actor: Actor, staff: Staff, language: str) -> BscView:
    """One RM's balanced scorecard (the caller has passed `staff_visible`)."""
    results = list(
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(staff=staff, period__kind=PeriodKind.QUARTER)
        .select_related("period", "staff")
    )
    return _build(
        actor=actor, results=results, title=staff.name, language=language, per_member=False
    )


def bsc_unit_visible(*, actor: Actor, unit_id: str) -> OrgUnit:
    """A team, branch or region in the actor's scope: managers their subtree, HR and
    auditors the bank; anyone else (RMs, tellers …) 404."""
    scope = scope_of(actor)
    if scope is None:
        raise Http404
    if not (scope.superuser or scope.everything or scope.role in MANAGER_ROLES):
        raise Http404
    unit: OrgUnit | None = (
        OrgUnit.objects.restrict(actor, Action.VIEW).filter(unit_id=unit_id).first()
    )
    if unit is None:
        raise Http404
    return unit


def bsc_unit(*, actor: Actor, unit: OrgUnit, language: str) -> BscView:
    """A team's or branch's balanced scorecard: the averages over its RMs, and each RM."""
    results = list(
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(period__kind=PeriodKind.QUARTER, staff__unit__path__startswith=unit.path)
        .select_related("period", "staff")
    )
    return _build(actor=actor, results=results, title=unit.name, language=language, per_member=True)


def bsc_my_unit(*, actor: Actor) -> OrgUnit:
    """The unit of the signed-in manager (for the desk's link); 404 for anyone else."""
    staff = staff_of(actor)
    if staff is None:
        raise Http404
    return bsc_unit_visible(actor=actor, unit_id=staff.unit_id)
