"""Goals reads (一人一表): the year's time-progress (序时进度) of every line of an RM's
sheet, a manager's team view, and a sheet's versions. Always through restrict().

Time-progress of the year, in **calendar days**: expected = days of the year elapsed by
the end of today ÷ days in the year (`Period.time_progress`, 4 places); completion =
the actual so far ÷ the annual target (4 places, half up). The actual so far is the
value of the year's latest stored result (period `2026`) when the year has been
computed; otherwise, for indicators that measure what happened in a period (`flow`),
the sum of the year's stored quarter values; otherwise (balances, rates, scores) it is
unknown until the year is computed. A line is *behind* when its completion is below
the expected share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.engine.periods import Period
from rmperf.engine.scoring.library import default_library
from rmperf.org.models import Staff
from rmperf.performance.models import (
    LineResult,
    SheetStatus,
    TargetSheet,
    TargetSheetVersion,
)
from rmperf.performance.selectors import _name

RATE = Decimal("0.0001")


@dataclass(frozen=True)
class YearProgress:
    """One line of a sheet against the year: target, actual so far, where it should be."""

    indicator: str
    name: str
    annual: Decimal
    weight: Decimal | None
    actual: Decimal | None
    actual_from: str  # "year" (the year's result), "quarters" (sum), "" (unknown)
    completion: Decimal | None
    expected: Decimal

    @property
    def behind(self) -> bool:
        return self.completion is not None and self.completion < self.expected


def _flow(indicator: str) -> bool:
    info = default_library().get(indicator)
    return info is not None and getattr(info, "aggregation", None) == "flow"


def year_progress(
    *, actor: Actor, sheets: list[TargetSheet], year: int, today: dt.date, language: str
) -> dict[int, list[YearProgress]]:
    """序时进度 of the year for each sheet's lines (keyed by sheet pk), in calendar days."""
    expected = Period.parse(str(year)).time_progress(today)
    staff_ids = [s.staff_id for s in sheets]
    year_values: dict[tuple[str, str], Decimal | None] = {}
    quarter_sums: dict[tuple[str, str], Decimal] = {}
    lines = (
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result__staff_id__in=staff_ids, result__period__start__year=year)
        .values_list("result__staff_id", "result__period__key", "indicator", "value")
    )
    for staff_id, key, indicator, value in lines:
        if key == str(year):
            year_values[(staff_id, indicator)] = value
        elif "Q" in key and value is not None:
            quarter_sums[(staff_id, indicator)] = (
                quarter_sums.get((staff_id, indicator), Decimal(0)) + value
            )
    out: dict[int, list[YearProgress]] = {}
    for sheet in sheets:
        rows = []
        for ln in sheet.lines.all():
            key = (sheet.staff_id, ln.indicator)
            actual: Decimal | None
            if key in year_values:
                actual, source = year_values[key], "year"
            elif key in quarter_sums and _flow(ln.indicator):
                actual, source = quarter_sums[key], "quarters"
            else:
                actual, source = None, ""
            completion = (
                (actual / ln.annual).quantize(RATE, rounding=ROUND_HALF_UP)
                if actual is not None and ln.annual
                else None
            )
            name, _unit, _p = _name(ln.indicator, language)
            rows.append(
                YearProgress(
                    indicator=ln.indicator,
                    name=name,
                    annual=ln.annual,
                    weight=ln.weight,
                    actual=actual,
                    actual_from=source,
                    completion=completion,
                    expected=expected,
                )
            )
        out[sheet.pk] = sorted(rows, key=lambda r: r.indicator)
    return out


def sheet_versions(*, actor: Actor, sheet: TargetSheet) -> QuerySet[TargetSheetVersion]:
    """Every step of the sheet, oldest first."""
    return (
        TargetSheetVersion.objects.restrict(actor, Action.VIEW)
        .filter(sheet=sheet)
        .select_related("by")
        .order_by("pk")
    )


@dataclass(frozen=True)
class TeamRow:
    """One RM of a manager's team view: their sheet (or none) and its lines' progress."""

    staff: Staff
    sheet: TargetSheet | None
    lines: list[YearProgress]

    @property
    def behind(self) -> int:
        return sum(1 for ln in self.lines if ln.behind)

    @property
    def waiting_for(self) -> str:
        """Who acts next: "rm", "approval", "second_approval" or ""."""
        if self.sheet is None or self.sheet.status == SheetStatus.APPROVED:
            return ""
        if self.sheet.status == SheetStatus.CHECKED:
            return "second_approval"
        return "approval" if self.sheet.rm_response else "rm"


def goals_team(*, actor: Actor, year: int, today: dt.date, language: str) -> list[TeamRow]:
    """The RMs in the actor's scope (a team leader's team, a branch manager's branch, HR
    the bank) with their sheet of `year` and each line's time-progress."""
    staff = list(
        Staff.objects.restrict(actor, Action.VIEW)
        .filter(role="rm")
        .select_related("unit")
        .order_by("unit__path", "staff_id")
    )
    sheets = {
        s.staff_id: s
        for s in TargetSheet.objects.restrict(actor, Action.VIEW)
        .filter(year=year, staff__in=staff)
        .prefetch_related("lines")
    }
    progress = year_progress(
        actor=actor, sheets=list(sheets.values()), year=year, today=today, language=language
    )
    return [
        TeamRow(
            staff=s,
            sheet=sheets.get(s.staff_id),
            lines=progress.get(sheets[s.staff_id].pk, []) if s.staff_id in sheets else [],
        )
        for s in staff
    ]
