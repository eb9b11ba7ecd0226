"""Template context shared by every page: who is signed in, in what role and unit."""

from __future__ import annotations

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
