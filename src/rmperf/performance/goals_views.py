"""Goals and balanced-scorecard pages: the RM's answer to a proposed target sheet, the
manager's team view of the sheets with their time-progress, and the BSC per RM, team and
branch. Thin views over selectors and services; out of scope answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rmperf.core.access import scope_of, staff_of
from rmperf.performance import bsc_selectors as bsel
from rmperf.performance import goals_selectors as gsel
from rmperf.performance import selectors as sel
from rmperf.performance.models import MANAGER_ROLES
from rmperf.performance.services.goals import target_sheet_respond
from rmperf.performance.services.periods import PerformanceError


def _language() -> str:
    return get_language() or "en"


@login_required
@require_POST
def targets_respond_view(request: HttpRequest, year: int, staff_id: str) -> HttpResponse:
    """The RM accepts the sheet proposed to them, or comments on it."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    try:
        target_sheet_respond(
            actor=request.user,
            staff_id=staff.staff_id,
            year=year,
            accept=request.POST.get("answer") == "accept",
            comment=request.POST.get("comment", ""),
        )
    except PerformanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your answer was recorded."))
    return redirect("performance:targets", year=year, staff_id=staff.staff_id)


def _manager_only(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if scope is None or not (scope.superuser or scope.everything or scope.role in MANAGER_ROLES):
        raise Http404


@login_required
@require_GET
def goals_team_view(request: HttpRequest, year: int) -> HttpResponse:
    """The RMs in the manager's scope: their sheet's status, who acts next, and each line's
    time-progress of the year."""
    _manager_only(request)
    today = timezone.localdate()
    rows = gsel.goals_team(actor=request.user, year=year, today=today, language=_language())
    context = {"year": year, "rows": rows, "today": today}
    return render(request, "performance/goals_team.html", context)


@login_required
@require_GET
def goals_team_current_view(request: HttpRequest) -> HttpResponse:
    _manager_only(request)
    return redirect("performance:goals_team", year=timezone.localdate().year)


@login_required
@require_GET
def bsc_staff_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    """One RM's balanced scorecard: perspectives, four-quarter trend, lines."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    view = bsel.bsc_staff(actor=request.user, staff=staff, language=_language())
    return render(request, "performance/bsc.html", {"bsc": view, "staff": staff, "unit": None})


@login_required
@require_GET
def bsc_unit_view(request: HttpRequest, unit_id: str) -> HttpResponse:
    """A team's or branch's balanced scorecard: averages per RM, and each RM."""
    unit = bsel.bsc_unit_visible(actor=request.user, unit_id=unit_id)
    view = bsel.bsc_unit(actor=request.user, unit=unit, language=_language())
    return render(request, "performance/bsc.html", {"bsc": view, "staff": None, "unit": unit})


@login_required
@require_GET
def bsc_mine_view(request: HttpRequest) -> HttpResponse:
    """The caller's own BSC: an RM's page, or a manager's unit (the desk links here)."""
    staff = staff_of(request.user)
    if staff is not None and staff.role == "rm":
        return redirect("performance:bsc_staff", staff_id=staff.staff_id)
    unit = bsel.bsc_my_unit(actor=request.user)
    return redirect("performance:bsc_unit", unit_id=unit.unit_id)
