"""The landing pages: the RM's workbench and the manager's desk (thin views over the
workbench selectors)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rmperf.core.access import may_see_customer_names, scope_of, staff_of
from rmperf.customers.models import Customer
from rmperf.customers.tables import display_name
from rmperf.workbench.selectors import DESK_ROLES, manager_desk, rm_workbench


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
    desk = rm_workbench(actor=request.user, language=request.LANGUAGE_CODE or "")
    _mask(
        request,
        [t.customer for t in (*desk.overdue, *desk.today, *desk.sleeping, *desk.maturities)]
        + [r.customer for r, _clock in desk.referrals]
        + [o.offer.customer for o, _clock in desk.offers],
    )
    tab = request.GET.get("tasks", "")
    if tab not in ("overdue", "today"):
        tab = "overdue" if desk.counts["overdue"] else "today"
    tabs = [
        ("overdue", _("Overdue"), desk.counts["overdue"]),
        ("today", _("Today"), desk.counts["today"]),
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
    desk = manager_desk(actor=request.user)
    _mask(request, [t.customer for t in desk.overdue])
    return render(
        request,
        "workbench/desk.html",
        {"desk": desk, "lang_zh": (request.LANGUAGE_CODE or "").startswith("zh")},
    )
