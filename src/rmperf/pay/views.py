"""Pay pages: a quarter's statements in scope (HR runs and approves), one statement
explained line by line, the pay cost of teams and branches with the leavers' clawbacks,
the payroll export, and inquiries with their resolution trail.

Thin views over selectors and services; out of scope answers 404, workflow refusals come
back as a message on the page they were made from.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import scope_of
from rmperf.pay import selectors as sel
from rmperf.pay.pdf import statement_pdf
from rmperf.pay.services import (
    PayRefused,
    inquiry_answer,
    inquiry_close,
    inquiry_may_answer,
    inquiry_open,
    pay_approve,
    pay_export,
    pay_may_approve,
    pay_may_run,
    pay_run,
)


def _quarter(request: HttpRequest, periods: list[str]) -> str | None:
    text = (request.GET.get("period") or "").strip().upper()
    if not text:
        return periods[0] if periods else None
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        raise Http404
    return text


def _guard(request: HttpRequest) -> None:
    if not sel.may_see_pay(request.user):
        raise Http404


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """A quarter's statements in the actor's scope (an RM: their own), its run and
    approval; HR runs a quarter and approves another person's run."""
    _guard(request)
    periods = sel.pay_periods(actor=request.user)
    key = _quarter(request, periods)
    run = sel.pay_run_current(actor=request.user, key=key) if key else None
    rows = list(sel.statements(actor=request.user, key=key)) if key else []
    scope = scope_of(request.user)
    context = {
        "periods": periods,
        "key": key,
        "run": run,
        "statements": rows,
        "own": list(sel.own_statements(actor=request.user)),
        "is_rm": scope is not None and scope.role == "rm",
        "may_run": pay_may_run(actor=request.user),
        "may_approve": run is not None
        and not run.is_approved
        and pay_may_approve(actor=request.user)
        and run.actor_id != request.user.pk,
        "may_cost": sel.may_see_cost(request.user),
        "runs": list(sel.pay_runs(actor=request.user).filter(period=key)[:10]) if key else [],
    }
    return render(request, "pay/index.html", context)


@login_required
@require_POST
def run_view(request: HttpRequest) -> HttpResponse:
    if not pay_may_run(actor=request.user):
        raise Http404
    key = (request.POST.get("period") or "").strip().upper()
    try:
        run = pay_run(actor=request.user, key=key)
    except PayRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("pay:index"))
    messages.success(
        request,
        _("Pay of %(key)s computed: %(count)s statements, awaiting a second person's approval.")
        % {"key": run.period, "count": run.row_count},
    )
    return redirect(f"{reverse('pay:index')}?period={run.period}")


@login_required
@require_POST
def approve_view(request: HttpRequest, run_id: str) -> HttpResponse:
    run = sel.pay_run_get(actor=request.user, run_id=run_id)
    try:
        pay_approve(actor=request.user, run_id=str(run.run_id))
    except PayRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Pay of %(key)s approved: its statements are frozen.") % {"key": run.period}
        )
    return redirect(f"{reverse('pay:index')}?period={run.period}")


@login_required
@require_GET
def statement_view(request: HttpRequest, statement_id: int) -> HttpResponse:
    """One statement with every line explained; the RM may ask about a line."""
    statement = sel.statement_get(actor=request.user, statement_id=statement_id)
    scope = scope_of(request.user)
    context = {
        "s": statement,
        "x": sel.statement_explain(statement),
        "lines": list(statement.lines.all()),
        "may_ask": scope is not None and scope.staff_id == statement.staff_id,
    }
    return render(request, "pay/statement.html", context)


@login_required
@require_GET
def statement_pdf_view(request: HttpRequest, statement_id: int) -> HttpResponse:
    """The statement as PDF in the reader's language; same access as the page (404)."""
    statement = sel.statement_get(actor=request.user, statement_id=statement_id)
    export = statement_pdf(actor=request.user, statement=statement)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@require_GET
def cost_view(request: HttpRequest) -> HttpResponse:
    """Pay cost of the quarter per RM, team and branch in scope; leavers' clawbacks (HR)."""
    if not sel.may_see_cost(request.user):
        raise Http404
    periods = sel.pay_periods(actor=request.user)
    key = _quarter(request, periods)
    teams, branches, total = sel.pay_cost(actor=request.user, key=key) if key else ([], [], None)
    leavers = (
        sel.leaver_clawbacks(actor=request.user, key=key)
        if key and sel.may_see_leavers(request.user)
        else []
    )
    context = {
        "periods": periods,
        "key": key,
        "teams": teams,
        "branches": branches,
        "total": total,
        "leavers": leavers,
        "show_leavers": sel.may_see_leavers(request.user),
    }
    return render(request, "pay/cost.html", context)


@login_required
@require_GET
def export_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """The payroll export of a quarter in scope: CSV or Excel, one row per RM and line."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _guard(request)
    key = _quarter(request, sel.pay_periods(actor=request.user))
    if key is None:
        raise Http404
    lines = sel.export_lines(actor=request.user, key=key)
    export = pay_export(actor=request.user, key=key, lines=lines, fmt=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@require_GET
def inquiries_view(request: HttpRequest) -> HttpResponse:
    _guard(request)
    scope = scope_of(request.user)
    is_rm = scope is not None and scope.role == "rm"
    context = {
        "inquiries": list(sel.inquiries(actor=request.user)),
        "is_rm": is_rm,
        "score_lines": list(sel.own_score_lines(actor=request.user)[:100]) if is_rm else [],
    }
    return render(request, "pay/inquiries.html", context)


def _optional_int(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def inquiry_new_view(request: HttpRequest) -> HttpResponse:
    """The RM asks about one of their pay lines or score lines."""
    _guard(request)
    try:
        inquiry = inquiry_open(
            actor=request.user,
            text=request.POST.get("text", ""),
            pay_line_id=_optional_int(request.POST.get("pay_line")),
            score_line_id=_optional_int(request.POST.get("score_line")),
        )
    except PayRefused as exc:
        messages.error(request, str(exc))
        return redirect(request.POST.get("back") or reverse("pay:inquiries"))
    messages.success(request, _("Your question was sent."))
    return redirect(reverse("pay:inquiry", args=[inquiry.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_view(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    """An inquiry's trail; HR or the manager answers, the RM (or they) close it."""
    inquiry = sel.inquiry_get(actor=request.user, inquiry_id=inquiry_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                inquiry_answer(
                    actor=request.user, inquiry_id=inquiry.pk, text=request.POST.get("text", "")
                )
            elif action == "close":
                inquiry_close(
                    actor=request.user, inquiry_id=inquiry.pk, text=request.POST.get("text", "")
                )
            else:
                raise Http404
        except PayRefused as exc:
            messages.error(request, str(exc))
        return redirect(reverse("pay:inquiry", args=[inquiry.pk]))
    scope = scope_of(request.user)
    context = {
        "inquiry": inquiry,
        "entries": list(inquiry.entries.all()),
        "may_answer": inquiry_may_answer(actor=request.user, inquiry=inquiry),
        "may_close": inquiry.status == "answered"
        and (
            (scope is not None and scope.staff_id == inquiry.staff_id)
            or inquiry_may_answer(actor=request.user, inquiry=inquiry)
        ),
    }
    return render(request, "pay/inquiry.html", context)
