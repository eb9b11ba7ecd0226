"""Navigation of the analysis pages: the workload view and the gaming queue are the
managers', HR's and auditors'."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.analysis.selectors import analysis_may_view
from rmperf.core.context_processors import once_per_request


@once_per_request
def analysis_nav(request: HttpRequest) -> dict[str, Any]:
    return {"nav_analysis": analysis_may_view(actor=getattr(request, "user", None))}
