"""Navigation of the analysis pages: the workload view and the gaming queue are the
managers', HR's and auditors'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.analysis.selectors import analysis_may_view


def analysis_nav(request: HttpRequest) -> dict[str, Any]:
    return {"nav_analysis": analysis_may_view(actor=getattr(request, "user", None))}
