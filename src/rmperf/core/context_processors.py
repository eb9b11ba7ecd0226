"""Template context shared by every page: who is signed in, in what role and unit.

Context processors run on every `render(request, ...)`, and a page renders more than once
per request (django-tables2's `{% render_table %}` renders its table with the request,
so every processor runs again for each table). `once_per_request` keeps a processor's
answer on the request for the rest of a GET (or HEAD) request: a read does not change
what the navigation shows. A POST recomputes on every render, so a page rendered after
a write (a task closed) always counts what is now there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from rmperf.core.access import may_read_model, scope_of, staff_of
from rmperf.core.models import AuditEvent

#: Roles whose first page is their own unit.
UNIT_HOME_ROLES = frozenset({"team_leader", "branch_manager"})
#: Roles that manage no one and write no rules: the organisation tree and the policies
#: are not in their navigation (the pages stay readable by URL).
NO_ORG_NAV_ROLES = frozenset({"rm", "teller"})
#: Roles that serve customers and manage no one: no run ids or digests on their pages.
FRONT_LINE_ROLES = frozenset({"rm", "teller"})


#: Request methods that do not change data: a processor's answer holds for the request.
SAFE_METHODS = frozenset({"GET", "HEAD"})

type ContextProcessor = Callable[[HttpRequest], dict[str, Any]]


def once_per_request(processor: ContextProcessor) -> ContextProcessor:
    """The processor's answer computed once per GET request, then reused by every render
    of the same request (the first answer's dict, copied)."""
    key = f"{processor.__module__}.{processor.__qualname__}"

    @functools.wraps(processor)
    def wrapper(request: HttpRequest) -> dict[str, Any]:
        if request.method not in SAFE_METHODS:
            return processor(request)
        memo: dict[str, dict[str, Any]] | None = getattr(request, "_rmperf_context_memo", None)
        if memo is None:
            memo = {}
            request._rmperf_context_memo = memo  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = processor(request)
        return dict(memo[key])

    return wrapper


@once_per_request
def actor(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's staff record and what the navigation offers them."""
    user = getattr(request, "user", None)
    staff = staff_of(user)
    scope = scope_of(user)
    return {
        "actor_staff": staff,
        "nav_customers": scope is not None,
        "nav_own_book": staff is not None and staff.role == "rm",
        "nav_own_unit": staff.unit_id
        if staff is not None and staff.role in UNIT_HOME_ROLES
        else None,
        "nav_own_unit_is_team": staff is not None and staff.role == "team_leader",
        "nav_org": scope is not None and not (staff is not None and staff.role in NO_ORG_NAV_ROLES),
        # The landing pages (the workbench app): the RM's workbench, the manager's desk.
        "nav_workbench": staff is not None and staff.role == "rm" and scope is not None,
        "nav_desk": staff is not None and staff.role in UNIT_HOME_ROLES and scope is not None,
        "nav_audit": scope is not None and may_read_model(user, AuditEvent),
        # Run ids and digests are for the people who check runs, not for those serving
        # customers: an RM's and a teller's pages never show them.
        "show_technical": scope is not None
        and not (staff is not None and staff.role in FRONT_LINE_ROLES),
    }
