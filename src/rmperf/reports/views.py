"""The monthly reports: the list (an RM's own, a team leader's team roll-up, a branch
manager's branch roll-up), one report, and its PDF and Excel downloads (thin views over
the selectors and the export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rmperf.reports.export import report_download, rollup_download
from rmperf.reports.selectors import report_get, report_months, report_rollup, report_view


@login_required
@require_GET
def report_index_view(request: HttpRequest) -> HttpResponse:
    """The month's reports the reader may see, grouped by unit with totals."""
    months = report_months(actor=request.user)
    month = request.GET.get("month") or (months[0] if months else "")
    if month and month not in months:
        raise Http404
    rollup = report_rollup(actor=request.user, month=month) if month else None
    return render(
        request,
        "reports/index.html",
        {"months": months, "month": month, "rollup": rollup},
    )


@login_required
@require_GET
def report_detail_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report with every figure as frozen at generation."""
    report = report_get(actor=request.user, report_id=report_id)
    view = report_view(report=report, language=request.LANGUAGE_CODE or "")
    return render(request, "reports/detail.html", {"view": view, "report": report})


def _download(request: HttpRequest, report_id: int, kind: str) -> HttpResponse:
    report = report_get(actor=request.user, report_id=report_id)
    view = report_view(report=report, language=request.LANGUAGE_CODE or "")
    file = report_download(actor=request.user, view=view, kind=kind)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@login_required
@require_GET
def report_pdf_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report as PDF (audited)."""
    return _download(request, report_id, "pdf")


@login_required
@require_GET
def report_xlsx_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report as Excel (audited, formula-safe)."""
    return _download(request, report_id, "xlsx")


@login_required
@require_GET
def report_rollup_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The month's roll-up the reader may see as Excel (audited, formula-safe); without
    `?month=` the latest month, as the page."""
    months = report_months(actor=request.user)
    month = request.GET.get("month") or (months[0] if months else "")
    if month not in months:
        raise Http404
    file = rollup_download(
        actor=request.user, rollup=report_rollup(actor=request.user, month=month)
    )
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
