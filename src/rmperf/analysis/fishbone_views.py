"""The fishbone (鱼骨图) page: an RM's gaps to target attributed to skills, process,
external environment, customer mix and effort, with the rows behind each bone. The RM
sees their own, a manager their subtree's (as the scorecard page); a thin view over
fishbone_selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rmperf.analysis import fishbone_selectors as fsel
from rmperf.analysis.fishbone_diagram import diagram


@login_required
@require_GET
def fishbone_view(request: HttpRequest, period_key: str, staff_id: str) -> HttpResponse:
    page = fsel.fishbone_page(actor=request.user, period_key=period_key, staff_id=staff_id)
    return render(
        request,
        "analysis/fishbone.html",
        {"page": page, "staff": page.staff, "diagram": diagram(page.bones)},
    )
