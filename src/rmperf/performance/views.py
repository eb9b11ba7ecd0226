"""Performance pages: periods, ranking with tier distribution and BSC view, an RM's
scorecard with time-progress and "why this score", calibration, target sheets, export.

Thin views over selectors and services; refusals for scope answer 404, workflow
refusals come back as a message on the page they were made from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import Action, scope_of, staff_of
from rmperf.core.actors import Actor
from rmperf.core.data_version import data_version_of
from rmperf.core.htmx import render_page_or_partial, wants_partial
from rmperf.core.pdf import PDF
from rmperf.performance import goals_selectors as gsel
from rmperf.performance import manual_selectors as msel
from rmperf.performance import selectors as sel
from rmperf.performance import why as why_sel
from rmperf.performance.export import CSV, XLSX, results_export
from rmperf.performance.models import (
    AdjustmentResult,
    ManualReviewer,
    PerfPeriod,
    RmResult,
    ScoringRun,
    TargetSheet,
    Tier,
    UnitResult,
)
from rmperf.performance.pdf import scorecard_pdf
from rmperf.performance.proposals import may_review_any
from rmperf.performance.services.calibration import period_confirm_calibration, result_calibrate
from rmperf.performance.services.chain import period_close, period_reopen
from rmperf.performance.services.manual import (
    manual_reviewer_appoint,
    manual_reviewer_remove,
    manual_score_enter,
)
from rmperf.performance.services.periods import (
    REFUSALS,
    PerformanceError,
    performance_may_calibrate,
    performance_may_manage,
    period_open,
)
from rmperf.performance.services.runs import period_run
from rmperf.performance.services.targets import (
    TargetInput,
    target_sheet_approve,
    target_sheet_propose,
)

#: Rows of the period's ranking per page, as the customer lists page theirs: HR's 264 RMs
#: as cards made a phone's page 68,000 px tall.
RANKING_PAGE_SIZE = 25


def _language() -> str:
    return get_language() or "en"


def _today() -> dt.date:
    return timezone.localdate()


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """Every period with its status; managers open new ones; an RM's links go to their
    own scorecard and target sheet."""
    wanted = request.GET.get("p", "").strip()
    if wanted:
        try:
            key = sel.period_canonical(wanted)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("performance:period", period_key=key)
    staff = staff_of(request.user)
    own = staff.staff_id if staff is not None and staff.role == "rm" else None
    today = _today()
    context = {
        "periods": list(sel.periods(actor=request.user)),
        "may_manage": performance_may_manage(actor=request.user),
        "may_review_proposals": may_review_any(request.user),
        "own": own,
        "year": today.year,
        "suggested": f"{today.year}Q{(today.month - 1) // 3 + 1}",
    }
    return render(request, "performance/index.html", context)


def _chart(tiers: list[tuple[str, str, int]], groups: list[sel.PerspectiveGroup]) -> dict[str, Any]:
    return {
        "labels": {"rms": _("RMs"), "weight": _("Weight"), "points": _("Points")},
        "tiers": [{"tier": t, "name": label, "count": n} for t, label, n in tiers],
        "bsc": [
            {"name": g.label, "weight": str(g.weight), "points": str(g.points)} for g in groups
        ],
    }


class PeriodPage:
    """What the period page shows beside its workflow forms, each part read when the page
    first renders it: the fragments kept under the data version (period.html) read
    nothing, so a page served from them costs the period's record and the forms only."""

    def __init__(self, *, actor: Actor, key: str, ranking_page: str = "1") -> None:
        self.actor = actor
        self.key = key
        self.language = _language()
        #: The ranking's page asked for (digits; the fragment of the ranking is kept per
        #: page asked, so the same number always shows the same rows of a data version).
        self.ranking_page = ranking_page

    @cached_property
    def period(self) -> PerfPeriod | None:
        """The period's record, None while it is not open (HR's forms read it afresh)."""
        return sel.period_find(actor=self.actor, key=self.key)[1]

    @cached_property
    def rows(self) -> list[RmResult]:
        return list(sel.results(actor=self.actor, period=self.period))

    @cached_property
    def run(self) -> ScoringRun | None:
        return sel.period_last_run(period=self.period) if self.period is not None else None

    @cached_property
    def ranked(self) -> list[tuple[int, RmResult]]:
        return sel.ranked(self.rows)

    @cached_property
    def ranking(self) -> Page[tuple[int, RmResult]]:
        """The page of the ranking asked for (past the last: the last), ranks as in the
        whole ranking."""
        return Paginator(self.ranked, RANKING_PAGE_SIZE).get_page(self.ranking_page)

    @cached_property
    def tiers(self) -> list[tuple[str, str, int]]:
        return sel.tier_counts(period=self.period, rows=self.rows) if self.period else []

    @cached_property
    def groups(self) -> list[sel.PerspectiveGroup]:
        return sel.bsc_groups(actor=self.actor, rows=self.rows, language=self.language)

    @cached_property
    def chart(self) -> dict[str, Any]:
        return _chart(self.tiers, self.groups)

    @cached_property
    def guidance(self) -> list[sel.Guidance]:
        return sel.distribution_guidance(
            period=self.period, cards_shown={r.scorecard for r in self.rows}, last_run=self.run
        )

    @cached_property
    def history(self) -> list[sel.HistoryEntry]:
        return sel.period_history(actor=self.actor, period=self.period, current=self.rows)

    @cached_property
    def my_seats(self) -> list[ManualReviewer]:
        if self.period is None:
            return []
        return msel.manual_assigned_to_me(actor=self.actor, period=self.period)

    @cached_property
    def unit_rows(self) -> list[UnitResult]:
        return list(sel.unit_results(actor=self.actor, period=self.period))


@login_required
@require_GET
def period_view(request: HttpRequest, period_key: str) -> HttpResponse:
    """The ranking of the RMs in the actor's scope (an RM: their own row), the tier
    distribution, the balanced-scorecard view and, for HR, the workflow buttons.

    What it shows is read only where it is not kept in a fragment yet (`PeriodPage`);
    HR's workflow forms, rendered afresh, read the period's record (the buttons depend on
    its status)."""
    data_version_of(request)  # before any read its fragments are kept under
    engine_period = sel.period_key(period_key)
    asked = request.GET.get("page", "")
    ranking_page = asked if asked.isdigit() else "1"
    context = {
        "engine_period": engine_period,
        "page": PeriodPage(actor=request.user, key=engine_period.key, ranking_page=ranking_page),
        "expected": engine_period.time_progress(_today()),
        "may_manage": performance_may_manage(actor=request.user),
    }
    return render(request, "performance/period.html", context)


@login_required
@require_POST
def period_action_view(request: HttpRequest, period_key: str) -> HttpResponse:
    """open / run / confirm / close / reopen a period (HR and superusers)."""
    if not performance_may_manage(actor=request.user):
        raise Http404
    engine_period = sel.period_key(period_key)
    action = request.POST.get("action", "")
    steps: dict[str, tuple[Callable[..., Any], str]] = {
        "open": (period_open, _("Period %(key)s is open.")),
        "run": (period_run, _("Period %(key)s was computed.")),
        "confirm": (period_confirm_calibration, _("The ratings of %(key)s are confirmed.")),
        "close": (period_close, _("Period %(key)s is closed.")),
        "reopen": (period_reopen, _("Period %(key)s is reopened.")),
    }
    if action not in steps:
        messages.error(request, _("Unknown action."))
    else:
        step, done = steps[action]
        extra = {"reason": request.POST.get("reason", "")} if action == "reopen" else {}
        try:
            step(actor=request.user, key=engine_period.key, **extra)
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done % {"key": engine_period.key})
    return redirect("performance:period", period_key=engine_period.key)


@login_required
@require_http_methods(["GET", "POST"])
def export_view(request: HttpRequest, period_key: str) -> HttpResponse:
    """GET: how many results the actor may export; POST: the Excel file of the results
    and lines they may see (formula-safe, audited)."""
    engine_period, period = sel.period_find(actor=request.user, key=period_key)
    rows = list(sel.results(actor=request.user, period=period))
    fmt = request.POST.get("format", "xlsx")
    if request.method == "POST" and fmt in ("xlsx", "csv"):
        export = results_export(
            actor=request.user, period_key=engine_period.key, results=rows, fmt=fmt
        )
        response = HttpResponse(export.content, content_type=XLSX if fmt == "xlsx" else CSV)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["X-Content-SHA256"] = export.sha256
        return response
    context = {"engine_period": engine_period, "period": period, "count": len(rows)}
    return render(request, "performance/export.html", context)


@login_required
@require_GET
def scorecard_view(request: HttpRequest, period_key: str, staff_id: str) -> HttpResponse:
    """An RM's scorecard for a period: lines, points, completion against time-progress,
    calibration and its history; each line links to why it scored what it did (the old
    `?why=indicator` address sends there)."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    wanted = request.GET.get("why", "")
    if wanted:
        return redirect(
            "performance:why", period_key=period_key, staff_id=staff.staff_id, indicator=wanted
        )
    engine_period, period = sel.period_find(actor=request.user, key=period_key)
    result = (
        sel.result_get(actor=request.user, period=period, staff_id=staff.staff_id)
        if period
        else None
    )
    today = _today()
    lines = (
        sel.line_views(
            actor=request.user,
            result=result,
            engine_period=engine_period,
            today=today,
            language=_language(),
        )
        if result is not None
        else []
    )
    adjustments = (
        list(
            AdjustmentResult.objects.restrict(request.user, Action.VIEW)
            .filter(result=result)
            .order_by("kind", "item")
        )
        if result is not None
        else []
    )
    may_calibrate = (
        result is not None
        and period is not None
        and period.status in ("computed", "calibrated")
        and performance_may_calibrate(actor=request.user)
        and RmResult.objects.restrict(request.user, Action.CHANGE).filter(pk=result.pk).exists()
    )
    context = {
        "staff": staff,
        "engine_period": engine_period,
        "period": period,
        "result": result,
        "manual_missing": sel.manual_missing(result=result, lines=[v.line for v in lines]),
        "lines": lines,
        "adjustments": adjustments,
        "trend": sel.trend(actor=request.user, staff=staff, period=engine_period),
        "reopenings": sel.reopenings_for(
            actor=request.user, period=period, staff_id=staff.staff_id
        ),
        "explanation": (
            sel.result_explanation(result=result, lines=lines, adjustments=adjustments)
            if result is not None
            else ""
        ),
        "expected": engine_period.time_progress(today),
        "today": today,
        "may_calibrate": may_calibrate,
        "tiers": [(t, label) for t, label in Tier.choices],
        "calibrations": (
            list(sel.calibrations(actor=request.user, period=period, staff_id=staff.staff_id))
            if period is not None
            else []
        ),
    }
    if request.GET.get("format") == "pdf":
        if result is None:
            raise Http404
        export = scorecard_pdf(
            actor=request.user, result=result, lines=lines, period_key=engine_period.key
        )
        response = HttpResponse(export.content, content_type=PDF)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        response["X-Content-SHA256"] = export.sha256
        return response
    return render(request, "performance/scorecard.html", context)


def _why_result(request: HttpRequest, period_key: str, staff_id: str) -> tuple[Any, Any, RmResult]:
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    engine_period, period = sel.period_find(actor=request.user, key=period_key)
    result = (
        sel.result_get(actor=request.user, period=period, staff_id=staff.staff_id)
        if period is not None
        else None
    )
    if result is None:
        raise Http404
    return staff, engine_period, result


@login_required
@require_GET
def why_view(request: HttpRequest, period_key: str, staff_id: str, indicator: str) -> HttpResponse:
    """Why one line of an RM's scorecard scored what it did, in plain words: the
    indicator's definition and formula, the figures, the customers behind the value
    (a chart of the biggest), and behind "details" the engine's rows and text."""
    staff, engine_period, result = _why_result(request, period_key, staff_id)
    explanation = why_sel.line_explanation(
        actor=request.user,
        result=result,
        indicator=indicator,
        engine_period=engine_period,
        today=_today(),
        language=_language(),
    )
    context = {
        "staff": staff,
        "engine_period": engine_period,
        "result": result,
        "x": explanation,
    }
    return render(request, "performance/why.html", context)


@login_required
@require_GET
def why_customer_view(
    request: HttpRequest, period_key: str, staff_id: str, indicator: str, customer_id: str
) -> HttpResponse:
    """One customer's rows behind a line ("-": the rows tied to no customer)."""
    staff, engine_period, result = _why_result(request, period_key, staff_id)
    found = why_sel.customer_explanation(
        actor=request.user,
        result=result,
        indicator=indicator,
        customer_id=customer_id,
        engine_period=engine_period,
        today=_today(),
        language=_language(),
    )
    context = {
        "staff": staff,
        "engine_period": engine_period,
        "result": result,
        "x": found.explanation,
        "part": found.part,
        "rows": found.rows,
        "customer_visible": found.customer_visible,
    }
    return render(request, "performance/why_customer.html", context)


@login_required
@require_POST
def calibrate_view(request: HttpRequest, period_key: str, staff_id: str) -> HttpResponse:
    """A branch manager's calibration of one RM (reason required)."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    if not performance_may_calibrate(actor=request.user):
        raise Http404
    engine_period = sel.period_key(period_key)
    try:
        result_calibrate(
            actor=request.user,
            key=engine_period.key,
            staff_id=staff.staff_id,
            tier=request.POST.get("tier", ""),
            total=request.POST.get("total", "") or None,
            reason=request.POST.get("reason", ""),
        )
    except PerformanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The calibration was recorded."))
    return redirect("performance:scorecard", period_key=engine_period.key, staff_id=staff.staff_id)


def _manual_context(request: HttpRequest, period_key: str, staff_id: str) -> dict[str, Any]:
    engine_period, period = sel.period_find(actor=request.user, key=period_key)
    staff = msel.manual_page_staff(actor=request.user, period=period, staff_id=staff_id)
    keys = msel.manual_keys_current()
    views = msel.manual_views(actor=request.user, period=period, staff=staff, keys=keys)
    may_appoint = (
        period is not None
        and not period.is_closed
        and msel.may_appoint(actor=request.user, staff=staff)
    )
    candidates = (
        {
            kind: msel.reviewer_candidates(actor=request.user, staff=staff, kind=kind)
            for kind in {v.kind for v in views}
        }
        if may_appoint
        else {}
    )
    return {
        "engine_period": engine_period,
        "period": period,
        "staff": staff,
        "keys": [(v, candidates.get(v.kind, [])) for v in views],
        "may_appoint": may_appoint,
        "is_rm": getattr(scope_of(request.user), "staff_id", None) == staff.staff_id,
        "may_see_scorecard": sel.may_see_scorecard(actor=request.user, staff=staff),
        "partial": wants_partial(request),
    }


@login_required
@require_http_methods(["GET", "POST"])
def manual_view(request: HttpRequest, period_key: str, staff_id: str) -> HttpResponse:
    """The manual (qualitative) scores of one RM for a period: the self-review panel,
    peers' 360 feedback, the risk department's score. Reviewers score from their seat;
    HR and the RM's branch manager appoint reviewers. An htmx post answers the section."""
    engine_period = sel.period_key(period_key)
    if request.method == "POST":
        # Access is checked by the services (404 out of scope); the page is re-read after.
        msel.manual_page_staff(
            actor=request.user,
            period=sel.period_find(actor=request.user, key=period_key)[1],
            staff_id=staff_id,
        )
        action = request.POST.get("action", "")
        manual_key = request.POST.get("key", "")
        try:
            if action == "score":
                manual_score_enter(
                    actor=request.user,
                    key=engine_period.key,
                    staff_id=staff_id,
                    manual_key=manual_key,
                    score=request.POST.get("score", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Your score was recorded."))
            elif action == "appoint":
                manual_reviewer_appoint(
                    actor=request.user,
                    key=engine_period.key,
                    staff_id=staff_id,
                    manual_key=manual_key,
                    reviewer_id=request.POST.get("reviewer", ""),
                )
                messages.success(request, _("The reviewer was appointed."))
            elif action == "remove":
                manual_reviewer_remove(
                    actor=request.user,
                    key=engine_period.key,
                    staff_id=staff_id,
                    manual_key=manual_key,
                    reviewer_id=request.POST.get("reviewer", ""),
                )
                messages.success(request, _("The reviewer was removed."))
            else:
                messages.error(request, _("Unknown action."))
        except REFUSALS as exc:
            messages.error(request, str(exc))
        if not request.headers.get("HX-Request"):
            return redirect("performance:manual", period_key=engine_period.key, staff_id=staff_id)
    return render_page_or_partial(
        request,
        page="performance/manual.html",
        partial="performance/_manual.html",
        context=_manual_context(request, engine_period.key, staff_id),
    )


def _target_inputs(post: Any) -> list[TargetInput]:
    """Rows indicator_N / annual_N / q1_N … q4_N / weight_N of the form; blank rows are
    skipped; an empty weight is the card's."""
    out = []
    for i in range(int(post.get("rows", "0") or 0)):
        indicator = (post.get(f"indicator_{i}") or "").strip()
        annual_text = (post.get(f"annual_{i}") or "").strip()
        if not indicator and not annual_text:
            continue
        try:
            annual = Decimal(annual_text)
            qs = [(post.get(f"q{q}_{i}") or "").strip() for q in (1, 2, 3, 4)]
            quarters = None
            if any(qs):
                q = [Decimal(x) for x in qs]
                quarters = (q[0], q[1], q[2], q[3])
            weight_text = (post.get(f"weight_{i}") or "").strip()
            weight = Decimal(weight_text) if weight_text else None
        except InvalidOperation:
            raise PerformanceError(
                _("Row %(row)s: the targets must be numbers.") % {"row": i + 1}
            ) from None
        out.append(TargetInput(indicator, annual, quarters, weight))
    return out


FORM_ROWS = 3


@login_required
@require_http_methods(["GET", "POST"])
def targets_view(request: HttpRequest, year: int, staff_id: str) -> HttpResponse:
    """An RM's annual target sheet (一人一表): the lines, quarters, time-progress today,
    and the form to propose (or re-propose) it."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    if request.method == "POST":
        try:
            target_sheet_propose(
                actor=request.user,
                staff_id=staff.staff_id,
                year=year,
                lines=_target_inputs(request.POST),
                note=request.POST.get("note", ""),
                reason=request.POST.get("reason", ""),
            )
        except PerformanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The target sheet was proposed."))
        return redirect("performance:targets", year=year, staff_id=staff.staff_id)
    sheet: TargetSheet | None = sel.target_sheet(actor=request.user, staff=staff, year=year)
    progress = (
        sel.target_progress(actor=request.user, sheet=sheet, today=_today(), language=_language())
        if sheet is not None
        else []
    )
    scope = scope_of(request.user)
    own = scope is not None and scope.staff_id == staff.staff_id
    indicators = sel.indicator_choices(language=_language())
    weights = {ln.indicator: ln.weight for ln in sheet.lines.all()} if sheet is not None else {}
    rows = [
        {
            "indicator": p.indicator,
            "annual": p.annual,
            "quarters": list(p.quarters),
            "weight": "" if weights.get(p.indicator) is None else weights[p.indicator],
        }
        for p in progress
    ] + [{"indicator": "", "annual": "", "quarters": ["", "", "", ""], "weight": ""}] * FORM_ROWS
    year_rows = (
        gsel.year_progress(
            actor=request.user, sheets=[sheet], year=year, today=_today(), language=_language()
        ).get(sheet.pk, [])
        if sheet is not None
        else []
    )
    context = {
        "staff": staff,
        "year": year,
        "sheet": sheet,
        "progress": progress,
        "indicators": indicators,
        "form_rows": list(enumerate(rows)),
        "year_progress": year_rows,
        "versions": gsel.sheet_versions(actor=request.user, sheet=sheet) if sheet else [],
        "may_respond": (
            own
            and sheet is not None
            and sheet.status == "proposed"
            and sheet.proposed_by_id != request.user.pk
        ),
        "may_approve": (
            sheet is not None
            and sheet.status in ("proposed", "checked")
            and bool(sheet.rm_response)
            and sheet.checked_by_id != request.user.pk
            and not own
            and scope is not None
            and not scope.read_only
            and (scope.superuser or scope.role in ("branch_manager", "hr"))
            and sheet.proposed_by_id != request.user.pk
        ),
        "may_propose": scope is not None
        and not scope.read_only
        and (own or scope.superuser or scope.role in ("team_leader", "branch_manager", "hr")),
    }
    return render(request, "performance/targets.html", context)


@login_required
@require_POST
def targets_approve_view(request: HttpRequest, year: int, staff_id: str) -> HttpResponse:
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    try:
        target_sheet_approve(actor=request.user, staff_id=staff.staff_id, year=year)
    except PerformanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The target sheet was approved."))
    return redirect(reverse("performance:targets", kwargs={"year": year, "staff_id": staff_id}))
