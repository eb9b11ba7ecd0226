"""360 review pages: the rounds and the reviews waiting for the reader, a round's results
(aggregates only, hidden below the anonymity threshold) and its CSV export, and the
questionnaire of one invitation. Thin views over selectors and services; out of scope
answers 404, refused steps come back as a message.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import scope_of
from rmperf.feedback import selectors as sel
from rmperf.feedback.models import RoundStatus
from rmperf.feedback.services import FeedbackError, response_submit, round_close, round_open


def _quarter_now() -> str:
    today = timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user) is None:
        raise Http404
    return render(
        request,
        "feedback/index.html",
        {
            "rounds": sel.rounds(actor=request.user),
            "pending": sel.invitations_pending(actor=request.user),
            "units": sel.units_to_open(actor=request.user),
            "may_open": sel.may_manage_rounds(request.user),
            "suggested": _quarter_now(),
        },
    )


@login_required
@require_POST
def open_view(request: HttpRequest) -> HttpResponse:
    try:
        round_ = round_open(
            actor=request.user,
            unit_id=request.POST.get("unit", ""),
            period=request.POST.get("period", ""),
            title=request.POST.get("title", ""),
        )
    except FeedbackError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:index")
    return redirect("feedback:round", round_id=round_.pk)


def _text(text: dict[str, str]) -> str:
    lang = (get_language() or "en").lower()
    return text.get("zh", "") if lang.startswith("zh") else text.get("en", "")


@login_required
@require_GET
def round_view(request: HttpRequest, round_id: int) -> HttpResponse:
    round_, rows = sel.round_results(actor=request.user, round_id=round_id)
    labels = {
        q["id"]: _text(q["text"])
        for qs in round_.questionnaire["questionnaires"].values()
        for q in qs
    }
    return render(
        request,
        "feedback/round.html",
        {
            "round": round_,
            "rows": rows,
            "labels": labels,
            "participation": sel.participation(round_=round_),
            "may_close": sel.may_manage_rounds(request.user) and round_.status == RoundStatus.OPEN,
        },
    )


@login_required
@require_POST
def close_view(request: HttpRequest, round_id: int) -> HttpResponse:
    try:
        round_close(actor=request.user, round_id=round_id)
    except FeedbackError as exc:
        messages.error(request, str(exc))
    return redirect("feedback:round", round_id=round_id)


@login_required
@require_GET
def export_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """The results as CSV: the same aggregates as the page, hidden groups without score."""
    _round, rows = sel.round_results(actor=request.user, round_id=round_id)
    buf = io.StringIO()
    csv.writer(buf).writerows(sel.export_rows(rows))
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="feedback-round-{round_id}.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def answer_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = sel.invitation_get(actor=request.user, invitation_id=invitation_id)
    round_ = invitation.round
    if request.method == "POST":
        answers = {k.removeprefix("q_"): v for k, v in request.POST.items() if k.startswith("q_")}
        try:
            response_submit(actor=request.user, invitation_id=invitation.pk, answers=answers)
        except FeedbackError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("feedback:index")
    scale = round_.questionnaire["scale"]
    return render(
        request,
        "feedback/answer.html",
        {
            "invitation": invitation,
            "round": round_,
            "answered": sel.invitation_answered(invitation),
            "questions": [
                {"id": q["id"], "text": _text(q["text"])}
                for q in sel.questions(round_, invitation.relation)
            ],
            "choices": list(range(int(scale["min"]), int(scale["max"]) + 1)),
        },
    )
