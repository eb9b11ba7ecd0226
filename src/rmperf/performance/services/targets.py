"""Target sheets (一人一表): propose and approve an RM's annual targets, and the approved
sheets as the engine reads them.

Propose: the RM for themself, or a team leader / branch manager for an RM in their
subtree; approve: a branch manager over the RM, HR or a superuser, never the person who
proposed it (maker-checker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.audit import audit_record
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.targets import TargetRow, split_annual
from rmperf.engine.scoring.targets import TargetSheet as EngineSheet
from rmperf.org.models import Staff
from rmperf.performance.models import SheetStatus, TargetLine, TargetSheet
from rmperf.performance.services.periods import PerformanceError, actor_user, json_digest

#: Roles that approve target sheets (within scope; HR bank-wide).
APPROVE_ROLES = frozenset({"branch_manager", "hr"})
#: Roles that propose sheets for the RMs of their subtree.
PROPOSE_ROLES = frozenset({"team_leader", "branch_manager", "hr"})


def approved_targets(*, year: int) -> tuple[EngineSheet, str]:
    """The year's approved target sheets as the engine's sheet, and their digest."""
    rows: dict[tuple[str, str, int | None], TargetRow] = {}
    payload = []
    lines = (
        TargetLine.objects.filter(sheet__year=year, sheet__status=SheetStatus.APPROVED)
        .select_related("sheet")
        .order_by("sheet__staff_id", "indicator")
    )
    for ln in lines:
        staff_id = ln.sheet.staff_id
        rows[(staff_id, ln.indicator, year)] = TargetRow(
            staff_id=staff_id, indicator=ln.indicator, annual=ln.annual, quarters=ln.quarters,
            year=year,
        )  # fmt: skip
        payload.append(
            [staff_id, ln.indicator, f"{ln.annual:.2f}"] + [f"{q:.2f}" for q in ln.quarters]
        )
    return EngineSheet(rows, source=f"approved target sheets {year}"), json_digest(payload)


@dataclass(frozen=True)
class TargetInput:
    """One line of a proposed sheet: an indicator's annual target, quarters optional."""

    indicator: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal] | None = None


def _sheet_staff(actor: Any, staff_id: str, action: Action) -> Staff:
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW).filter(staff_id=staff_id, role="rm").first()
    )
    if staff is None:
        raise Http404
    scope = scope_of(actor)
    if scope is None:
        raise Http404
    if action is Action.ADD:
        own = scope.staff_id == staff_id
        if not (own or scope.superuser or (scope.role in PROPOSE_ROLES and not scope.read_only)):
            raise Http404
    elif not (scope.superuser or (scope.role in APPROVE_ROLES and not scope.read_only)):
        raise Http404
    return staff


def _sheet_state(sheet: TargetSheet) -> dict[str, Any]:
    return {
        "status": sheet.status,
        "lines": [
            [ln.indicator, ln.annual, *ln.quarters] for ln in sheet.lines.order_by("indicator")
        ],
    }


def target_sheet_propose(
    *,
    actor: Any,
    staff_id: str,
    year: int,
    lines: Sequence[TargetInput],
    note: str = "",
) -> TargetSheet:
    """Propose (or re-propose) an RM's annual sheet; a changed sheet needs approval again.
    Quarters not given are the annual figure split evenly (the fourth takes the
    remainder, engine `split_annual`); given quarters must add up to the annual figure."""
    staff = _sheet_staff(actor, staff_id, Action.ADD)
    library = default_library()
    if not lines:
        raise PerformanceError(_("A target sheet needs at least one line."))
    seen: set[str] = set()
    clean: list[TargetLine] = []
    for item in lines:
        if item.indicator not in library:
            raise PerformanceError(
                _("%(indicator)r is not an indicator of the library.")
                % {"indicator": item.indicator}
            )
        if item.indicator in seen:
            raise PerformanceError(
                _("%(indicator)s appears twice.") % {"indicator": item.indicator}
            )
        seen.add(item.indicator)
        annual = item.annual.quantize(Decimal("0.01"))
        if annual < 0:
            raise PerformanceError(
                _("The annual target of %(indicator)s is negative.") % {"indicator": item.indicator}
            )
        qs = item.quarters if item.quarters is not None else split_annual(annual)
        qs = tuple(q.quantize(Decimal("0.01")) for q in qs)  # type: ignore[assignment]
        if any(q < 0 for q in qs):
            raise PerformanceError(
                _("A quarter target of %(indicator)s is negative.") % {"indicator": item.indicator}
            )
        if sum(qs, Decimal(0)) != annual:
            raise PerformanceError(
                _("The quarters of %(indicator)s add up to %(sum)s, not the annual %(annual)s.")
                % {"indicator": item.indicator, "sum": sum(qs, Decimal(0)), "annual": annual}
            )
        clean.append(
            TargetLine(
                indicator=item.indicator, annual=annual, q1=qs[0], q2=qs[1], q3=qs[2], q4=qs[3]
            )
        )
    if not 2000 <= year <= 2999:
        raise PerformanceError(_("%(year)s is not a year.") % {"year": year})
    with transaction.atomic(durable=True):
        sheet = TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        before = _sheet_state(sheet) if sheet is not None else None
        if sheet is None:
            sheet = TargetSheet(staff=staff, year=year)
        sheet.status = SheetStatus.PROPOSED
        sheet.note = note.strip()[:500]
        sheet.proposed_by = actor_user(actor)
        sheet.proposed_at = timezone.now()
        sheet.approved_by = None
        sheet.approved_at = None
        sheet.full_clean()
        sheet.save()
        TargetLine.objects.filter(sheet=sheet).delete()
        for ln in clean:
            ln.sheet = sheet
        TargetLine.objects.bulk_create(clean)
        audit_record(
            actor=actor,
            verb="performance.targets.propose",
            object_type="performance.target_sheet",
            object_id=f"{staff.staff_id}/{year}",
            before=before,
            after=_sheet_state(sheet),
        )
    return sheet


def target_sheet_approve(*, actor: Any, staff_id: str, year: int) -> TargetSheet:
    """Approve a proposed sheet: a manager over the RM, never its proposer (maker-checker)."""
    staff = _sheet_staff(actor, staff_id, Action.CHANGE)
    with transaction.atomic(durable=True):
        sheet: TargetSheet | None = (
            TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        )
        if sheet is None:
            raise PerformanceError(
                _("%(staff)s has no target sheet for %(year)s.") % {"staff": staff_id, "year": year}
            )
        if sheet.status != SheetStatus.PROPOSED:
            raise PerformanceError(_("Only a proposed sheet can be approved."))
        user = actor_user(actor)
        if user is None or sheet.proposed_by_id == user.pk:
            raise PerformanceError(_("The person who proposed a target sheet cannot approve it."))
        scope = scope_of(actor)
        if scope is not None and scope.staff_id == staff_id:
            raise PerformanceError(_("Nobody approves their own targets."))
        before = _sheet_state(sheet)
        sheet.status = SheetStatus.APPROVED
        sheet.approved_by = user
        sheet.approved_at = timezone.now()
        sheet.full_clean()
        sheet.save()
        audit_record(
            actor=actor,
            verb="performance.targets.approve",
            object_type="performance.target_sheet",
            object_id=f"{staff_id}/{year}",
            before=before,
            after=_sheet_state(sheet),
        )
    return sheet
