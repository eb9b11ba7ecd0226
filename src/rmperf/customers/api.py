"""Customer endpoints: restricted, always masked, filtered by the same FilterSet as the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from rmperf.core.access import may_see_customer_names
from rmperf.core.masking import birth_year, mask_id_number, mask_phone
from rmperf.core.schemas import ErrorOut, choice_filter
from rmperf.customers.models import Customer, CustomerKind, RiskTolerance
from rmperf.customers.selectors import customer_assignments, customer_get, customer_list
from rmperf.customers.tables import display_name

router = Router(tags=["customers"])
API_PAGE_SIZE = 25


class CustomerFilterIn(Schema):
    q: str = Field("", description="Customer id, name, or the phone's last 4 digits")
    # The allowed values are in the schema, so a client (and schemathesis) knows them.
    kind: str = choice_filter(CustomerKind, description="retail or corporate")
    risk_level: str = choice_filter(RiskTolerance, description="C1 … C5")
    page: int = Field(1, ge=1)


class CustomerListItemOut(Schema):
    customer_id: str
    name: str
    kind: str
    home_branch_id: str
    home_branch: str
    opened_on: dt.date
    risk_level: str
    risk_assessed_on: dt.date | None
    contact_verified_on: dt.date | None
    phone_masked: str


class CustomerListOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[CustomerListItemOut]


class AssignmentOut(Schema):
    staff_id: str
    staff_name: str
    valid_from: dt.date
    valid_to: dt.date | None


class CustomerDetailOut(Schema):
    customer_id: str
    name: str
    kind: str
    home_branch_id: str
    home_branch: str
    opened_on: dt.date
    birth_year: int | None
    phone_masked: str
    id_number_masked: str
    risk_level: str
    risk_assessed_on: dt.date | None
    contact_verified_on: dt.date | None
    marketing_opt_out: bool
    assignments: list[AssignmentOut]


def _list_item(customer: Customer, *, mask_names: bool) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": display_name(customer, mask_names=mask_names),
        "kind": customer.kind,
        "home_branch_id": customer.unit_id,
        "home_branch": customer.unit.name,
        "opened_on": customer.opened_on,
        "risk_level": customer.risk_level,
        "risk_assessed_on": customer.risk_assessed_on,
        "contact_verified_on": customer.contact_verified_on,
        "phone_masked": mask_phone(customer.phone),
    }


@router.get(
    "",
    response={200: CustomerListOut, 401: ErrorOut, 422: ErrorOut},
    url_name="customer_list",
    summary="List customers",
)
def list_customers(request: HttpRequest, filters: Query[CustomerFilterIn]) -> dict[str, Any]:
    """The customers the caller may see, masked, 25 a page."""
    data = filters.dict(exclude={"page"})
    filterset = customer_list(actor=request.user, filters=data)
    if not filterset.is_valid():
        raise _filter_error(filterset.errors.get_json_data())
    paginator = Paginator(filterset.qs, API_PAGE_SIZE)
    try:
        rows = list(paginator.page(filters.page).object_list)
    except EmptyPage:
        rows = []
    mask_names = not may_see_customer_names(request.user)
    return {
        "count": paginator.count,
        "page": filters.page,
        "pages": paginator.num_pages,
        "page_size": API_PAGE_SIZE,
        "items": [_list_item(c, mask_names=mask_names) for c in rows],
    }


def _filter_error(errors: dict[str, Any]) -> ValidationError:
    """Invalid filter values, in ninja's validation-error shape (answered as 422)."""
    return ValidationError(
        [
            {"loc": ["query", name], "msg": problem["message"], "type": problem["code"]}
            for name, problems in errors.items()
            for problem in problems
        ]
    )


@router.get(
    "/{customer_id}",
    response={200: CustomerDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="customer_detail",
    summary="One customer",
)
def get_customer(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    """One customer in the caller's scope, masked; 404 when out of scope or missing."""
    customer = customer_get(actor=request.user, customer_id=customer_id)
    item = _list_item(customer, mask_names=not may_see_customer_names(request.user))
    item.pop("phone_masked")
    assignments = customer_assignments(actor=request.user, customer=customer)
    return {
        **item,
        "birth_year": birth_year(customer.birth_date),
        "phone_masked": mask_phone(customer.phone),
        "id_number_masked": mask_id_number(customer.id_number),
        "marketing_opt_out": customer.marketing_opt_out,
        "assignments": [
            {
                "staff_id": a.staff_id,
                "staff_name": a.staff.name,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
            }
            for a in assignments
        ],
    }
