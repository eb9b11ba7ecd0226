"""Referral endpoints: list, one, check against the rule book, create, transition.

Bad input answers 422 with `{"message", "detail": {field: [messages]}}`; out of scope 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rmperf.core.schemas import DecimalIn, ErrorOut, choice_filter
from rmperf.referrals.models import Need, Referral, State
from rmperf.referrals.selectors import referral_get, referral_list
from rmperf.referrals.services import referral_check, referral_create, referral_transition

router = Router(tags=["referrals"])
API_PAGE_SIZE = 25


class ReferralIn(Schema):
    customer_id: str = Field("", description="The referred customer")
    need: str = Field(
        "",
        description="wealth, corporate_loan, corporate_settlement, "
        "family_trust or medical_insurance",
    )
    to_staff_id: str = Field("", description="The receiver; empty: the customer's RM")
    deposit: DecimalIn | None = Field(None, description="Deposit since the account opened")
    note: str = ""


class ReferralCheckOut(Schema):
    ok: bool
    rule_id: str | None
    message: str
    errors: dict[str, list[str]]


class ReferralOut(Schema):
    id: int
    customer_id: str
    from_staff_id: str
    to_staff_id: str
    need: str
    rule_id: str
    policy_version: str
    state: str
    created_at: dt.datetime
    due_at: dt.datetime
    accepted_at: dt.datetime | None
    contacted_at: dt.datetime | None
    closed_at: dt.datetime | None
    escalated_to_id: str | None
    lost_reason: str
    expiry_reason: str
    product_id: str | None
    purchase_amount: Decimal | None
    purchase_date: dt.date | None
    points: int


class ReferralListOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ReferralOut]


class TransitionIn(Schema):
    action: str = Field("", description="accept, contact, convert or lose")
    lost_reason: str = ""
    lost_detail: str = ""


class ListIn(Schema):
    box: Literal["inbox", "sent", "all"] = Field("all", description="inbox, sent or all")
    state: str = choice_filter(State, description="the referral's state")
    need: str = choice_filter(Need, description="what the customer needs")
    q: str = ""
    page: int = Field(1, ge=1)


def _out(r: Referral) -> ReferralOut:
    return ReferralOut.model_validate(r, from_attributes=True)


@router.get(
    "/",
    response={200: ReferralListOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="referral_list",
)
def list_referrals(request: HttpRequest, filters: Query[ListIn]) -> Any:
    data = filters.model_dump(exclude={"page", "box"})
    fs = referral_list(actor=request.user, box=filters.box, filters=data)
    if not fs.is_valid():
        return Status(422, {"message": _("Invalid request."), "detail": fs.errors.get_json_data()})
    pages = Paginator(fs.qs.order_by("-created_at", "-pk"), API_PAGE_SIZE)
    try:
        page = pages.page(filters.page)
    except EmptyPage:  # a page past the last one does not exist
        return Status(404, {"message": _("Not found."), "detail": {"page": [_("No such page.")]}})
    return {
        "count": pages.count,
        "page": page.number,
        "pages": pages.num_pages,
        "items": [_out(r) for r in page.object_list],
    }


@router.get(
    "/{int:referral_id}",
    response={200: ReferralOut, 401: ErrorOut, 404: ErrorOut},
    url_name="referral_detail",
)
def get_referral(request: HttpRequest, referral_id: int) -> Any:
    return _out(referral_get(actor=request.user, referral_id=referral_id))


@router.post(
    "/check",
    response={200: ReferralCheckOut, 401: ErrorOut, 422: ErrorOut},
    url_name="referral_check",
)
def check_referral(request: HttpRequest, payload: ReferralIn) -> Any:
    """Which rule the referral would meet, or why not (nothing is saved)."""
    check = referral_check(
        actor=request.user,
        customer_id=payload.customer_id,
        need=payload.need,
        to_staff_id=payload.to_staff_id,
        deposit=payload.deposit,
    )
    return {
        "ok": check.ok,
        "rule_id": check.rule.id if check.rule is not None else None,
        "message": check.summary,
        "errors": check.errors,
    }


@router.post(
    "/", response={201: ReferralOut, 401: ErrorOut, 422: ErrorOut}, url_name="referral_create"
)
def create_referral(request: HttpRequest, payload: ReferralIn) -> Any:
    try:
        r = referral_create(
            actor=request.user,
            customer_id=payload.customer_id,
            need=payload.need,
            to_staff_id=payload.to_staff_id,
            deposit=payload.deposit,
            note=payload.note,
        )
    except ValidationError as exc:
        return Status(422, {"message": _("Invalid request."), "detail": exc.message_dict})
    return Status(201, _out(r))


@router.post(
    "/{int:referral_id}/transition",
    response={200: ReferralOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="referral_transition",
)
def transition_referral(request: HttpRequest, referral_id: int, payload: TransitionIn) -> Any:
    try:
        r = referral_transition(
            actor=request.user,
            referral_id=referral_id,
            action=payload.action,
            lost_reason=payload.lost_reason,
            lost_detail=payload.lost_detail,
        )
    except ValidationError as exc:
        return Status(422, {"message": _("Transition not allowed."), "detail": exc.message_dict})
    return _out(r)
