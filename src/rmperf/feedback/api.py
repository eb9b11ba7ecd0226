"""360 review endpoints: a round's results (aggregates, hidden below the anonymity
threshold, never a reviewer's name) and answering one's own invitation, through the same
selectors and services as the pages. Out of scope answers 404 like missing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import ErrorOut
from rmperf.feedback import selectors as sel
from rmperf.feedback.services import FeedbackError, response_submit

router = Router(tags=["feedback"])


class RoundResultOut(Schema):
    staff_id: str
    name: str
    relation: str
    responses: int
    shown: bool
    score: Decimal | None
    questions: dict[str, Decimal] | None


class RoundResultsOut(Schema):
    id: int
    title: str
    period: str
    status: str
    min_responses: int
    results: list[RoundResultOut]


@router.get(
    "/rounds/{int:round_id}/results",
    response={200: RoundResultsOut, 401: ErrorOut, 404: ErrorOut},
    url_name="feedback_results",
    summary="A 360 round's results",
)
def round_results(request: HttpRequest, round_id: int) -> dict[str, Any]:
    """Per person and relation: responses, and the score only with at least the round's
    minimum of responses (self reviews always). Managers: their scope; others: own."""
    round_, rows = sel.round_results(actor=request.user, round_id=round_id)
    return {
        "id": round_.pk,
        "title": round_.title,
        "period": round_.period,
        "status": round_.status,
        "min_responses": round_.min_responses,
        "results": [
            {
                "staff_id": r.staff_id,
                "name": r.name,
                "relation": r.relation,
                "responses": r.responses,
                "shown": r.shown,
                "score": r.score,
                "questions": r.questions,
            }
            for r in rows
        ],
    }


class AnswerIn(Schema):
    answers: dict[str, int]


class AnswerOut(Schema):
    invitation: int
    score: Decimal


@router.post(
    "/invitations/{int:invitation_id}/response",
    response={201: AnswerOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="feedback_answer",
    summary="Answer one's own 360 review invitation",
    openapi_extra=body_doc(AnswerIn),
)
def answer(request: HttpRequest, invitation_id: int) -> Any:
    """Body: `{"answers": {"question_id": 1-5, …}}`; once, while the round is open."""
    sel.invitation_get(actor=request.user, invitation_id=invitation_id)
    try:
        payload = read_body(request, AnswerIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        response = response_submit(
            actor=request.user, invitation_id=invitation_id, answers=payload.answers
        )
    except FeedbackError as exc:
        return Status(422, {"message": str(exc), "detail": None})
    return Status(201, {"invitation": invitation_id, "score": response.score})
