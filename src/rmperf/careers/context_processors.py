"""The navigation's careers links: the ladder for everyone in scope, the negative list
only for the roles that may see it (no query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.careers.models import NEGATIVE_LIST_ROLES
from rmperf.core.access import scope_of


def career_nav(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(getattr(request, "user", None))
    return {
        "nav_careers": scope is not None,
        "nav_negative_list": scope is not None
        and (scope.superuser or scope.role in NEGATIVE_LIST_ROLES),
    }
