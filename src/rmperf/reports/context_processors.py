"""The navigation link to the monthly reports: RMs, team leaders, branch managers, HR and
auditors (the roles MonthlyReport.restrict_roles lets read them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.core.access import scope_of
from rmperf.reports.models import MonthlyReport


def reports_nav(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(getattr(request, "user", None))
    return {
        "nav_reports": scope is not None
        and (scope.superuser or scope.role in MonthlyReport.restrict_roles)
    }
