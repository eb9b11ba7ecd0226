"""Team rhythm pages (docs/teams.md): thin views over the selectors and services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rmperf.core.access import scope_of, staff_of
from rmperf.teams import selectors as sel
from rmperf.teams import services as svc
from rmperf.teams.models import BoardKind, TrainingKind


def _date(text: str | None, default: dt.date) -> dt.date:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise svc.TeamsError(_("%(value)r is not a date (YYYY-MM-DD).") % {"value": text}) from None


def _day_or_404(text: str | None, default: dt.date) -> dt.date:
    try:
        return _date(text, default)
    except svc.TeamsError:
        raise Http404 from None


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """The teams in scope; an RM or team leader goes straight to their own team."""
    if scope_of(request.user) is None:
        raise Http404
    teams = list(sel.team_list(actor=request.user)[:500])
    me = staff_of(request.user)
    if me is not None and me.unit.kind == "team" and me.role in ("rm", "team_leader"):
        return redirect("teams:team", unit_id=me.unit_id)
    return render(request, "teams/index.html", {"teams": teams})


@login_required
@require_GET
def team_view(request: HttpRequest, unit_id: str) -> HttpResponse:
    team = sel.team_get(actor=request.user, unit_id=unit_id)
    page = sel.team_page(actor=request.user, team=team)
    return render(request, "teams/team.html", {"page": page, "kinds": BoardKind})


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@login_required
@require_GET
def board_view(request: HttpRequest, unit_id: str, meeting: str) -> HttpResponse:
    kind = meeting
    team = sel.team_get(actor=request.user, unit_id=unit_id)
    today = timezone.localdate()
    default = _monday(today) if kind == BoardKind.WEEKLY else today
    day = _day_or_404(request.GET.get("day"), default)
    page = sel.board_page(
        actor=request.user, team=team, kind=kind, day=day, language=get_language() or "en"
    )
    return render(
        request,
        "teams/board.html",
        {"page": page, "weekly": kind == BoardKind.WEEKLY, "kind_label": BoardKind(kind).label},
    )


def _to_board(unit_id: str, kind: str, day: dt.date) -> HttpResponse:
    url = reverse("teams:board", kwargs={"unit_id": unit_id, "meeting": kind})
    return redirect(f"{url}?day={day.isoformat()}")


@login_required
@require_POST
def board_fill_view(request: HttpRequest, unit_id: str, meeting: str) -> HttpResponse:
    kind = meeting
    if kind not in BoardKind.values:
        raise Http404
    day = timezone.localdate()
    try:
        day = _date(request.POST.get("day"), day)
        svc.board_fill(actor=request.user, unit_id=unit_id, kind=kind, day=day)
        messages.success(request, _("The board was filled from the lake."))
    except svc.TeamsError as exc:
        messages.error(request, str(exc))
    return _to_board(unit_id, kind, day)


@login_required
@require_POST
def board_notes_view(
    request: HttpRequest, unit_id: str, meeting: str, board_id: int
) -> HttpResponse:
    kind = meeting
    sel.team_get(actor=request.user, unit_id=unit_id)
    try:
        board = svc.board_notes_save(
            actor=request.user, board_id=board_id, notes=request.POST.get("notes", "")
        )
        messages.success(request, _("Notes saved."))
        day = board.day
    except svc.TeamsError as exc:
        messages.error(request, str(exc))
        day = timezone.localdate()
    return _to_board(unit_id, kind, day)


@login_required
@require_GET
def rm_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    page = sel.rm_rhythm(actor=request.user, staff_id=staff_id)
    return render(
        request,
        "teams/rm.html",
        {"page": page, "today": timezone.localdate(), "training_kinds": TrainingKind.choices},
    )


@login_required
@require_POST
def checkin_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    try:
        task = request.POST.get("task", "").strip()
        if task and not task.isdigit():
            raise svc.TeamsError(_("%(value)r is not a task number.") % {"value": task})
        svc.checkin_record(
            actor=request.user,
            staff_id=staff_id,
            day=_date(request.POST.get("day"), timezone.localdate()),
            note=request.POST.get("note", ""),
            customer_id=request.POST.get("customer", "").strip(),
            task_id=int(task) if task else None,
        )
        messages.success(request, _("Check-in recorded."))
    except svc.TeamsError as exc:
        messages.error(request, str(exc))
    return redirect("teams:rm", staff_id=staff_id)


@login_required
@require_POST
def training_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    try:
        svc.training_enter(
            actor=request.user,
            staff_id=staff_id,
            day=_date(request.POST.get("day"), timezone.localdate()),
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            hours=request.POST.get("hours", ""),
        )
        messages.success(request, _("Training record entered."))
    except svc.TeamsError as exc:
        messages.error(request, str(exc))
    return redirect("teams:rm", staff_id=staff_id)
