"""Pay endpoints: a quarter's statements in scope, one statement with its lines, running a
quarter and approving a run, through the same selectors, services and access rules as the
pages. Out of scope answers 404 exactly like missing; a refused step answers 422 with why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import ErrorOut
from rmperf.pay import selectors as sel
from rmperf.pay.models import PayRun, PayStatement
from rmperf.pay.services import LINE_FIELDS, MONEY_FIELDS, PayRefused, pay_approve, pay_run

router = Router(tags=["pay"])


class PayStatementOut(Schema):
    id: int
    staff_id: str
    name: str
    period: str
    rank: str
    rating: str
    coefficient: Decimal | None
    npl_ratio: Decimal
    base: Decimal
    loan_pay: Decimal
    excess_reward: Decimal
    performance_pay: Decimal
    deferred: Decimal
    immediate: Decimal
    held: Decimal
    held_released: Decimal
    deferral_released: Decimal
    malus: Decimal
    clawback: Decimal
    total_paid: Decimal
    deferral_balance: Decimal
    approved: bool


class PayLineOut(Schema):
    id: int
    position: int
    line: str
    amount: Decimal
    loan_id: str
    source_period: str
    part: int | None
    due_period: str
    month: str
    portions: str
    rate: Decimal | None
    coefficient: Decimal | None
    detail: str


class PayStatementDetailOut(PayStatementOut):
    lines: list[PayLineOut]


class PayRunOut(Schema):
    run_id: str
    period: str
    status: str
    first_period: str
    rated_periods: list[str]
    statements: int
    total_paid: Decimal
    policy: str
    ran_by: str
    approved: bool
    approved_by: str | None
    digest: str


def _statement(s: PayStatement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "staff_id": s.staff_id,
        "name": s.staff.name,
        "period": s.period,
        "rank": s.rank,
        "rating": s.rating,
        "coefficient": s.coefficient,
        "npl_ratio": s.npl_ratio,
        **{f: getattr(s, f) for f in MONEY_FIELDS},
        "approved": s.run.is_approved,
    }


def _run(run: PayRun) -> dict[str, Any]:
    return {
        "run_id": str(run.run_id),
        "period": run.period,
        "status": run.status,
        "first_period": run.first_period,
        "rated_periods": list(run.rated_periods),
        "statements": run.row_count,
        "total_paid": run.total_paid,
        "policy": run.policy_label,
        "ran_by": run.actor_label,
        "approved": run.is_approved,
        "approved_by": run.approved_by.get_username() if run.approved_by is not None else None,
        "digest": run.digest,
    }


@router.get(
    "/statements",
    response={200: list[PayStatementOut], 401: ErrorOut, 404: ErrorOut},
    url_name="pay_statements",
    summary="A quarter's pay statements in scope",
)
def list_statements(request: HttpRequest, period: str | None = None) -> Any:
    """The statements of the quarter's current run the caller may see (an RM: their own;
    team leaders and branch managers: their unit; HR and auditors: all); without
    `period`, the latest quarter paid."""
    if not sel.may_see_pay(request.user):
        raise Http404
    if period is None:
        periods = sel.pay_periods(actor=request.user)
        if not periods:
            return []
        period = periods[0]
    return [_statement(s) for s in sel.statements(actor=request.user, key=period.upper())]


@router.get(
    "/statements/{int:statement_id}",
    response={200: PayStatementDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="pay_statement",
    summary="One pay statement with its lines",
)
def get_statement(request: HttpRequest, statement_id: int) -> Any:
    s = sel.statement_get(actor=request.user, statement_id=statement_id)
    return {
        **_statement(s),
        "lines": [
            {"id": ln.pk, "position": ln.position, **{f: getattr(ln, f) for f in LINE_FIELDS}}
            for ln in s.lines.all()
        ],
    }


class PayRunIn(Schema):
    period: str


@router.post(
    "/runs",
    response={201: PayRunOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="pay_run",
    summary="Run pay for a quarter",
    openapi_extra=body_doc(PayRunIn),
)
def run_quarter(request: HttpRequest) -> Any:
    """HR (or a superuser) computes the quarter's statements from the confirmed ratings;
    refused (422) when a quarter is not confirmed or the quarter is approved. Body:
    `{"period": "2026Q3"}`."""
    from rmperf.pay.services import pay_may_run

    if not pay_may_run(actor=request.user):
        raise Http404
    try:
        payload = read_body(request, PayRunIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        run = pay_run(actor=request.user, key=payload.period.strip().upper())
    except PayRefused as exc:
        return Status(422, {"message": str(exc), "detail": None})
    return Status(201, _run(run))


@router.post(
    "/runs/{run_id}/approve",
    response={200: PayRunOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="pay_approve",
    summary="Approve a pay run (a second person)",
)
def approve_run(request: HttpRequest, run_id: str) -> Any:
    """HR or a superuser who did not run it; refused (422) for one's own run."""
    run = sel.pay_run_get(actor=request.user, run_id=run_id)
    try:
        approved = pay_approve(actor=request.user, run_id=str(run.run_id))
    except PayRefused as exc:
        return Status(422, {"message": str(exc), "detail": None})
    return _run(approved)
