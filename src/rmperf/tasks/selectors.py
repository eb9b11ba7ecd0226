"""Reads: the inbox (today / overdue / upcoming), counts for the navigation, the team view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.customers.models import Customer
from rmperf.org.models import Staff
from rmperf.tasks.filters import TaskFilterSet
from rmperf.tasks.models import CloseReason, Interaction, Task, TaskStatus

#: Inbox sections: which open tasks each shows, relative to today.
SECTIONS = ("today", "overdue", "upcoming", "snoozed")


def _awake(today: dt.date) -> Q:
    return Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today)


def section_q(section: str, today: dt.date) -> Q:
    """Open tasks of one inbox section; a snoozed task comes back on its snooze date."""
    awake = _awake(today)
    match section:
        case "today":
            return Q(status=TaskStatus.OPEN, due_date=today) & awake
        case "overdue":
            return Q(status=TaskStatus.OPEN, due_date__lt=today) & awake
        case "upcoming":
            return Q(status=TaskStatus.OPEN, due_date__gt=today) & awake
        case "snoozed":
            return Q(status=TaskStatus.OPEN, snoozed_until__gt=today)
    raise ValueError(f"unknown inbox section {section!r}")


def task_inbox(
    *, actor: Actor, section: str, filters: Mapping[str, Any] | None = None
) -> TaskFilterSet:
    """The actor's tasks in one section, filtered (RMs: their own; managers: their scope's)."""
    today = timezone.localdate()
    qs = (
        Task.objects.restrict(actor)
        .filter(section_q(section, today))
        .select_related("customer", "staff")
        .order_by("due_date", "kind", "customer_id", "pk")
    )
    return TaskFilterSet(filters or None, queryset=qs, actor=actor)


def task_counts(*, actor: Actor) -> dict[str, int]:
    """Open tasks due today and overdue for the navigation badge: one aggregate query, on
    the actor's own tasks only (the (staff, status, due_date) index serves it)."""
    scope = scope_of(actor)
    if scope is None or scope.staff_id is None:
        return {"today": 0, "overdue": 0}
    today = timezone.localdate()
    row = Task.objects.filter(staff_id=scope.staff_id).aggregate(
        today=Count("pk", filter=section_q("today", today)),
        overdue=Count("pk", filter=section_q("overdue", today)),
    )
    return {"today": row["today"], "overdue": row["overdue"]}


def task_default_section(counts: Mapping[str, int]) -> str:
    """The tab the inbox opens on: today's, or the overdue one when today has nothing
    and work is overdue (an RM should not land on an empty tab with work waiting)."""
    if not counts.get("today") and counts.get("overdue"):
        return "overdue"
    return "today"


def tasks_mine(
    *, actor: Actor, section: str, kind: str | None = None, due_until: dt.date | None = None
) -> QuerySet[Task]:
    """The actor's own open tasks of one inbox section (optionally one kind, due on or
    before a day), earliest due first; nobody's when the actor has no staff record."""
    return tasks_mine_in(actor=actor, sections=(section,), kind=kind, due_until=due_until)


def tasks_mine_in(
    *,
    actor: Actor,
    sections: Sequence[str],
    kind: str | None = None,
    due_until: dt.date | None = None,
) -> QuerySet[Task]:
    """`tasks_mine` over several sections in one query. The sections overdue, today and
    upcoming split the open tasks by due date, so earliest due first lists them in that
    order: the first n of this query are the first n of the sections' lists joined."""
    scope = scope_of(actor)
    if scope is None or scope.staff_id is None:
        return Task.objects.none()
    today = timezone.localdate()
    wanted = Q()
    for section in sections:
        wanted |= section_q(section, today)
    qs = Task.objects.filter(staff_id=scope.staff_id).filter(wanted)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if due_until is not None:
        qs = qs.filter(due_date__lte=due_until)
    return qs.select_related("customer").order_by("due_date", "kind", "customer_id", "pk")


def team_open_tasks(*, actor: Actor, section: str) -> QuerySet[Task]:
    """Open tasks of one section of the RMs in the actor's scope other than the actor's
    own (a manager following up their team), earliest due first."""
    scope = scope_of(actor)
    qs = Task.objects.restrict(actor).filter(section_q(section, timezone.localdate()))
    if scope is not None and scope.staff_id is not None:
        qs = qs.exclude(staff_id=scope.staff_id)
    return qs.select_related("customer", "staff").order_by("due_date", "staff_id", "pk")


def team_open_counts(*, actor: Actor) -> dict[str, int]:
    """How many tasks `team_open_tasks` lists in the overdue and today sections: one
    aggregate query for both."""
    scope = scope_of(actor)
    today = timezone.localdate()
    qs = Task.objects.restrict(actor)
    if scope is not None and scope.staff_id is not None:
        qs = qs.exclude(staff_id=scope.staff_id)
    row = qs.aggregate(
        today=Count("pk", filter=section_q("today", today)),
        overdue=Count("pk", filter=section_q("overdue", today)),
    )
    return {"today": row["today"], "overdue": row["overdue"]}


def task_get(*, actor: Actor, task_id: int, action: Action = Action.VIEW) -> Task:
    """One task in the actor's scope (Task.DoesNotExist otherwise: a 404)."""
    found: Task = (
        Task.objects.restrict(actor, action).select_related("customer", "staff").get(pk=task_id)
    )
    return found


@dataclass(frozen=True)
class RmRates:
    """One RM's task record over a window of due dates."""

    staff: Staff
    due: int  # tasks due in the window, less those closed because their cause went away
    done: int
    dismissed: int
    overdue: int  # still open and past due
    expired: int

    @property
    def completion_rate(self) -> float | None:
        return None if not self.due else self.done / self.due

    @property
    def overdue_rate(self) -> float | None:
        return None if not self.due else (self.overdue + self.expired) / self.due


def team_rates(*, actor: Actor, days: int = 30) -> list[RmRates]:
    """Per RM in the actor's scope: tasks due in the last `days` days up to today, how many
    were done, dismissed, are overdue or expired (docs/tasks.md "Rates")."""
    today = timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    counted = (
        Task.objects.restrict(actor)
        .filter(due_date__gte=since, due_date__lte=today)
        .exclude(Q(status=TaskStatus.CLOSED) & ~Q(close_reason=CloseReason.EXPIRED))
    )
    rows = counted.values("staff_id").annotate(
        due=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        dismissed=Count("pk", filter=Q(status=TaskStatus.DISMISSED)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_date__lt=today)),
        expired=Count("pk", filter=Q(status=TaskStatus.CLOSED)),
    )
    by_staff = {r["staff_id"]: r for r in rows}
    staff = Staff.objects.restrict(actor).filter(role="rm").select_related("unit")
    out = []
    for person in staff.order_by("unit__path", "staff_id"):
        r = by_staff.get(person.staff_id, {})
        out.append(
            RmRates(
                staff=person,
                due=r.get("due", 0),
                done=r.get("done", 0),
                dismissed=r.get("dismissed", 0),
                overdue=r.get("overdue", 0),
                expired=r.get("expired", 0),
            )
        )
    return out


def customer_interactions(*, actor: Actor, customer: Customer) -> QuerySet[Interaction]:
    """Interactions with one customer the actor may see, newest first."""
    return (
        Interaction.objects.restrict(actor)
        .filter(customer=customer)
        .select_related("staff", "task")
        .order_by("-ts", "-pk")
    )


def customer_open_tasks(*, actor: Actor, customer: Customer) -> QuerySet[Task]:
    """The actor's open tasks about one customer (to log an interaction against)."""
    return (
        Task.objects.restrict(actor, Action.CHANGE)
        .filter(customer=customer, status=TaskStatus.OPEN)
        .order_by("due_date", "pk")
    )
