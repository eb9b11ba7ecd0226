"""Home (each role's first page), the page for users without a staff record, the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from rmperf.core.access import may_read_model, scope_of, staff_of
from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent

AUDIT_PAGE_SIZE = 50

#: Each role's first page (URL name; unit pages take the actor's own unit). RMs land on
#: their workbench, team leaders and branch managers on their desk (the workbench app).
HOME_BY_ROLE = {
    "rm": "workbench:rm",
    "teller": "customers:list",
    "wealth_manager": "customers:list",
    "risk_officer": "customers:list",
    "team_leader": "workbench:desk",
    "branch_manager": "workbench:desk",
    "hr": "org:tree",
    "auditor": "org:tree",
}


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """Sends each role to its first page; a login without a staff record is told so."""
    staff = staff_of(request.user)
    if staff is None:
        if request.user.is_superuser:
            return redirect("org:tree")
        return render(request, "core/no_staff.html")
    target = HOME_BY_ROLE.get(staff.role)
    if target is None or scope_of(request.user) is None:
        return render(request, "core/no_staff.html")
    if target == "org:unit":
        return redirect(target, unit_id=staff.unit_id)
    return redirect(target)


@login_required
@require_GET
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, with the result of verifying the hash chain (auditors)."""
    if not may_read_model(request.user, AuditEvent):
        raise Http404
    events = AuditEvent.objects.restrict(request.user).select_related("actor").order_by("-seq")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    problems = audit_verify()
    return render(request, "core/audit_log.html", {"page": page, "problems": problems})
