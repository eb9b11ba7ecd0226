"""Careers endpoints: a year's ladder checks, a proposal's decision, the negative list and
one entry with its follow-up, through the same services and access rules as the pages.
Out of scope answers 404 exactly like missing; a refused step answers 422 with why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from rmperf.careers import selectors as sel
from rmperf.careers.models import CareerCheck, NegativeListing
from rmperf.careers.services import CareerError, career_check_decide
from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import ErrorOut

router = Router(tags=["careers"])


class CheckOut(Schema):
    id: int
    staff_id: str
    name: str
    year: int
    rank: str
    next_rank: str
    eligible: bool
    status: str
    measured: dict[str, Any]
    grade_steps: int | None
    honours: bool
    training_priority: bool
    effective_quarter: str
    decision_note: str
    policy_version: str


def _check(c: CareerCheck) -> dict[str, Any]:
    return {
        "id": c.pk,
        "staff_id": c.staff_id,
        "name": c.staff.name,
        "year": c.year,
        "rank": c.rank_from,
        "next_rank": c.rank_to,
        "eligible": c.eligible,
        "status": c.status,
        "measured": c.measured,
        "grade_steps": c.grade_steps,
        "honours": c.honours,
        "training_priority": c.training_priority,
        "effective_quarter": c.effective_quarter,
        "decision_note": c.decision_note,
        "policy_version": c.policy_version,
    }


@router.get(
    "/checks/{int:year}",
    # 404: a path the URL pattern does not match (a negative year), as every /api/ path.
    response={200: list[CheckOut], 401: ErrorOut, 404: ErrorOut},
    url_name="careers_checks",
    summary="A year's career ladder checks",
)
def list_checks(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    """The checks the caller may see (an RM: their own; managers: their subtree)."""
    return [_check(c) for c in sel.career_checks(actor=request.user, year=year)]


class DecisionIn(Schema):
    decision: Literal["confirm", "reject"]
    note: str = ""


@router.post(
    "/checks/{int:check_id}/decide",
    response={200: CheckOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="careers_decide",
    summary="Confirm or reject a promotion proposal",
    openapi_extra=body_doc(DecisionIn),
)
def decide(request: HttpRequest, check_id: int) -> Any:
    """The branch manager over the RM; a rejection needs a note. Body:
    `{"decision": "confirm" | "reject", "note": …}`."""
    sel.career_check_for_change(actor=request.user, check_id=check_id)
    try:
        payload = read_body(request, DecisionIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        check = career_check_decide(
            actor=request.user,
            check_id=check_id,
            confirm=payload.decision == "confirm",
            note=payload.note,
        )
    except CareerError as exc:
        return Status(422, {"message": str(exc), "detail": None})
    return _check(check)


class ListingOut(Schema):
    id: int
    staff_id: str
    name: str
    period: str
    previous_period: str
    branch: str
    scorecard: str
    total: Decimal
    previous_total: Decimal
    status: str
    fitness: str
    review_date: str | None
    outcome: str
    recovery: str
    goals: list[str]
    talks: list[dict[str, str]]


def _listing(e: NegativeListing, recovery: str, *, detail: bool = False) -> dict[str, Any]:
    return {
        "id": e.pk,
        "staff_id": e.staff_id,
        "name": e.staff.name,
        "period": e.period,
        "previous_period": e.previous_period,
        "branch": e.branch_id,
        "scorecard": e.scorecard,
        "total": e.total,
        "previous_total": e.previous_total,
        "status": e.status,
        "fitness": e.fitness,
        "review_date": e.review_date.isoformat() if e.review_date else None,
        "outcome": e.outcome,
        "recovery": recovery,
        "goals": [g.text for g in e.goals.all()] if detail else [],
        "talks": (
            [{"held_on": t.held_on.isoformat(), "notes": t.notes} for t in e.talks.all()]
            if detail
            else []
        ),
    }


class NegativeOut(Schema):
    recovered: int
    decided: int
    pending: int
    share: Decimal | None
    entries: list[ListingOut]


@router.get(
    "/negative",
    response={200: NegativeOut, 401: ErrorOut, 404: ErrorOut},
    url_name="careers_negative",
    summary="The negative list and its recovery share",
)
def list_negative(request: HttpRequest, period: str = "") -> dict[str, Any]:
    """The entries the caller may see (RM own; team leader, branch manager: their
    subtree; HR: all); 404 for every other role. `period` narrows to one quarter."""
    if not sel.may_see_negative_list(request.user):
        raise Http404
    share, outcomes = sel.recovery_in_force(actor=request.user)
    entries = sel.negative_listings(actor=request.user, period=period.strip().upper() or None)
    return {
        "recovered": share.recovered,
        "decided": share.decided,
        "pending": share.pending,
        "share": share.share,
        "entries": [_listing(e, str(outcomes.get(e.pk, ""))) for e in entries],
    }


@router.get(
    "/negative/{int:listing_id}",
    response={200: ListingOut, 401: ErrorOut, 404: ErrorOut},
    url_name="careers_listing",
    summary="One negative-list entry with its plan and talks",
)
def get_listing(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    """The entry with its goals and talks; 404 out of scope, as for a missing one."""
    if not sel.may_see_negative_list(request.user):
        raise Http404
    entry = sel.listing_get(actor=request.user, listing_id=listing_id)
    _share, outcomes = sel.recovery_in_force(actor=request.user)
    return _listing(entry, str(outcomes.get(entry.pk, "")), detail=True)
