"""Org endpoints: the units and the people the caller may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rmperf.core.schemas import ErrorOut
from rmperf.org.selectors import staff_get, unit_list

router = Router(tags=["org"])


class UnitOut(Schema):
    unit_id: str
    name: str
    kind: str
    parent_id: str | None
    path: str


class StaffOut(Schema):
    staff_id: str
    name: str
    role: str
    rank: str
    unit_id: str
    unit_name: str
    hired_on: dt.date
    customer_count: int


@router.get(
    "/org/units",
    response={200: list[UnitOut], 401: ErrorOut},
    url_name="unit_list",
    summary="List org units",
)
def list_units(request: HttpRequest) -> list[dict[str, Any]]:
    """The org units the caller may see, in tree order."""
    return [
        {
            "unit_id": u.unit_id,
            "name": u.name,
            "kind": u.kind,
            "parent_id": u.parent_id,
            "path": u.path,
        }
        for u in unit_list(actor=request.user)
    ]


@router.get(
    "/staff/{staff_id}",
    response={200: StaffOut, 401: ErrorOut, 404: ErrorOut},
    url_name="staff_detail",
    summary="One staff member",
)
def get_staff(request: HttpRequest, staff_id: str) -> dict[str, Any]:
    """One staff member in the caller's scope with their current customer count; else 404."""
    member = staff_get(actor=request.user, staff_id=staff_id)
    return {
        "staff_id": member.staff_id,
        "name": member.name,
        "role": member.role,
        "rank": member.rank,
        "unit_id": member.unit_id,
        "unit_name": member.unit.name,
        "hired_on": member.hired_on,
        "customer_count": member.customer_count,  # type: ignore[attr-defined]
    }
