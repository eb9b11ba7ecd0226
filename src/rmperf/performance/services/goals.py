"""Goals, 一人一表 co-set (DOMAIN §7): the RM's answer to a proposed sheet, the versions
kept of every step, and the per-person weights checked against the RM's card.

The workflow (services/targets.py proposes and approves, this module answers):
1. a manager (team leader, branch manager, HR) proposes the lines (indicator, annual
   target, quarters, weight within the card line's `weight_range`); the RM may propose
   their own, which counts as their acceptance;
2. the RM accepts, or comments (a comment is required; the manager may then propose
   again or approve over it, and the comment stays on record);
3. a branch manager over the RM or HR approves (never the proposer, never the RM) once
   the RM has answered;
4. a change to a sheet approved before, proposed once its year has begun, is a
   **mid-year change**: it needs a reason and two approvals by two different managers
   (neither the proposer); until the second, the runs keep reading the lines in force.
Every step is a `TargetSheetVersion` (the lines as they then were) and an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.load import resolve_card_name
from rmperf.engine.scoring.targets import TargetRow
from rmperf.engine.scoring.targets import TargetSheet as EngineSheet
from rmperf.engine.scoring.weights import person_weights
from rmperf.org.models import Staff
from rmperf.performance.models import (
    RmResponse,
    RmResult,
    SheetEvent,
    SheetStatus,
    TargetSheet,
    TargetSheetVersion,
)
from rmperf.performance.selectors import scorecards_current
from rmperf.performance.services.periods import PerformanceError, actor_user


@dataclass(frozen=True)
class TargetInput:
    """One line of a proposed sheet: an indicator's annual target, quarters and the
    person's weight optional (no weight: the card's)."""

    indicator: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    weight: Decimal | None = None


def sheet_lines_state(sheet: TargetSheet) -> list[list[str]]:
    """The sheet's lines as strings: [indicator, annual, q1, q2, q3, q4, weight or ""]."""
    return [
        [
            ln.indicator,
            f"{ln.annual:.2f}",
            *(f"{q:.2f}" for q in ln.quarters),
            "" if ln.weight is None else f"{ln.weight:.2f}",
        ]
        for ln in sheet.lines.order_by("indicator")
    ]


def sheet_state(sheet: TargetSheet) -> dict[str, Any]:
    """What the audit log records of a sheet before and after a step."""
    return {
        "status": sheet.status,
        "version": sheet.version,
        "rm_response": sheet.rm_response,
        "mid_year": sheet.mid_year,
        "lines": sheet_lines_state(sheet),
    }


def sheet_version_record(
    *, sheet: TargetSheet, event: SheetEvent, actor: Actor, comment: str = ""
) -> TargetSheetVersion:
    """Append one step to the sheet's history (inside the caller's transaction)."""
    row = TargetSheetVersion(
        sheet=sheet,
        version=sheet.version,
        event=event,
        by=actor_user(actor),
        at=timezone.now(),
        comment=comment[:1000],
        status=sheet.status,
        lines=sheet_lines_state(sheet),
    )
    row.full_clean()
    row.save()
    return row


def is_mid_year(sheet: TargetSheet | None, *, year: int, today: dt.date) -> bool:
    """A change to a sheet approved before, once its year has begun."""
    if sheet is None:
        return False
    approved_before = sheet.in_force is not None or sheet.status == SheetStatus.APPROVED
    return approved_before and today >= dt.date(year, 1, 1)


def staff_card_name(staff: Staff, cards: Any) -> str | None:
    """The RM's card: their business line's, else the card of their latest result."""
    name = resolve_card_name(staff.business_line, cards) if staff.business_line else None
    if name is not None:
        return name
    latest = (
        RmResult.objects.filter(staff=staff)
        .exclude(scorecard="")
        .order_by("-period__start", "-pk")
        .values_list("scorecard", flat=True)
        .first()
    )
    return latest if latest in cards else None


def weights_check(*, staff: Staff, year: int, lines: Sequence[TargetInput]) -> None:
    """Refuse per-person weights the RM's card does not allow (engine scoring/weights.py)."""
    if all(item.weight is None for item in lines):
        return
    cards = scorecards_current()
    name = staff_card_name(staff, cards)
    if name is None:
        raise PerformanceError(
            _(
                "The scorecard of %(staff)s is not known (no business line and no scored "
                "period), so per-person weights cannot be checked."
            )
            % {"staff": staff.staff_id}
        )
    rows: dict[tuple[str, str, int | None], TargetRow] = {
        (staff.staff_id, item.indicator, year): TargetRow(
            staff_id=staff.staff_id,
            indicator=item.indicator,
            annual=item.annual,
            year=year,
            line=i,
            weight=item.weight,
        )
        for i, item in enumerate(lines, start=1)
    }
    _weights, issues = person_weights(
        cards[name].policy,
        card_name=name,
        sheet=EngineSheet(rows, source=_("the proposed sheet")),
        staff_id=staff.staff_id,
        year=year,
        library=default_library(),
    )
    if issues:
        parts = []
        for issue in issues:
            where = _("row %(row)s") % {"row": issue.line} if issue.line else ""
            parts.append(f"{where}: {issue.message}" if where else issue.message)
        detail = "; ".join(parts)
        raise PerformanceError(
            _("The weights do not fit the card %(card)s: %(detail)s")
            % {"card": name, "detail": detail}
        )


def target_sheet_respond(
    *, actor: Actor, staff_id: str, year: int, accept: bool, comment: str = ""
) -> TargetSheet:
    """The RM accepts the sheet proposed to them, or comments on it (comment required)."""
    scope = scope_of(actor)
    if scope is None or scope.staff_id != staff_id:
        raise Http404
    text = comment.strip()
    if not accept and not text:
        raise PerformanceError(_("A comment needs some text."))
    user = actor_user(actor)
    with transaction.atomic(durable=True):
        sheet: TargetSheet | None = (
            TargetSheet.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(staff_id=staff_id, year=year)
            .first()
        )
        if sheet is None:
            raise PerformanceError(
                _("%(staff)s has no target sheet for %(year)s.") % {"staff": staff_id, "year": year}
            )
        if sheet.status != SheetStatus.PROPOSED:
            raise PerformanceError(_("Only a proposed sheet can be accepted or commented on."))
        if user is not None and sheet.proposed_by_id == user.pk:
            raise PerformanceError(
                _("You proposed this sheet yourself: it counts as accepted by you.")
            )
        before = sheet_state(sheet)
        sheet.rm_response = RmResponse.ACCEPTED if accept else RmResponse.COMMENTED
        sheet.rm_comment = text[:1000]
        sheet.rm_responded_at = timezone.now()
        sheet.full_clean()
        sheet.save()
        sheet_version_record(
            sheet=sheet,
            event=SheetEvent.ACCEPTED if accept else SheetEvent.COMMENTED,
            actor=actor,
            comment=text,
        )
        audit_record(
            actor=actor,
            verb="performance.targets.accept" if accept else "performance.targets.comment",
            object_type="performance.target_sheet",
            object_id=f"{staff_id}/{year}",
            before=before,
            after={**sheet_state(sheet), "comment": text},
        )
    return sheet
