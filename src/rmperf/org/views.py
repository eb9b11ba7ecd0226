"""Org pages: the tree, a unit with its people, a staff member. Thin views over selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rmperf.core.access import staff_of
from rmperf.org.selectors import org_tree, staff_get, unit_get, unit_overview


@login_required
@require_GET
def org_tree_view(request: HttpRequest) -> HttpResponse:
    """The bank's tree (HR, auditors) or the actor's own subtree, with head counts."""
    return render(request, "org/org_tree.html", {"roots": org_tree(actor=request.user)})


@login_required
@require_GET
def unit_detail_view(request: HttpRequest, unit_id: str) -> HttpResponse:
    """A unit's people by team and role, each RM's customer count, and the unit's totals."""
    unit = unit_get(actor=request.user, unit_id=unit_id)
    staff = staff_of(request.user)
    context = {
        "overview": unit_overview(actor=request.user, unit=unit),
        "is_own_unit": staff is not None and staff.unit_id == unit.unit_id,
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_GET
def staff_detail_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    """One staff member's record and current customer count."""
    member = staff_get(actor=request.user, staff_id=staff_id)
    return render(request, "org/staff_detail.html", {"member": member})
