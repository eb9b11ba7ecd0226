"""Target sheets (一人一表): propose and approve an RM's annual targets, and the approved
sheets as the engine reads them.

Propose: the RM for themself, or a team leader / branch manager for an RM in their
subtree; approve: a branch manager over the RM, HR or a superuser, never the person who
proposed it (maker-checker), once the RM has accepted or commented. A mid-year change
needs a reason and a second approval by another manager. The RM's answer, the versions
and the weight check are in `goals.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.targets import TargetRow, split_annual
from rmperf.engine.scoring.targets import TargetSheet as EngineSheet
from rmperf.org.models import Staff
from rmperf.performance.models import RmResponse, SheetEvent, SheetStatus, TargetLine, TargetSheet
from rmperf.performance.services.goals import (
    TargetInput,
    is_mid_year,
    sheet_lines_state,
    sheet_state,
    sheet_version_record,
    weights_check,
)
from rmperf.performance.services.periods import PerformanceError, actor_user, json_digest

__all__ = [
    "TargetInput",
    "approved_targets",
    "target_sheet_approve",
    "target_sheet_propose",
]

#: Roles that approve target sheets (within scope; HR bank-wide).
APPROVE_ROLES = frozenset({"branch_manager", "hr"})
#: Roles that propose sheets for the RMs of their subtree.
PROPOSE_ROLES = frozenset({"team_leader", "branch_manager", "hr"})


def _today() -> dt.date:
    """Today, for telling a mid-year change (a function, so tests can set the day)."""
    return timezone.localdate()


def _engine_row(staff_id: str, year: int, line: Sequence[str]) -> TargetRow:
    indicator, annual, q1, q2, q3, q4, weight = line
    return TargetRow(
        staff_id=staff_id,
        indicator=indicator,
        annual=Decimal(annual),
        quarters=(Decimal(q1), Decimal(q2), Decimal(q3), Decimal(q4)),
        year=year,
        weight=Decimal(weight) if weight else None,
    )


def approved_targets(*, year: int) -> tuple[EngineSheet, str]:
    """The year's targets in force as the engine's sheet, and their digest: an approved
    sheet's lines, or, while a change waits for approval, the lines last approved."""
    rows: dict[tuple[str, str, int | None], TargetRow] = {}
    payload = []
    sheets = (
        TargetSheet.objects.filter(year=year)
        .filter(models.Q(status=SheetStatus.APPROVED) | models.Q(in_force__isnull=False))
        .prefetch_related("lines")
        .order_by("staff_id")
    )
    for sheet in sheets:
        if sheet.status == SheetStatus.APPROVED:
            lines = sheet_lines_state(sheet)
        else:
            lines = [list(map(str, ln)) for ln in sheet.in_force or []]
        for ln in sorted(lines):
            row = _engine_row(sheet.staff_id, year, ln)
            rows[(sheet.staff_id, row.indicator, year)] = row
            # The weight is in the digest only when given (older digests stay the same).
            payload.append([sheet.staff_id, *ln[:6]] + ([ln[6]] if ln[6] else []))
    return EngineSheet(rows, source=f"approved target sheets {year}"), json_digest(payload)


def _sheet_staff(actor: Actor, staff_id: str, action: Action) -> Staff:
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


def target_sheet_propose(
    *,
    actor: Actor,
    staff_id: str,
    year: int,
    lines: Sequence[TargetInput],
    note: str = "",
    reason: str = "",
) -> TargetSheet:
    """Propose (or re-propose) an RM's annual sheet; a changed sheet needs approval again.
    Quarters not given are the annual figure split evenly (the fourth takes the
    remainder, engine `split_annual`); given quarters must add up to the annual figure.
    Weights must fit the RM's card (`goals.weights_check`). A mid-year change (the sheet
    was approved before and its year has begun) needs a `reason`."""
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
        weight = None if item.weight is None else item.weight.quantize(Decimal("0.01"))
        if weight is not None and not Decimal(0) <= weight <= Decimal(100):
            raise PerformanceError(
                _("The weight of %(indicator)s is not between 0 and 100.")
                % {"indicator": item.indicator}
            )
        clean.append(
            TargetLine(
                indicator=item.indicator,
                annual=annual,
                q1=qs[0],
                q2=qs[1],
                q3=qs[2],
                q4=qs[3],
                weight=weight,
            )
        )
    if not 2000 <= year <= 2999:
        raise PerformanceError(_("%(year)s is not a year.") % {"year": year})
    weights_check(staff=staff, year=year, lines=lines)
    scope = scope_of(actor)
    own = scope is not None and scope.staff_id == staff_id
    with transaction.atomic(durable=True):
        sheet = TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        before = sheet_state(sheet) if sheet is not None else None
        mid_year = is_mid_year(sheet, year=year, today=_today())
        if mid_year and not reason.strip():
            raise PerformanceError(
                _(
                    "This sheet was approved and its year has begun: a mid-year change "
                    "needs a reason."
                )
            )
        if sheet is None:
            sheet = TargetSheet(staff=staff, year=year)
        elif sheet.status == SheetStatus.APPROVED and sheet.in_force is None:
            sheet.in_force = sheet_lines_state(sheet)  # approved before in_force was kept
        sheet.status = SheetStatus.PROPOSED
        sheet.version += 1
        sheet.note = note.strip()[:500]
        sheet.proposed_by = actor_user(actor)
        sheet.proposed_at = timezone.now()
        sheet.approved_by = None
        sheet.approved_at = None
        sheet.checked_by = None
        sheet.checked_at = None
        sheet.mid_year = mid_year
        sheet.change_reason = reason.strip()[:500] if mid_year else ""
        # The RM's own proposal is their acceptance; a manager's waits for the RM's answer.
        sheet.rm_response = RmResponse.ACCEPTED if own else RmResponse.NONE
        sheet.rm_comment = ""
        sheet.rm_responded_at = timezone.now() if own else None
        sheet.full_clean()
        sheet.save()
        TargetLine.objects.filter(sheet=sheet).delete()
        for ln in clean:
            ln.sheet = sheet
        TargetLine.objects.bulk_create(clean)
        sheet_version_record(
            sheet=sheet,
            event=SheetEvent.PROPOSED,
            actor=actor,
            comment=sheet.change_reason or sheet.note,
        )
        audit_record(
            actor=actor,
            verb="performance.targets.propose",
            object_type="performance.target_sheet",
            object_id=f"{staff.staff_id}/{year}",
            before=before,
            after={**sheet_state(sheet), "reason": sheet.change_reason},
        )
    return sheet


def target_sheet_approve(*, actor: Actor, staff_id: str, year: int) -> TargetSheet:
    """Approve a proposed sheet: a manager over the RM, never its proposer (maker-checker),
    once the RM has answered. A mid-year change takes two approvals by two managers."""
    staff = _sheet_staff(actor, staff_id, Action.CHANGE)
    with transaction.atomic(durable=True):
        sheet: TargetSheet | None = (
            TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        )
        if sheet is None:
            raise PerformanceError(
                _("%(staff)s has no target sheet for %(year)s.") % {"staff": staff_id, "year": year}
            )
        if sheet.status not in (SheetStatus.PROPOSED, SheetStatus.CHECKED):
            raise PerformanceError(_("Only a proposed sheet can be approved."))
        user = actor_user(actor)
        if user is None or sheet.proposed_by_id == user.pk:
            raise PerformanceError(_("The person who proposed a target sheet cannot approve it."))
        scope = scope_of(actor)
        if scope is not None and scope.staff_id == staff_id:
            raise PerformanceError(_("Nobody approves their own targets."))
        if sheet.rm_response == RmResponse.NONE:
            raise PerformanceError(_("The RM has not yet accepted or commented on this sheet."))
        before = sheet_state(sheet)
        now = timezone.now()
        if sheet.mid_year and sheet.status == SheetStatus.PROPOSED:
            sheet.status = SheetStatus.CHECKED
            sheet.checked_by = user
            sheet.checked_at = now
            event = SheetEvent.CHECKED
        else:
            if sheet.mid_year and sheet.checked_by_id == user.pk:
                raise PerformanceError(
                    _(
                        "A mid-year change needs a second approval by another manager than "
                        "the first."
                    )
                )
            sheet.status = SheetStatus.APPROVED
            sheet.approved_by = user
            sheet.approved_at = now
            sheet.in_force = sheet_lines_state(sheet)
            event = SheetEvent.APPROVED
        sheet.full_clean()
        sheet.save()
        sheet_version_record(sheet=sheet, event=event, actor=actor)
        audit_record(
            actor=actor,
            verb=(
                "performance.targets.approve"
                if event == SheetEvent.APPROVED
                else "performance.targets.first_approve"
            ),
            object_type="performance.target_sheet",
            object_id=f"{staff_id}/{year}",
            before=before,
            after=sheet_state(sheet),
        )
    return sheet
