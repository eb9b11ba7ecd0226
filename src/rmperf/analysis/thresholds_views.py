"""Dynamic thresholds page (issue #15): the latest proposal runs, one run's proposals with
their backtest error, and the POSTs that start a run, make the scorecard draft and reject
a proposal. Thin views over thresholds_selectors and thresholds_services; anyone but
branch managers, HR and superusers gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from rmperf.analysis.thresholds_models import ThresholdDecision, ThresholdProposal
from rmperf.analysis.thresholds_selectors import threshold_get, threshold_rows, thresholds_list
from rmperf.analysis.thresholds_services import (
    ThresholdRefused,
    threshold_draft_create,
    threshold_may_draft,
    threshold_may_view,
    threshold_reject,
    threshold_sync,
    thresholds_start,
)
from rmperf.core.runs import RunStatus


def _page(
    request: HttpRequest, threshold_id: int | None, *, error: str = "", status: int = 200
) -> HttpResponse:
    if not threshold_may_view(actor=request.user):
        raise Http404
    runs = list(thresholds_list(actor=request.user)[:10])
    run: ThresholdProposal | None
    if threshold_id is not None:
        run = threshold_get(actor=request.user, proposal_id=threshold_id)
    else:
        run = runs[0] if runs else None
    if run is not None:
        run = threshold_sync(run)
    context = {
        "run": run,
        "runs": runs,
        "rows": threshold_rows(actor=request.user, proposal=run) if run is not None else [],
        "may_draft": threshold_may_draft(actor=request.user),
        "running": RunStatus.RUNNING,
        "succeeded": RunStatus.SUCCEEDED,
        "proposed": ThresholdDecision.PROPOSED,
        "error": error,
    }
    return render(request, "analysis/thresholds.html", context, status=status)


@login_required
@require_GET
def thresholds_view(request: HttpRequest) -> HttpResponse:
    """The latest run and its proposals."""
    return _page(request, None)


@login_required
@require_GET
def threshold_view(request: HttpRequest, threshold_id: int) -> HttpResponse:
    return _page(request, threshold_id)


@login_required
@require_POST
def thresholds_run_view(request: HttpRequest) -> HttpResponse:
    try:
        run = thresholds_start(actor=request.user, period_key=request.POST.get("period", ""))
    except ThresholdRefused as exc:
        return _page(request, None, error=str(exc), status=400)
    return redirect("analysis:threshold", threshold_id=run.pk)


@login_required
@require_POST
def threshold_draft_view(request: HttpRequest, threshold_id: int) -> HttpResponse:
    try:
        threshold_draft_create(actor=request.user, proposal_id=threshold_id)
    except ThresholdRefused as exc:
        return _page(request, threshold_id, error=str(exc), status=400)
    return redirect("analysis:threshold", threshold_id=threshold_id)


@login_required
@require_POST
def threshold_reject_view(request: HttpRequest, threshold_id: int) -> HttpResponse:
    try:
        threshold_reject(actor=request.user, proposal_id=threshold_id)
    except ThresholdRefused as exc:
        return _page(request, threshold_id, error=str(exc), status=400)
    return redirect("analysis:threshold", threshold_id=threshold_id)
