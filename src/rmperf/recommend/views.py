"""Pages of the recommend app: the RM workbench, the customer panel (an HTMX fragment
included in the customer 360) and the one-click offer log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from rmperf.core.access import Action
from rmperf.customers.models import Customer
from rmperf.recommend.models import Outcome
from rmperf.recommend.selectors import customer_panel, run_latest, workbench_list
from rmperf.recommend.services import offer_log


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


@login_required
@require_GET
def workbench_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recommend/workbench.html",
        {"rows": workbench_list(actor=request.user), "run": run_latest(), "zh": _zh()},
    )


def _panel(request: HttpRequest, customer: Customer) -> HttpResponse:
    panel = customer_panel(actor=request.user, customer=customer)
    may_log = Customer.objects.restrict(request.user, Action.CHANGE).filter(pk=customer.pk)
    return render(
        request,
        "recommend/_panel.html",
        {
            "customer": customer,
            "panel": panel,
            "zh": _zh(),
            "outcomes": Outcome.choices,
            "may_log": may_log.exists(),
        },
    )


@login_required
@require_GET
def customer_panel_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=customer_id)
    return _panel(request, customer)


@login_required
@require_POST
def offer_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=customer_id)
    try:
        rec_id = int(request.POST.get("recommendation", ""))
    except ValueError:
        return HttpResponseBadRequest("recommendation: an id is required")
    outcome = request.POST.get("outcome", "")
    if outcome not in Outcome.values:
        return HttpResponseBadRequest("outcome: one of " + ", ".join(Outcome.values))
    offer = offer_log(actor=request.user, recommendation_id=rec_id, outcome=outcome)
    if offer.customer_id != customer.pk:
        raise Http404
    if request.headers.get("HX-Request"):
        return _panel(request, customer)
    return redirect("customers:detail", customer_id=customer.pk)
