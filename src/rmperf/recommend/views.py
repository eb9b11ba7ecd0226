"""Pages of the recommend app: the RM workbench, the customer panel (an HTMX fragment
included in the customer 360), the one-click offer log, and campaigns (list, create,
detail with the funnel, the RM's targets and their offer log)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import Action
from rmperf.customers.models import Customer, Product, ProductCategory
from rmperf.recommend.campaigns import (
    CampaignError,
    campaign_close,
    campaign_create,
    campaign_may_create,
    campaign_offer_log,
    campaign_refresh,
)
from rmperf.recommend.models import CampaignStatus, CampaignTarget, Outcome
from rmperf.recommend.selectors import (
    campaign_get,
    campaign_results,
    campaign_targets,
    campaign_withdrawn,
    campaign_withheld,
    campaigns_visible,
    customer_panel,
    rm_campaign_targets,
    run_latest,
    workbench_list,
)
from rmperf.recommend.services import offer_log
from rmperf.segments.models import Tier


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


class CampaignForm(forms.Form):
    """What a branch manager picks: the product and the segment (tiers, tags, gap)."""

    name = forms.CharField(label=_("Campaign name"), max_length=200)
    product_id = forms.ChoiceField(label=_("Product"))
    tiers = forms.MultipleChoiceField(
        label=_("Tiers (none: every tier)"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags (all of them; separated by spaces)"), max_length=400, required=False
    )
    gap_category = forms.ChoiceField(label=_("Product gap: not holding"), required=False)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product: Any = self.fields["product_id"]
        gap: Any = self.fields["gap_category"]
        product.choices = [
            (p.product_id, f"{p.product_id} {p.name} ({p.risk_level})")
            for p in Product.objects.order_by("product_id")
        ]
        gap.choices = [("", _("(none)")), *ProductCategory.choices]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


@login_required
@require_GET
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recommend/campaign_list.html",
        {
            "campaigns": campaigns_visible(actor=request.user),
            "may_create": campaign_may_create(actor=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    if not campaign_may_create(actor=request.user):
        raise Http404
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = campaign_create(
                actor=request.user,
                name=d["name"],
                product_id=d["product_id"],
                tiers=d["tiers"],
                tags=d["tags"].split(),
                gap_category=d["gap_category"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
            )
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("recommend:campaign_detail", campaign_id=campaign.pk)
    return render(request, "recommend/campaign_form.html", {"form": form})


@login_required
@require_GET
def campaign_detail_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get(actor=request.user, campaign_id=campaign_id)
    results = campaign_results(actor=request.user, campaign=campaign)
    return render(
        request,
        "recommend/campaign_detail.html",
        {
            "campaign": campaign,
            "results": results,
            "chart": results.chart,
            "targets": campaign_targets(actor=request.user, campaign=campaign),
            "withheld": campaign_withheld(actor=request.user, campaign=campaign),
            "withdrawn": campaign_withdrawn(actor=request.user, campaign=campaign),
            "may_close": campaign.status == CampaignStatus.ACTIVE
            and campaign_may_create(actor=request.user),
            "zh": _zh(),
        },
    )


@login_required
@require_GET
def campaign_mine_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recommend/campaign_mine.html",
        {
            "targets": rm_campaign_targets(actor=request.user),
            "outcomes": Outcome.choices,
            "zh": _zh(),
        },
    )


@login_required
@require_POST
def campaign_offer_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get(actor=request.user, campaign_id=campaign_id)
    try:
        target_id = int(request.POST.get("target", ""))
    except ValueError:
        return HttpResponseBadRequest("target: an id is required")
    outcome = request.POST.get("outcome", "")
    if (
        not CampaignTarget.objects.restrict(request.user)
        .filter(pk=target_id, campaign=campaign)
        .exists()
    ):
        raise Http404
    try:
        campaign_offer_log(actor=request.user, target_id=target_id, outcome=outcome)
    except CampaignError as exc:
        return HttpResponseBadRequest(str(exc))
    return redirect("recommend:campaign_mine")


@login_required
@require_POST
def campaign_close_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign_get(actor=request.user, campaign_id=campaign_id)
    campaign_close(actor=request.user, campaign_id=campaign_id)
    return redirect("recommend:campaign_detail", campaign_id=campaign_id)


@login_required
@require_POST
def campaign_refresh_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Re-evaluate the list on the latest segmentation run and lake (branch manager)."""
    campaign_get(actor=request.user, campaign_id=campaign_id)
    try:
        done = campaign_refresh(actor=request.user, campaign_id=campaign_id)
    except CampaignError as exc:
        return HttpResponseBadRequest(str(exc))
    messages.success(
        request,
        gettext(
            "List refreshed: %(added)d added, %(withdrawn)d withdrawn, %(back)d back on the list."
        )
        % {
            "added": len(done.added),
            "withdrawn": len(done.withdrawn),
            "back": len(done.reinstated),
        },
    )
    return redirect("recommend:campaign_detail", campaign_id=campaign_id)
