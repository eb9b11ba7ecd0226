"""The customer profile's edit (industry, household, hobbies, contact times): a POST from
the revealed profile on the customer 360, by the customer's RM only (customers.services
customer_profile_update; anyone else answers 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rmperf.customers.models import PROFILE_FIELDS
from rmperf.customers.selectors import customer_get
from rmperf.customers.services import ProfileRefused, customer_profile_update
from rmperf.segments.views import _detail_context, profile_rows


@login_required
@require_POST
def customer_profile_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Saves the profile and goes back to the 360 (masked again); a text that breaks a
    rule shows the form again with what was typed and why (400)."""
    values = {f: request.POST.get(f, "") for f in PROFILE_FIELDS}
    try:
        _customer, changed = customer_profile_update(
            actor=request.user, customer_id=customer_id, values=values
        )
    except ProfileRefused as exc:
        customer = customer_get(actor=request.user, customer_id=customer_id)
        context = _detail_context(request, customer, None)
        context["profile"] = profile_rows(values, exc.errors)
        context["profile_form"] = True
        return render(request, "customers/customer_detail.html", context, status=400)
    if changed:
        messages.success(request, _("The customer profile was saved."))
    else:
        messages.info(request, _("Nothing in the profile changed."))
    return redirect(reverse("customers:detail", kwargs={"customer_id": customer_id}))
