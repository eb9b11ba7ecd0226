"""Performance endpoints: a period's results and one RM's scorecard, as the pages show
them, and the writes the pages make (run, calibrate, confirm, close, reopen, target
sheets, manual scores), through the same services and access rules. Session auth with Django's CSRF
check on writes (the API root's `django_auth`); out of scope answers 404 exactly like
missing; a step the workflow refuses answers 422 with the reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from rmperf.core.access import Action, scope_of
from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import DecimalIn, ErrorOut
from rmperf.performance import selectors as sel
from rmperf.performance.manual_selectors import manual_assigned_to_me
from rmperf.performance.models import (
    LineResult,
    ManualScore,
    PerfPeriod,
    RmResult,
    TargetSheet,
)
from rmperf.performance.services.calibration import period_confirm_calibration, result_calibrate
from rmperf.performance.services.chain import period_close, period_reopen
from rmperf.performance.services.goals import target_sheet_respond
from rmperf.performance.services.manual import manual_score_enter
from rmperf.performance.services.periods import (
    REFUSALS,
    performance_may_calibrate,
    performance_may_manage,
)
from rmperf.performance.services.runs import period_run
from rmperf.performance.services.targets import (
    TargetInput,
    target_sheet_approve,
    target_sheet_propose,
)

router = Router(tags=["performance"])


class ResultOut(Schema):
    staff_id: str
    name: str
    scorecard: str
    policy_version: str
    base: Decimal
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    tier: str
    calibrated_total: Decimal | None
    calibrated_tier: str
    final_total: Decimal
    final_tier: str


class LineOut(Schema):
    line: str
    indicator: str
    method: str
    weight: Decimal
    effective_weight: Decimal | None
    value: Decimal | None
    target: Decimal | None
    target_source: str
    completion: Decimal | None
    points: Decimal | None
    used: bool
    note: str


class ScorecardOut(Schema):
    period: str
    status: str | None
    staff_id: str
    result: ResultOut | None
    lines: list[LineOut]


def _result(r: RmResult) -> dict[str, Any]:
    return {
        "staff_id": r.staff_id,
        "name": r.staff.name,
        "scorecard": r.scorecard,
        "policy_version": r.policy_version,
        "base": r.base,
        "bonus": r.bonus,
        "deduction": r.deduction,
        "total": r.total,
        "tier": r.tier,
        "calibrated_total": r.calibrated_total,
        "calibrated_tier": r.calibrated_tier,
        "final_total": r.final_total,
        "final_tier": r.final_tier,
    }


@router.get(
    "/{period_key}/results",
    response={200: list[ResultOut], 401: ErrorOut, 404: ErrorOut},
    url_name="performance_results",
    summary="A period's results",
)
def list_results(request: HttpRequest, period_key: str) -> list[dict[str, Any]]:
    """The results the caller may see (an RM: their own), by staff id; empty while the
    period is not computed."""
    _engine_period, period = sel.period_find(actor=request.user, key=period_key)
    return [_result(r) for r in sel.results(actor=request.user, period=period)]


@router.get(
    "/{period_key}/staff/{staff_id}",
    response={200: ScorecardOut, 401: ErrorOut, 404: ErrorOut},
    url_name="performance_scorecard",
    summary="One RM's scorecard",
)
def get_scorecard(request: HttpRequest, period_key: str, staff_id: str) -> dict[str, Any]:
    """One RM's result and lines for a period (result null until computed)."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    engine_period, period = sel.period_find(actor=request.user, key=period_key)
    result = (
        sel.result_get(actor=request.user, period=period, staff_id=staff.staff_id)
        if period
        else None
    )
    lines = (
        LineResult.objects.restrict(request.user, Action.VIEW)
        .filter(result=result)
        .order_by("position")
        if result is not None
        else []
    )
    return {
        "period": engine_period.key,
        "status": period.status if period is not None else None,
        "staff_id": staff.staff_id,
        "result": _result(result) if result is not None else None,
        "lines": [
            {
                "line": ln.line,
                "indicator": ln.indicator,
                "method": ln.method,
                "weight": ln.weight,
                "effective_weight": ln.effective_weight,
                "value": ln.value,
                "target": ln.target,
                "target_source": ln.target_source,
                "completion": ln.completion,
                "points": ln.points,
                "used": ln.used,
                "note": ln.note,
            }
            for ln in lines
        ],
    }


# --- writes -----------------------------------------------------------------------------


def _refused(exc: Exception) -> Status[dict[str, Any]]:
    return Status(422, {"message": str(exc), "detail": None})


class PeriodOut(Schema):
    key: str
    status: str
    close_seq: int | None
    digest: str


class PerformanceRunOut(Schema):
    period: str
    status: str
    run_id: str
    inputs_digest: str
    manual_digest: str
    policy_versions: dict[str, str]
    results: int
    skipped: dict[str, str]


class CalibrateIn(Schema):
    tier: str
    reason: str
    total: DecimalIn | None = None


class ReopenIn(Schema):
    reason: str


def _period_out(p: PerfPeriod) -> dict[str, Any]:
    return {"key": p.key, "status": p.status, "close_seq": p.close_seq, "digest": p.digest}


@router.post(
    "/{period_key}/run",
    response={200: PerformanceRunOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="performance_run",
    summary="Compute a period",
)
def run_period(request: HttpRequest, period_key: str) -> Any:
    """Score every RM on the imported lake with the shipped cards, the approved targets
    and the manual scores (HR and superusers; repeatable until the period closes)."""
    sel.period_key(period_key)
    try:
        run = period_run(actor=request.user, key=period_key)
    except REFUSALS as exc:
        return _refused(exc)
    return {
        "period": run.period.key,
        "status": run.period.status,
        "run_id": str(run.run_id),
        "inputs_digest": run.inputs_digest,
        "manual_digest": run.manual_digest,
        "policy_versions": run.policy_versions,
        "results": run.result_count,
        "skipped": run.skipped,
    }


@router.post(
    "/{period_key}/staff/{staff_id}/calibrate",
    response={200: ResultOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="performance_calibrate",
    summary="Calibrate one RM's result",
    openapi_extra=body_doc(CalibrateIn),
)
def calibrate(request: HttpRequest, period_key: str, staff_id: str) -> Any:
    """A branch manager's calibration of an RM in their branch; a reason is required.
    Body: `{"tier": …, "reason": …, "total": … (optional)}`."""
    sel.period_key(period_key)
    sel.staff_visible(actor=request.user, staff_id=staff_id)
    if not performance_may_calibrate(actor=request.user):
        raise Http404
    try:
        payload = read_body(request, CalibrateIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        result = result_calibrate(
            actor=request.user,
            key=period_key,
            staff_id=staff_id,
            tier=payload.tier,
            reason=payload.reason,
            total=payload.total,
        )
    except REFUSALS as exc:
        return _refused(exc)
    return _result(result)


def _step(request: HttpRequest, step: Any, **kwargs: Any) -> Any:
    sel.period_key(kwargs["key"])
    if not performance_may_manage(actor=request.user):
        raise Http404
    try:
        return _period_out(step(actor=request.user, **kwargs))
    except REFUSALS as exc:
        return _refused(exc)


_PERIOD_RESPONSES = {200: PeriodOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post(
    "/{period_key}/confirm",
    response=_PERIOD_RESPONSES,
    url_name="performance_confirm",
    summary="Confirm a period's ratings",
)
def confirm(request: HttpRequest, period_key: str) -> Any:
    """computed → calibrated: a person confirms the ratings (HR and superusers)."""
    return _step(request, period_confirm_calibration, key=period_key)


@router.post(
    "/{period_key}/close",
    response=_PERIOD_RESPONSES,
    url_name="performance_close",
    summary="Close a period",
)
def close(request: HttpRequest, period_key: str) -> Any:
    """Freeze a calibrated period and append its close to the digest chain (HR)."""
    return _step(request, period_close, key=period_key)


@router.post(
    "/{period_key}/reopen",
    response=_PERIOD_RESPONSES,
    url_name="performance_reopen",
    summary="Reopen a closed period",
    openapi_extra=body_doc(ReopenIn),
)
def reopen(request: HttpRequest, period_key: str) -> Any:
    """Reopen a closed period with a reason (HR); the chain records it. Body:
    `{"reason": …}`."""
    sel.period_key(period_key)
    if not performance_may_manage(actor=request.user):
        raise Http404
    try:
        payload = read_body(request, ReopenIn)
    except BodyError as exc:
        return bad_body(exc)
    return _step(request, period_reopen, key=period_key, reason=payload.reason)


# --- target sheets ----------------------------------------------------------------------


class TargetLineIO(Schema):
    indicator: str
    annual: DecimalIn
    quarters: list[DecimalIn] | None = None
    #: The RM's weight of the card line (within its weight_range); none: the card's.
    weight: DecimalIn | None = None


class SheetIn(Schema):
    lines: list[TargetLineIO]
    note: str = ""
    #: Required for a mid-year change (a sheet approved before, once its year has begun).
    reason: str = ""


class SheetVersionOut(Schema):
    version: int
    event: str
    by: str | None
    at: str
    comment: str
    status: str


class SheetOut(Schema):
    staff_id: str
    year: int
    status: str
    note: str
    proposed_by: str | None
    approved_by: str | None
    lines: list[TargetLineIO]
    version: int
    rm_response: str
    rm_comment: str
    mid_year: bool
    change_reason: str
    checked_by: str | None
    versions: list[SheetVersionOut]


class RespondIn(Schema):
    accept: bool
    comment: str = ""


def _user_name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _sheet_out(sheet: TargetSheet) -> dict[str, Any]:
    return {
        "staff_id": sheet.staff_id,
        "year": sheet.year,
        "status": sheet.status,
        "note": sheet.note,
        "proposed_by": _user_name(sheet.proposed_by),
        "approved_by": _user_name(sheet.approved_by),
        "lines": [
            {
                "indicator": ln.indicator,
                "annual": ln.annual,
                "quarters": list(ln.quarters),
                "weight": ln.weight,
            }
            for ln in sheet.lines.order_by("indicator")
        ],
        "version": sheet.version,
        "rm_response": sheet.rm_response,
        "rm_comment": sheet.rm_comment,
        "mid_year": sheet.mid_year,
        "change_reason": sheet.change_reason,
        "checked_by": _user_name(sheet.checked_by),
        "versions": [
            {
                "version": v.version,
                "event": v.event,
                "by": _user_name(v.by),
                "at": v.at.isoformat(),
                "comment": v.comment,
                "status": v.status,
            }
            for v in sheet.versions.select_related("by").order_by("pk")
        ],
    }


_SHEET_RESPONSES = {200: SheetOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/targets/{int:year}/staff/{staff_id}",
    response={200: SheetOut, 401: ErrorOut, 404: ErrorOut},
    url_name="performance_targets",
    summary="An RM's annual target sheet",
)
def get_targets(request: HttpRequest, year: int, staff_id: str) -> Any:
    """The sheet (一人一表) of an RM the caller may see; 404 when there is none."""
    staff = sel.staff_visible(actor=request.user, staff_id=staff_id)
    sheet = sel.target_sheet(actor=request.user, staff=staff, year=year)
    if sheet is None:
        raise Http404
    return _sheet_out(sheet)


@router.post(
    "/targets/{int:year}/staff/{staff_id}",
    response=_SHEET_RESPONSES,
    url_name="performance_targets_propose",
    summary="Propose an RM's annual target sheet",
    openapi_extra=body_doc(SheetIn),
)
def propose_targets(request: HttpRequest, year: int, staff_id: str) -> Any:
    """The RM for themself, or a leader/manager/HR for an RM in scope. Quarters left out
    are the annual figure split evenly (the fourth takes the remainder). Body:
    `{"lines": [{"indicator": …, "annual": …, "quarters": [q1, q2, q3, q4] (optional),
    "weight": … (optional)}], "note": …, "reason": … (a mid-year change)}`."""
    sel.staff_visible(actor=request.user, staff_id=staff_id)
    try:
        payload = read_body(request, SheetIn)
    except BodyError as exc:
        return bad_body(exc)
    lines = []
    for ln in payload.lines:
        if ln.quarters is not None and len(ln.quarters) != 4:
            return Status(
                422,
                {
                    "message": str(_("Give four quarters or none.")),
                    "detail": {"indicator": ln.indicator},
                },
            )
        quarters = tuple(ln.quarters) if ln.quarters is not None else None
        lines.append(TargetInput(ln.indicator, ln.annual, quarters, ln.weight))  # type: ignore[arg-type]
    try:
        sheet = target_sheet_propose(
            actor=request.user,
            staff_id=staff_id,
            year=year,
            lines=lines,
            note=payload.note,
            reason=payload.reason,
        )
    except REFUSALS as exc:
        return _refused(exc)
    return _sheet_out(sheet)


@router.post(
    "/targets/{int:year}/staff/{staff_id}/approve",
    response=_SHEET_RESPONSES,
    url_name="performance_targets_approve",
    summary="Approve a proposed target sheet",
)
def approve_targets(request: HttpRequest, year: int, staff_id: str) -> Any:
    """A branch manager over the RM, or HR; never the proposer nor the RM (maker-checker),
    once the RM has answered. A mid-year change: the first call records the first
    approval (status `checked`), a second manager's call approves."""
    try:
        sheet = target_sheet_approve(actor=request.user, staff_id=staff_id, year=year)
    except REFUSALS as exc:
        return _refused(exc)
    return _sheet_out(sheet)


@router.post(
    "/targets/{int:year}/staff/{staff_id}/respond",
    response=_SHEET_RESPONSES,
    url_name="performance_targets_respond",
    summary="The RM accepts or comments on the sheet proposed to them",
    openapi_extra=body_doc(RespondIn),
)
def respond_targets(request: HttpRequest, year: int, staff_id: str) -> Any:
    """The RM only (404 for anyone else). Body: `{"accept": true}` or
    `{"accept": false, "comment": …}` (a comment needs text)."""
    sel.staff_visible(actor=request.user, staff_id=staff_id)
    scope = scope_of(request.user)
    if scope is None or scope.staff_id != staff_id:
        raise Http404
    try:
        payload = read_body(request, RespondIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        sheet = target_sheet_respond(
            actor=request.user,
            staff_id=staff_id,
            year=year,
            accept=payload.accept,
            comment=payload.comment,
        )
    except REFUSALS as exc:
        return _refused(exc)
    return _sheet_out(sheet)


# --- manual (qualitative) scores ---------------------------------------------------------


class ManualSeatOut(Schema):
    """A seat the caller holds: the RM, the manual line and the caller's score so far."""

    staff_id: str
    name: str
    key: str
    kind: str
    score: Decimal | None
    comment: str
    entered_at: dt.datetime | None


class ManualScoreIn(Schema):
    score: DecimalIn
    comment: str


class ManualScoreOut(Schema):
    period: str
    staff_id: str
    key: str
    kind: str
    reviewer_id: str
    score: Decimal
    comment: str
    entered_at: dt.datetime


@router.get(
    "/{period_key}/manual/mine",
    response={200: list[ManualSeatOut], 401: ErrorOut, 404: ErrorOut},
    url_name="performance_manual_mine",
    summary="The manual scores the caller is to give in a period",
)
def my_manual_seats(request: HttpRequest, period_key: str) -> list[dict[str, Any]]:
    """Every seat the caller holds (panel, peer or risk reviewer), with the score they
    entered so far (null until then); empty while the period is not open."""
    _engine_period, period = sel.period_find(actor=request.user, key=period_key)
    if period is None:
        return []
    seats = manual_assigned_to_me(actor=request.user, period=period)
    mine = {
        (e.staff_id, e.key): e
        for e in ManualScore.objects.restrict(request.user, Action.VIEW).filter(
            period=period, reviewer_id__in={s.reviewer_id for s in seats}
        )
    }
    out = []
    for seat in seats:
        entry = mine.get((seat.staff_id, seat.key))
        out.append(
            {
                "staff_id": seat.staff_id,
                "name": seat.staff.name,
                "key": seat.key,
                "kind": seat.kind,
                "score": entry.score if entry is not None else None,
                "comment": entry.comment if entry is not None else "",
                "entered_at": entry.entered_at if entry is not None else None,
            }
        )
    return out


@router.post(
    "/{period_key}/staff/{staff_id}/manual/{manual_key}",
    response={200: ManualScoreOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="performance_manual_score",
    summary="Enter the caller's manual score of an RM",
    openapi_extra=body_doc(ManualScoreIn),
)
def enter_manual_score(
    request: HttpRequest, period_key: str, staff_id: str, manual_key: str
) -> Any:
    """From a seat the caller holds (a branch manager sits on their RMs' panels by right):
    a score from 0 to 100 with at most two decimals, and a comment. A second entry
    replaces the first; both are in the audit log. Body: `{"score": …, "comment": …}`."""
    engine_period, _period = sel.period_find(actor=request.user, key=period_key)
    try:
        payload = read_body(request, ManualScoreIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        entry = manual_score_enter(
            actor=request.user,
            key=engine_period.key,
            staff_id=staff_id,
            manual_key=manual_key,
            score=payload.score,
            comment=payload.comment,
        )
    except REFUSALS as exc:
        return _refused(exc)
    return {
        "period": engine_period.key,
        "staff_id": entry.staff_id,
        "key": entry.key,
        "kind": entry.kind,
        "reviewer_id": entry.reviewer_id,
        "score": entry.score,
        "comment": entry.comment,
        "entered_at": entry.entered_at,
    }
