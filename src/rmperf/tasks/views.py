"""The RM's task inbox, actions on tasks, the team view and the interaction log pages.

Thin views over selectors and services; an htmx request gets the inbox partial only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.core.access import may_see_customer_names, scope_of, staff_of
from rmperf.core.htmx import render_page_or_partial, wants_partial
from rmperf.customers.models import Customer
from rmperf.customers.selectors import customer_get
from rmperf.customers.tables import display_name
from rmperf.tasks.context_processors import request_task_counts
from rmperf.tasks.forms import InteractionForm, TaskActionForm
from rmperf.tasks.selectors import (
    SECTIONS,
    customer_interactions,
    customer_open_tasks,
    task_default_section,
    task_inbox,
    team_rates,
)
from rmperf.tasks.services import interaction_log, task_dismiss, task_done, task_snooze

PAGE_SIZE = 100
SECTION_LABELS = {
    "today": gettext_lazy("Today"),
    "overdue": gettext_lazy("Overdue"),
    "upcoming": gettext_lazy("Upcoming"),
    "snoozed": gettext_lazy("Snoozed"),
}


#: The inbox's tabs, overdue work first.
TAB_ORDER = ("overdue", "today", "upcoming", "snoozed")


def _section(request: HttpRequest) -> str:
    """The tab asked for; without one, today's, or overdue when today has nothing."""
    section = request.GET.get("section", "")
    if section in SECTIONS:
        return section
    return task_default_section(request_task_counts(request))


def _inbox_context(request: HttpRequest, section: str) -> dict[str, object]:
    filterset = task_inbox(actor=request.user, section=section, filters=request.GET)
    valid = not filterset.is_bound or filterset.is_valid()
    tasks = list(filterset.qs[:PAGE_SIZE]) if valid else []
    total = filterset.qs.count() if valid else 0
    mask = not may_see_customer_names(request.user)
    staff = staff_of(request.user)
    for task in tasks:
        task.display_name = display_name(task.customer, mask_names=mask)
        task.mine = staff is not None and task.staff_id == staff.staff_id
    query = request.GET.copy()
    query.pop("section", None)
    return {
        "filterset": filterset,
        "tasks": tasks,
        "total": total,
        "shown": len(tasks),
        "section": section,
        "sections": [(s, SECTION_LABELS[s]) for s in TAB_ORDER],
        "counts": request_task_counts(request),
        "query": query.urlencode(),
        "lang_zh": (request.LANGUAGE_CODE or "").startswith("zh"),
    }


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    """Today / overdue / upcoming / snoozed, with filters; actions on the RM's own tasks."""
    if scope_of(request.user) is None:
        raise Http404
    section = _section(request)
    return render_page_or_partial(
        request,
        page="tasks/inbox.html",
        partial="tasks/_inbox.html",
        context=_inbox_context(request, section),
    )


@login_required
@require_POST
def task_action_view(request: HttpRequest) -> HttpResponse:
    """Done / snooze / dismiss one or many of the actor's open tasks (all or nothing)."""
    form = TaskActionForm(request.POST)
    section = request.POST.get("section", "today")
    section = section if section in SECTIONS else "today"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        data = form.cleaned_data
        try:
            match data["action"]:
                case "done":
                    n = task_done(actor=request.user, task_ids=data["task"])
                    messages.success(
                        request, ngettext("%(n)d task done.", "%(n)d tasks done.", n) % {"n": n}
                    )
                case "snooze":
                    n = task_snooze(actor=request.user, task_ids=data["task"], until=data["until"])
                    messages.success(
                        request,
                        ngettext("%(n)d task snoozed.", "%(n)d tasks snoozed.", n) % {"n": n},
                    )
                case "dismiss":
                    n = task_dismiss(
                        actor=request.user, task_ids=data["task"], reason=data["reason"]
                    )
                    messages.success(
                        request,
                        ngettext("%(n)d task dismissed.", "%(n)d tasks dismissed.", n) % {"n": n},
                    )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    if wants_partial(request):
        response = render(request, "tasks/_inbox.html", _inbox_context(request, section))
        return response
    return redirect(reverse("tasks:inbox") + f"?section={section}")


@login_required
@require_GET
def team_view(request: HttpRequest) -> HttpResponse:
    """Completion and overdue rates per RM in the actor's scope, last 30 days of due dates."""
    if scope_of(request.user) is None:
        raise Http404
    return render(request, "tasks/team.html", {"rates": team_rates(actor=request.user), "days": 30})


@login_required
@require_http_methods(["GET", "POST"])
def interaction_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """A customer's interaction log with the quick entry form (optionally from a task)."""
    try:
        customer = customer_get(actor=request.user, customer_id=customer_id)
    except Customer.DoesNotExist:
        raise Http404 from None
    tasks = customer_open_tasks(actor=request.user, customer=customer)
    initial = {}
    if request.GET.get("task", "").isdigit():
        initial = {"task": int(request.GET["task"]), "complete_task": True}
    # Bound on every POST, even an empty one, so that an empty submission is refused
    # with its errors instead of showing a fresh form.
    posted = request.POST if request.method == "POST" else None
    form = InteractionForm(posted, tasks=tasks, initial=initial)
    scope = scope_of(request.user)
    may_log = staff_of(request.user) is not None and scope is not None and not scope.read_only
    if request.method == "POST":
        if not may_log:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                interaction_log(
                    actor=request.user,
                    customer=customer,
                    channel=data["channel"],
                    outcome=data["outcome"],
                    contact_verified=data["contact_verified"],
                    notes=data["notes"],
                    next_step=data["next_step"],
                    next_step_on=data["next_step_on"],
                    task=data["task"],
                    complete_task=data["complete_task"],
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Interaction logged."))
                return redirect("tasks:interactions", customer_id=customer.pk)
    context = {
        "customer": customer,
        "name": display_name(customer, mask_names=not may_see_customer_names(request.user)),
        "form": form,
        "may_log": may_log,
        "interactions": customer_interactions(actor=request.user, customer=customer)[:50],
        "open_tasks": tasks,
    }
    return render(request, "tasks/interactions.html", context)
