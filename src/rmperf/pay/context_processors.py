"""The navigation's pay link, for the roles that see pay (no query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.core.access import scope_of
from rmperf.pay.models import PAY_ROLES


def pay_nav(request: HttpRequest) -> dict[str, Any]:
    scope = scope_of(getattr(request, "user", None))
    return {"nav_pay": scope is not None and (scope.superuser or scope.role in PAY_ROLES)}
