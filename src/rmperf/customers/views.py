"""Customer pages: thin views over the selectors and services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from rmperf.core.access import may_reveal_personal_data, may_see_customer_names, staff_of
from rmperf.core.htmx import render_page_or_partial, wants_partial
from rmperf.core.masking import birth_year, mask_id_number, mask_phone
from rmperf.customers.models import Customer
from rmperf.customers.selectors import customer_assignments, customer_get, customer_list
from rmperf.customers.services import PersonalData, customer_reveal_personal_data
from rmperf.customers.tables import CustomerTable, display_name

PAGE_SIZE = 25


@login_required
@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """An RM's own customers ("My customers"); managers see their unit's."""
    filterset = customer_list(actor=request.user, filters=request.GET)
    table = CustomerTable(filterset.qs, mask_names=not may_see_customer_names(request.user))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    staff = staff_of(request.user)
    context = {
        "filterset": filterset,
        "table": table,
        "is_own_book": staff is not None and staff.role == "rm",
    }
    return render_page_or_partial(
        request,
        page="customers/customer_list.html",
        partial="customers/_customer_results.html",
        context=context,
    )


def _detail_context(
    request: HttpRequest, customer: Customer, revealed: PersonalData | None
) -> dict[str, object]:
    user = request.user
    sees_full_birth_date = may_reveal_personal_data(user)
    personal: dict[str, object]
    if revealed is not None:
        personal = {
            "phone": revealed.phone,
            "id_number": revealed.id_number,
            "birth_date": revealed.birth_date,
            "birth_year": None,
        }
    else:
        personal = {
            "phone": mask_phone(customer.phone),
            "id_number": mask_id_number(customer.id_number),
            "birth_date": customer.birth_date if sees_full_birth_date else None,
            "birth_year": None if sees_full_birth_date else birth_year(customer.birth_date),
        }
    return {
        "customer": customer,
        "name": display_name(customer, mask_names=not may_see_customer_names(user)),
        "personal": personal,
        "revealed": revealed is not None,
        "may_reveal": may_reveal_personal_data(user),
        "assignments": customer_assignments(actor=user, customer=customer),
    }


@login_required
@require_GET
def customer_detail_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """A customer's profile, masked, with the history of who looked after them."""
    customer = customer_get(actor=request.user, customer_id=customer_id)
    return render(
        request, "customers/customer_detail.html", _detail_context(request, customer, None)
    )


@login_required
@require_POST
def customer_reveal_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Shows the full personal data once, for permitted roles; the reveal is audited."""
    customer, revealed = customer_reveal_personal_data(actor=request.user, customer_id=customer_id)
    context = _detail_context(request, customer, revealed)
    template = (
        "customers/_personal_data.html"
        if wants_partial(request)
        else "customers/customer_detail.html"
    )
    return render(request, template, context)
