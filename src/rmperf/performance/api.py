"""Performance endpoints: a period's results and one RM's scorecard, as the pages show
them (restricted the same way; out of scope answers 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rmperf.core.access import Action
from rmperf.core.schemas import ErrorOut
from rmperf.performance import selectors as sel
from rmperf.performance.models import LineResult, RmResult

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
