"""The navigation link to talks and 述职: everyone with a scope except read-only roles
without reports (auditors read through the pages too)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.core.access import scope_of
from rmperf.core.context_processors import once_per_request

REVIEW_ROLES = frozenset({"rm", "team_leader", "branch_manager", "hr", "auditor"})


@once_per_request
def reviews_nav(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(getattr(request, "user", None))
    return {"nav_reviews": scope is not None and (scope.superuser or scope.role in REVIEW_ROLES)}
