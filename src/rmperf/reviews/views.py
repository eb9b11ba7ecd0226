"""Talks and 述职 pages: the index (my talks, the talks I owe, my 述职, the panels I sit
on), a talk (record, acknowledge), a 述职 (report, attachments, panel, scores, close).

Thin views over selectors and services; out of scope answers 404, a refused step comes
back as a message on the page it was made from.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import scope_of
from rmperf.reviews import selectors as sel
from rmperf.reviews import services as svc
from rmperf.reviews.models import ReviewStatus


def _scoped(request: HttpRequest) -> None:
    if scope_of(request.user) is None:
        raise Http404


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    _scoped(request)
    today = timezone.localdate()
    due = sel.talks_due(actor=request.user, today=today)
    context = {
        "talks": list(sel.talk_list(actor=request.user)[:200]),
        "due": due,
        "overdue_count": sum(d.overdue for d in due),
        "reviews": list(sel.review_list(actor=request.user)[:200]),
        "to_score": sel.panels_to_score(actor=request.user),
        "may_start": sel.may_start_review(actor=request.user),
        "today": today,
    }
    return render(request, "reviews/index.html", context)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise svc.ReviewError(
            _("%(value)r is not a date (YYYY-MM-DD).") % {"value": text}
        ) from None


@login_required
@require_http_methods(["GET", "POST"])
def talk_new_view(request: HttpRequest) -> HttpResponse:
    """The manager's talk form for one RM and quarter (GET ?staff=…&period=…)."""
    data = request.POST if request.method == "POST" else request.GET
    if not data.get("staff"):
        return redirect("reviews:index")
    staff = sel.talk_form_rm(actor=request.user, staff_id=data.get("staff", ""))
    values = {k: data.get(k, "") for k in svc.TALK_FIELDS}
    period = data.get("period", "")
    held_on = data.get("held_on", "") or timezone.localdate().isoformat()
    if request.method == "POST":
        try:
            talk = svc.talk_record(
                actor=request.user,
                period_key=period,
                staff_id=staff.staff_id,
                held_on=_date(held_on),
                **values,
            )
        except svc.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("reviews:talk", talk_id=talk.pk)
    context = {
        "staff": staff,
        "period": period,
        "quarters": sel.confirmed_quarters(),
        "values": values,
        "held_on": held_on,
    }
    return render(request, "reviews/talk_form.html", context)


@login_required
@require_GET
def talk_view(request: HttpRequest, talk_id: int) -> HttpResponse:
    talk = sel.talk_get(actor=request.user, talk_id=talk_id)
    scope = scope_of(request.user)
    context = {
        "talk": talk,
        "is_rm": scope is not None and scope.staff_id == talk.staff_id,
        "may_edit": svc.may_record_talk(actor=request.user) and talk.acknowledged_at is None,
    }
    return render(request, "reviews/talk.html", context)


@login_required
@require_POST
def talk_acknowledge_view(request: HttpRequest, talk_id: int) -> HttpResponse:
    try:
        svc.talk_acknowledge(
            actor=request.user, talk_id=talk_id, comment=request.POST.get("comment", "")
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:talk", talk_id=talk_id)


@login_required
@require_POST
def review_new_view(request: HttpRequest) -> HttpResponse:
    if not sel.may_start_review(actor=request.user):
        raise Http404
    try:
        review = svc.review_create(actor=request.user, span=request.POST.get("span", ""))
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:index")
    return redirect("reviews:review", review_id=review.pk)


@login_required
@require_GET
def review_view(request: HttpRequest, review_id: int) -> HttpResponse:
    view = sel.review_view(actor=request.user, review_id=review_id)
    return render(request, "reviews/review.html", {"v": view, "statuses": ReviewStatus})


def _back(review_id: int) -> HttpResponse:
    return redirect("reviews:review", review_id=review_id)


@login_required
@require_POST
def review_report_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.review_report_save(
            actor=request.user,
            review_id=review_id,
            report=request.POST.get("report", ""),
            submit=request.POST.get("submit") == "1",
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_POST
def review_attach_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise svc.ReviewError(_("Choose a file to attach."))
        limit: int = settings.RMPERF_REVIEW_ATTACHMENT_MAX_BYTES
        # Read one byte past the limit at most: the service names the size refused.
        data = upload.read(limit + 1)
        svc.attachment_add(
            actor=request.user, review_id=review_id, name=upload.name or "", data=data
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_GET
def attachment_view(request: HttpRequest, attachment_id: int) -> HttpResponse:
    item = sel.attachment_get(actor=request.user, attachment_id=attachment_id)
    response = HttpResponse(bytes(item.data), content_type=item.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item.name, safe='')}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def panel_appoint_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.panel_appoint(
            actor=request.user, review_id=review_id, member_id=request.POST.get("member", "")
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_POST
def panel_score_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.panel_score_enter(
            actor=request.user,
            review_id=review_id,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_POST
def panel_conflict_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.panel_conflict_declare(
            actor=request.user, review_id=review_id, reason=request.POST.get("reason", "")
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_POST
def panel_close_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.panel_close(
            actor=request.user, review_id=review_id, period_key=request.POST.get("period", "")
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)


@login_required
@require_POST
def panel_reopen_view(request: HttpRequest, review_id: int) -> HttpResponse:
    sel.review_get(actor=request.user, review_id=review_id)  # 404 before any check
    try:
        svc.panel_reopen(
            actor=request.user, review_id=review_id, reason=request.POST.get("reason", "")
        )
    except svc.ReviewError as exc:
        messages.error(request, str(exc))
    return _back(review_id)
