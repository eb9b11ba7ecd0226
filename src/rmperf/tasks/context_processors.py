"""The navigation's task badge: open tasks due today and overdue (one cheap query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rmperf.core.access import staff_of
from rmperf.core.context_processors import SAFE_METHODS, once_per_request
from rmperf.tasks.selectors import task_counts

#: Roles without tasks of their own or a team's to follow: no Tasks tab (and no query).
NO_TASK_ROLES = frozenset({"hr", "auditor"})


def request_task_counts(request: HttpRequest) -> dict[str, int]:
    """`task_counts` of the signed-in user, counted once per GET request: the inbox
    picks its tab from them, shows them on the tabs and the badge shows them again. A
    POST (a task done, snoozed, dismissed) counts afresh every time it asks."""
    if request.method not in SAFE_METHODS:
        return task_counts(actor=request.user)
    counts: dict[str, int] | None = getattr(request, "_rmperf_task_counts", None)
    if counts is None:
        counts = task_counts(actor=request.user)
        request._rmperf_task_counts = counts  # type: ignore[attr-defined]
    return dict(counts)


@once_per_request
def task_nav(request: HttpRequest) -> dict[str, Any]:
    """Counts only for a signed-in staff member; nothing (no query) for anyone else."""
    user = getattr(request, "user", None)
    staff = staff_of(user)
    if staff is None or staff.role in NO_TASK_ROLES:
        return {"nav_tasks": False}
    counts = request_task_counts(request)
    return {
        "nav_tasks": True,
        "nav_tasks_today": counts["today"],
        "nav_tasks_overdue": counts["overdue"],
        "nav_tasks_team": staff.role in ("team_leader", "branch_manager"),
    }
