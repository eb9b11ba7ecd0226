"""Navigation of the analysis pages: the workload view and the gaming queue are the
managers', HR's and auditors'; the dynamic thresholds branch managers' and HR's."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.analysis.selectors import analysis_may_view
from rmperf.analysis.thresholds_services import threshold_may_view
from rmperf.core.context_processors import once_per_request


@once_per_request
def analysis_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "nav_analysis": analysis_may_view(actor=user),
        "nav_thresholds": threshold_may_view(actor=user),
    }
