"""Talks and 述职 endpoints: the same reads as the pages (the privacy of the panel's
scores included) and a member's score, through the same selectors and services. Out of
scope answers 404 exactly like missing; a refused step answers 422 with why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import ErrorOut
from rmperf.reviews import selectors as sel
from rmperf.reviews.models import SelfReview, Talk
from rmperf.reviews.services import ReviewError, panel_score_enter

router = Router(tags=["reviews"])


class TalkOut(Schema):
    id: int
    period: str
    staff_id: str
    name: str
    manager_id: str
    held_on: dt.date
    strengths: str
    problems: str
    focus: str
    actions: str
    acknowledged_at: dt.datetime | None
    rm_comment: str


def _talk(t: Talk) -> dict[str, Any]:
    return {
        "id": t.pk,
        "period": t.period.key,
        "staff_id": t.staff_id,
        "name": t.staff.name,
        "manager_id": t.manager_id,
        "held_on": t.held_on,
        "strengths": t.strengths,
        "problems": t.problems,
        "focus": t.focus,
        "actions": t.actions,
        "acknowledged_at": t.acknowledged_at,
        "rm_comment": t.rm_comment,
    }


@router.get(
    "/talks",
    response={200: list[TalkOut], 401: ErrorOut},
    url_name="reviews_talks",
    summary="Performance talks in scope",
)
def list_talks(request: HttpRequest) -> list[dict[str, Any]]:
    """An RM's own talks; a team leader's or branch manager's subtree; HR all."""
    return [_talk(t) for t in sel.talk_list(actor=request.user)[:500]]


class DueOut(Schema):
    period: str
    staff_id: str
    name: str
    due_on: dt.date
    overdue: bool


@router.get(
    "/talks/due",
    response={200: list[DueOut], 401: ErrorOut},
    url_name="reviews_talks_due",
    summary="Talks the caller still has to hold (overdue ones flagged)",
)
def list_due(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "period": d.period.key,
            "staff_id": d.staff.staff_id,
            "name": d.staff.name,
            "due_on": d.due_on,
            "overdue": d.overdue,
        }
        for d in sel.talks_due(actor=request.user)
    ]


@router.get(
    "/talks/{int:talk_id}",
    response={200: TalkOut, 401: ErrorOut, 404: ErrorOut},
    url_name="reviews_talk",
    summary="One performance talk",
)
def get_talk(request: HttpRequest, talk_id: int) -> dict[str, Any]:
    return _talk(sel.talk_get(actor=request.user, talk_id=talk_id))


class ReviewOut(Schema):
    id: int
    staff_id: str
    name: str
    kind: str
    span: str
    status: str
    score: Decimal | None
    period: str | None
    manual_key: str


def _review(r: SelfReview) -> dict[str, Any]:
    return {
        "id": r.pk,
        "staff_id": r.staff_id,
        "name": r.staff.name,
        "kind": r.kind,
        "span": r.span,
        "status": r.status,
        "score": r.score,
        "period": r.period.key if r.period is not None else None,
        "manual_key": r.manual_key,
    }


@router.get(
    "/self",
    response={200: list[ReviewOut], 401: ErrorOut},
    url_name="reviews_selfreviews",
    summary="述职 in scope (and the panels the caller sits on)",
)
def list_reviews(request: HttpRequest) -> list[dict[str, Any]]:
    return [_review(r) for r in sel.review_list(actor=request.user)[:500]]


class SeatOut(Schema):
    member_id: str
    name: str
    conflict: str
    scored: bool
    score: Decimal | None
    comment: str
    counted: bool


class AttachmentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    sha256: str


class ReviewDetailOut(ReviewOut):
    report: str
    counted: list[str]
    attachments: list[AttachmentOut]
    panel: list[SeatOut]


@router.get(
    "/self/{int:review_id}",
    response={200: ReviewDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="reviews_selfreview",
    summary="One 述职: report, attachments and panel (others' scores only after the close)",
)
def get_review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    view = sel.review_view(actor=request.user, review_id=review_id)
    return {
        **_review(view.review),
        "report": view.review.report,
        "counted": list(view.review.counted) if view.review.is_closed else [],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "file_type": a.file_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in view.attachments
        ],
        "panel": [
            {
                "member_id": s.member.staff_id,
                "name": s.member.name,
                "conflict": s.conflict,
                "scored": s.scored,
                "score": s.score,
                "comment": s.comment,
                "counted": s.counted,
            }
            for s in view.seats
        ],
    }


class ScoreIn(Schema):
    score: str
    comment: str


class ScoreOut(Schema):
    review_id: int
    member_id: str
    score: Decimal
    comment: str


@router.post(
    "/self/{int:review_id}/score",
    response={200: ScoreOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="reviews_score",
    summary="A panel member's private score of a 述职",
    openapi_extra=body_doc(ScoreIn),
)
def post_score(request: HttpRequest, review_id: int) -> Any:
    """Body: `{"score": "85.5", "comment": …}` (0–100, at most 2 decimals)."""
    sel.review_get(actor=request.user, review_id=review_id)
    try:
        payload = read_body(request, ScoreIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        entry = panel_score_enter(
            actor=request.user, review_id=review_id, score=payload.score, comment=payload.comment
        )
    except ReviewError as exc:
        return Status(422, {"message": str(exc), "detail": None})
    return {
        "review_id": review_id,
        "member_id": entry.member_id,
        "score": entry.score,
        "comment": entry.comment,
    }
