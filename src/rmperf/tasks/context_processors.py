"""The navigation's task badge: open tasks due today and overdue (one cheap query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.core.access import staff_of
from rmperf.tasks.selectors import task_counts

#: Roles without tasks of their own or a team's to follow: no Tasks tab (and no query).
NO_TASK_ROLES = frozenset({"hr", "auditor"})


def task_nav(request: HttpRequest) -> dict[str, Any]:
    """Counts only for a signed-in staff member; nothing (no query) for anyone else."""
    user = getattr(request, "user", None)
    staff = staff_of(user)
    if staff is None or staff.role in NO_TASK_ROLES:
        return {"nav_tasks": False}
    counts = task_counts(actor=user)
    return {
        "nav_tasks": True,
        "nav_tasks_today": counts["today"],
        "nav_tasks_overdue": counts["overdue"],
        "nav_tasks_team": staff.role in ("team_leader", "branch_manager"),
    }
