"""Pages of the innovation proposals: "My proposals" (an RM's list and submit form) and
the review queue (the author's team leader or branch manager, or HR, adopt or reject
with a note). Writes go through `performance.proposals`; reads through its selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rmperf.performance import proposals as prop
from rmperf.performance.services.periods import PerformanceError


@login_required
@require_http_methods(["GET", "POST"])
def proposals_mine_view(request: HttpRequest) -> HttpResponse:
    """The actor's proposals with their decisions; an RM submits a new one here."""
    form = {"title": "", "description": ""}
    if request.method == "POST":
        form = {
            "title": request.POST.get("title", ""),
            "description": request.POST.get("description", ""),
        }
        try:
            prop.proposal_submit(actor=request.user, **form)
        except PerformanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your proposal was submitted for review."))
            return redirect("performance:proposals")
    context = {
        "proposals": list(prop.proposals_mine(actor=request.user).select_related("reviewer")),
        "may_submit": prop.may_submit(request.user),
        "may_review": prop.may_review_any(request.user),
        "form": form,
        "title_max": prop.TITLE_MAX,
    }
    return render(request, "performance/proposals.html", context)


@login_required
@require_http_methods(["GET"])
def proposals_review_view(request: HttpRequest) -> HttpResponse:
    """The submitted proposals the actor may decide, and the latest decided ones."""
    if not prop.may_review_any(request.user):
        raise Http404
    context = {
        "queue": prop.proposals_review_queue(actor=request.user),
        "decided": prop.proposals_decided(actor=request.user),
    }
    return render(request, "performance/proposals_review.html", context)


@login_required
@require_POST
def proposal_decide_view(request: HttpRequest, innovation_id: int) -> HttpResponse:
    """Adopt or reject one proposal with a note; the reason is shown when refused (a
    proposal out of the actor's scope: 404)."""
    if not prop.proposals_visible(actor=request.user).filter(pk=innovation_id).exists():
        raise Http404
    # Back to the queue; someone with none (an RM posting here) to their own proposals.
    back = (
        "performance:proposals_review"
        if prop.may_review_any(request.user)
        else "performance:proposals"
    )
    action = request.POST.get("action", "")
    if action not in {"adopt", "reject"}:
        messages.error(request, _("Unknown action."))
        return redirect(back)
    try:
        prop.proposal_decide(
            actor=request.user,
            proposal_id=innovation_id,
            adopt=action == "adopt",
            note=request.POST.get("note", ""),
        )
    except PerformanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The proposal was adopted.")
            if action == "adopt"
            else _("The proposal was rejected."),
        )
    return redirect(back)
