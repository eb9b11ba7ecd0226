"""The approval page's what-if (issue #15): the panel the policy version page loads for a
draft scorecard set or pay plan, the POST that starts a comparison, and the run's part the
panel polls (htmx) until it is done. Thin views over whatif_selectors and whatif_services;
anyone but HR and superusers gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from rmperf.analysis.whatif_selectors import (
    whatif_periods,
    whatif_run_get,
    whatif_runs,
    whatif_stale,
    whatif_view,
)
from rmperf.analysis.whatif_services import (
    WhatIfRefused,
    whatif_draft,
    whatif_may_run,
    whatif_start,
)
from rmperf.core.runs import RunStatus


def _panel(
    request: HttpRequest, version_id: int, *, error: str = "", period: str = "", status: int = 200
) -> HttpResponse:
    version = whatif_draft(actor=request.user, version_id=version_id)
    runs = list(whatif_runs(actor=request.user, version_id=version.pk)[:5])
    run = runs[0] if runs else None
    context = {
        "version": version,
        "run": run,
        "view": whatif_view(run) if run is not None else None,
        "earlier": runs[1:],
        "periods": whatif_periods(),
        "period": period or (run.period_key if run is not None else ""),
        "error": error,
        "running": RunStatus.RUNNING,
        "stale": run is not None and whatif_stale(run),
    }
    # htmx swaps the panel into the policy version page; a plain request gets a page.
    template = "analysis/whatif_panel.html" if _htmx(request) else "analysis/whatif_page.html"
    return render(request, template, context, status=status)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_GET
def whatif_panel_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """The panel: the period form and the latest comparison of this draft."""
    return _panel(request, version_id)


@login_required
@require_POST
def whatif_start_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """Start a comparison (it runs out of the request); answer with the panel, polling."""
    period = request.POST.get("period", "").strip()
    try:
        whatif_start(actor=request.user, version_id=version_id, period_key=period)
    except WhatIfRefused as exc:
        return _panel(request, version_id, error=str(exc), period=period, status=400)
    return _panel(request, version_id, period=period)


@login_required
@require_GET
def whatif_run_view(request: HttpRequest, whatif_id: int) -> HttpResponse:
    """One run's part of the panel (polled while it runs)."""
    if not whatif_may_run(actor=request.user):
        raise Http404
    run = whatif_run_get(actor=request.user, run_id=whatif_id)
    context: dict[str, Any] = {
        "run": run,
        "view": whatif_view(run),
        "running": RunStatus.RUNNING,
        "stale": whatif_stale(run),
    }
    if not _htmx(request):
        context["version"] = run.policy
        return render(request, "analysis/whatif_page.html", {**context, "only_run": True})
    return render(request, "analysis/_whatif_run.html", context)
