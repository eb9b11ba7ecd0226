"""The landing pages: the RM's workbench and the manager's desk (thin views over the
workbench selectors)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rmperf.core.access import may_see_customer_names, scope_of, staff_of
from rmperf.core.data_version import data_version_of
from rmperf.customers.models import Customer
from rmperf.customers.tables import display_name
from rmperf.performance.models import Tier
from rmperf.performance.services.calibration import result_calibrate
from rmperf.performance.services.periods import PerformanceError
from rmperf.tasks.context_processors import request_task_counts
from rmperf.workbench.selectors import (
    DESK_ROLES,
    ManagerDesk,
    calibration_grid,
    manager_desk,
    may_use_calibration_grid,
    rm_workbench,
)

TIER_CHOICES = Tier.choices


def _mask(request: HttpRequest, customers: Sequence[Customer]) -> None:
    """Give each row's customer the name the reader may see."""
    mask = not may_see_customer_names(request.user)
    for c in customers:
        c.display_name = display_name(c, mask_names=mask)  # type: ignore[attr-defined]


@login_required
@require_GET
def rm_workbench_view(request: HttpRequest) -> HttpResponse:
    """The RM's day: tasks, customers to wake, maturities, referrals, offers, targets."""
    staff = staff_of(request.user)
    if staff is None or staff.role != "rm" or scope_of(request.user) is None:
        raise Http404
    data_version_of(request)  # before any read its fragments are kept under
    counts = request_task_counts(request)
    # Each list is read when the page first shows it, its customers' names masked as
    # the reader may see them; the cached fragments of the page read nothing.
    desk = rm_workbench(
        actor=request.user,
        language=request.LANGUAGE_CODE or "",
        counts=counts,
        on_customers=lambda customers: _mask(request, customers),
    )
    tab = request.GET.get("tasks", "")
    if tab not in ("overdue", "today"):
        tab = "overdue" if counts["overdue"] else "today"
    tabs = [
        ("overdue", _("Overdue"), counts["overdue"]),
        ("today", _("Today"), counts["today"]),
    ]
    return render(
        request,
        "workbench/rm.html",
        {
            "desk": desk,
            "tab": tab,
            "tabs": tabs,
            "lang_zh": (request.LANGUAGE_CODE or "").startswith("zh"),
        },
    )


@login_required
@require_GET
def manager_desk_view(request: HttpRequest) -> HttpResponse:
    """The team leader's or branch manager's desk: team KPIs, approvals, team tasks."""
    staff = staff_of(request.user)
    if staff is None or staff.role not in DESK_ROLES or scope_of(request.user) is None:
        raise Http404
    data_version_of(request)  # before any read its fragment is kept under

    def read() -> ManagerDesk:
        desk = manager_desk(actor=request.user)
        _mask(request, [t.customer for t in desk.overdue])
        return desk

    # Read when the page first shows it: the page kept as a fragment reads nothing.
    desk = SimpleLazyObject(read)
    return render(
        request,
        "workbench/desk.html",
        {
            "desk": desk,
            "lang_zh": (request.LANGUAGE_CODE or "").startswith("zh"),
            "may_calibrate": may_use_calibration_grid(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calibration_grid_view(request: HttpRequest) -> HttpResponse:
    """The branch manager's calibration grid: one grid per peer group of a quarter being
    calibrated, with the pay preview; a row's POST calibrates through the performance
    service (reason required). `?<staff_id>=<tier>` previews a moved rating unposted."""
    if not may_use_calibration_grid(request.user):
        raise Http404
    if request.method == "POST":
        key = request.POST.get("period", "")
        try:
            result_calibrate(
                actor=request.user,
                key=key,
                staff_id=request.POST.get("staff_id", ""),
                tier=request.POST.get("tier", ""),
                reason=request.POST.get("reason", ""),
            )
        except PerformanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The calibration was recorded."))
        return redirect(f"{reverse('workbench:calibration')}?{urlencode({'period': key})}")
    proposals = {k: str(v) for k, v in request.GET.items() if k != "period"}
    grid = calibration_grid(
        actor=request.user, key=request.GET.get("period") or None, proposals=proposals
    )
    return render(
        request,
        "workbench/calibration.html",
        {"grid": grid, "tiers": TIER_CHOICES},
    )
