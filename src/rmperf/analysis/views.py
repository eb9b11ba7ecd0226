"""Analysis pages: the team and branch view of utilisation with the rebalancing
proposals, a proposal as a what-if (accept, export the assignments change file), the
gaming review queue and a flag with its evidence and decision. Thin views over the
selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rmperf.analysis import selectors as sel
from rmperf.analysis.models import FlagStatus
from rmperf.analysis.services import (
    AnalysisRefused,
    analysis_may_run,
    gaming_decide,
    gaming_run,
    rebalance_accept,
    rebalance_export,
    workload_run,
)
from rmperf.core.access import may_see_customer_names
from rmperf.customers.tables import display_name


@login_required
@require_GET
def workload_view(request: HttpRequest) -> HttpResponse:
    """Utilisation per RM by team and branch, the over- and under-loaded RMs, and the
    branch's rebalancing proposals."""
    view = sel.workload_view(actor=request.user, key=request.GET.get("period") or None)
    return render(
        request,
        "analysis/workload.html",
        {
            "view": view,
            "may_run": analysis_may_run(actor=request.user),
            "period": view.run.period_key if view.run else "",
        },
    )


@login_required
@require_POST
def workload_run_view(request: HttpRequest) -> HttpResponse:
    if not sel.analysis_may_view(actor=request.user) or not analysis_may_run(actor=request.user):
        raise Http404
    key = request.POST.get("period", "").strip()
    try:
        run = workload_run(actor=request.user, key=key)
    except AnalysisRefused as exc:
        messages.error(request, str(exc))
        return redirect("analysis:workload")
    messages.success(
        request,
        _("Workload computed for %(period)s: %(rms)d RMs.")
        % {"period": run.period_key, "rms": run.row_count},
    )
    return redirect(f"{request.path.removesuffix('run/')}?period={run.period_key}")


@login_required
@require_GET
def proposal_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """A rebalancing proposal as a what-if: the moves and each RM's utilisation before
    and after; the branch manager accepts it and exports the change file."""
    what_if = sel.proposal_what_if(actor=request.user, proposal_id=proposal_id)
    mask = not may_see_customer_names(request.user)
    for m in what_if.moves:
        m.customer.display_name = display_name(m.customer, mask_names=mask)  # type: ignore[attr-defined]
    return render(
        request,
        "analysis/proposal.html",
        {
            "what_if": what_if,
            "proposal": what_if.proposal,
            "may_decide": sel.may_decide_proposals(actor=request.user),
        },
    )


@login_required
@require_POST
def proposal_accept_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    try:
        rebalance_accept(
            actor=request.user, proposal_id=proposal_id, note=request.POST.get("note", "")
        )
    except AnalysisRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Rebalancing accepted: export the change file for the core system.")
        )
    return redirect("analysis:proposal", proposal_id=proposal_id)


@login_required
@require_POST
def proposal_export_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The accepted proposal's assignments change file (CSV), audited."""
    try:
        change = rebalance_export(actor=request.user, proposal_id=proposal_id)
    except AnalysisRefused as exc:
        messages.error(request, str(exc))
        return redirect("analysis:proposal", proposal_id=proposal_id)
    response = HttpResponse(change.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{change.filename}"'
    return response


@login_required
@require_GET
def gaming_queue_view(request: HttpRequest) -> HttpResponse:
    """The gaming flags of the actor's subtree, open ones first."""
    period = request.GET.get("period", "")
    status = request.GET.get("status", "")
    flags = sel.gaming_queue(actor=request.user, key=period or None, status=status)
    return render(
        request,
        "analysis/gaming.html",
        {
            "flags": flags[:500],
            "total": flags.count(),
            "periods": sel.gaming_periods(),
            "period": period,
            "status": status,
            "statuses": FlagStatus.choices,
            "may_run": analysis_may_run(actor=request.user),
        },
    )


@login_required
@require_POST
def gaming_run_view(request: HttpRequest) -> HttpResponse:
    if not sel.analysis_may_view(actor=request.user) or not analysis_may_run(actor=request.user):
        raise Http404
    key = request.POST.get("period", "").strip()
    try:
        run = gaming_run(actor=request.user, key=key)
    except AnalysisRefused as exc:
        messages.error(request, str(exc))
        return redirect("analysis:gaming")
    messages.success(
        request,
        _("Gaming detection run for %(period)s: %(flags)d flags.")
        % {"period": run.period_key, "flags": run.row_count},
    )
    return redirect(f"{request.path.removesuffix('run/')}?period={run.period_key}")


@login_required
@require_GET
def flag_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    """A flag with the lake rows behind it and the manager's decision."""
    flag = sel.flag_get(actor=request.user, flag_id=flag_id)
    return render(
        request,
        "analysis/flag.html",
        {
            "flag": flag,
            "evidence": sel.flag_evidence(actor=request.user, flag=flag),
            "may_decide": sel.flag_may_decide(actor=request.user, flag=flag),
        },
    )


@login_required
@require_POST
def flag_decide_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    try:
        flag = gaming_decide(
            actor=request.user,
            flag_id=flag_id,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
    except AnalysisRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Decision recorded: %(status)s.") % {"status": flag.get_status_display()}
        )
    return redirect("analysis:flag", flag_id=flag_id)
