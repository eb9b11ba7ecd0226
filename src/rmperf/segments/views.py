"""Customer pages (list, export, 360, reveal), the contribution dashboard and runs.

Thin views over selectors and services. These pages live here, not in `customers`, so
apps keep depending one way (customers ← segments; DESIGN.md "Layout").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from rmperf.core.access import may_reveal_personal_data, may_see_customer_names, staff_of
from rmperf.core.data_version import data_version_of
from rmperf.core.htmx import render_page_or_partial, wants_partial
from rmperf.core.masking import birth_year, mask_id_number, mask_phone
from rmperf.customers.models import PROFILE_FIELDS, Customer
from rmperf.customers.selectors import (
    customer_assignments,
    customer_get,
    is_customers_rm,
    profile_masked,
)
from rmperf.customers.services import (
    REVEAL_PURPOSES,
    PersonalData,
    RevealRefused,
    customer_reveal_personal_data,
)
from rmperf.customers.tables import display_name
from rmperf.segments.customer360 import customer_360
from rmperf.segments.dashboard_selectors import scope_dashboard
from rmperf.segments.export import FORMATS, ExportTooLarge, customer_list_export, export_limit
from rmperf.segments.potential import high_potential_for
from rmperf.segments.selectors import (
    book_rows,
    book_stats,
    cached_count,
    counted_paginator,
    customer_book,
    rm_get,
    segment_run_current,
    segment_runs,
)
from rmperf.segments.services import SegmentRunError, segment_may_run, segment_run
from rmperf.segments.tables import CustomerBookTable

PAGE_SIZE = 25
RUNS_SHOWN = 50


def _is_own_book(request: HttpRequest) -> bool:
    staff = staff_of(request.user)
    return staff is not None and staff.role == "rm"


@login_required
@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """An RM's own customers ("My customers"), managers their unit's, with the current
    run's tier and value; filters and sorting swap the table only (htmx)."""
    # The data version first: the table is kept under it, so nothing it shows may be
    # read before it (a run committed in between would be kept under the newer key).
    version = data_version_of(request)
    run = segment_run_current()
    filterset = customer_book(actor=request.user, filters=request.GET, run=run)
    table = CustomerBookTable(filterset.qs, mask_names=not may_see_customer_names(request.user))
    paginator = counted_paginator(cached_count(filterset.qs, version=version))
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": paginator}
    ).configure(table)
    query = request.GET.copy()
    for key in ("page", "sort"):
        query.pop(key, None)
    context = {
        "filterset": filterset,
        "table": table,
        "run": run,
        "is_own_book": _is_own_book(request),
        "export_query": query.urlencode(),
        "export_limit": export_limit(actor=request.user),
    }
    return render_page_or_partial(
        request,
        page="customers/customer_list.html",
        partial="customers/_customer_results.html",
        context=context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_export_view(request: HttpRequest) -> HttpResponse:
    """GET: how many customers the filters select and whether the actor may export them;
    POST: the Excel file (masked, formula-safe, capped, audited)."""
    filterset = customer_book(actor=request.user, filters=request.GET)
    limit = export_limit(actor=request.user)
    valid = filterset.is_valid()
    count = filterset.qs.count() if valid else 0
    fmt = request.POST.get("format", "xlsx")
    if request.method == "POST" and valid and fmt in FORMATS:
        try:
            export = customer_list_export(
                actor=request.user,
                customers=filterset.qs.order_by("customer_id"),
                filters=request.GET,
                fmt=fmt,
            )
        except ExportTooLarge:
            pass  # the page below says why
        else:
            response = HttpResponse(export.content, content_type=FORMATS[fmt])
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            response["X-Content-SHA256"] = export.sha256
            return response
    context = {
        "filterset": filterset,
        "valid": valid,
        "count": count,
        "limit": limit,
        "too_many": limit is not None and count > limit,
        "query": request.GET.urlencode(),
        "list_url": reverse("customers:list")
        + ("?" + request.GET.urlencode() if request.GET else ""),
    }
    return render(request, "customers/customer_export.html", context)


def _personal(customer: Customer, user: Any, revealed: PersonalData | None) -> dict[str, object]:
    if revealed is not None:
        return {
            "phone": revealed.phone,
            "id_number": revealed.id_number,
            "birth_date": revealed.birth_date,
            "birth_year": None,
        }
    sees_full_birth_date = may_reveal_personal_data(user)
    return {
        "phone": mask_phone(customer.phone),
        "id_number": mask_id_number(customer.id_number),
        "birth_date": customer.birth_date if sees_full_birth_date else None,
        "birth_year": None if sees_full_birth_date else birth_year(customer.birth_date),
    }


def profile_rows(
    values: dict[str, str], errors: dict[str, list[str]] | None = None
) -> list[tuple[str, str, str, int, list[str]]]:
    """(field, label, text, longest allowed, errors) of each profile field."""
    out = []
    for f in PROFILE_FIELDS:
        field = Customer._meta.get_field(f)
        limit = int(getattr(field, "max_length", 0) or 0)
        out.append(
            (f, str(getattr(field, "verbose_name", f)), values[f], limit, (errors or {}).get(f, []))
        )
    return out


def _profile(
    customer: Customer, user: Any, revealed: PersonalData | None
) -> list[tuple[str, str, str, int, list[str]]] | None:
    """The profile's rows for the customer's RM (masked until revealed with a purpose);
    None for anyone else (minimum necessary)."""
    if not is_customers_rm(actor=user, customer=customer):
        return None
    values = (
        revealed.profile
        if revealed is not None and revealed.profile is not None
        else profile_masked(customer=customer)
    )
    return profile_rows(values)


def _detail_context(
    request: HttpRequest, customer: Customer, revealed: PersonalData | None, *, full: bool = True
) -> dict[str, object]:
    user = request.user
    context: dict[str, object] = {
        "profile": _profile(customer, user, revealed),
        "customer": customer,
        "name": display_name(customer, mask_names=not may_see_customer_names(user)),
        "personal": _personal(customer, user, revealed),
        "revealed": revealed is not None,
        "may_reveal": may_reveal_personal_data(user),
        "reveal_purposes": [(key, str(label)) for key, label in REVEAL_PURPOSES.items()],
    }
    if full:
        c360 = customer_360(actor=user, customer=customer)
        context.update(
            assignments=customer_assignments(actor=user, customer=customer),
            c360=c360,
            aum_chart=c360.aum.as_json(),
        )
    return context


@login_required
@require_GET
def customer_detail_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """The customer 360: profile (masked), tier path and what moves it up, AUM trend,
    holdings, transactions, loans, contacts and referrals."""
    customer = customer_get(actor=request.user, customer_id=customer_id)
    return render(
        request, "customers/customer_detail.html", _detail_context(request, customer, None)
    )


@login_required
@require_POST
def customer_reveal_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Shows the full personal data once, for permitted roles and a stated purpose; the
    reveal is audited. A refusal (no purpose, over the hourly limit) shows why."""
    partial = wants_partial(request)
    template = "customers/_personal_data.html" if partial else "customers/customer_detail.html"
    try:
        customer, revealed = customer_reveal_personal_data(
            actor=request.user, customer_id=customer_id, purpose=request.POST.get("purpose", "")
        )
    except RevealRefused as exc:
        customer = customer_get(actor=request.user, customer_id=customer_id)
        context = _detail_context(request, customer, None, full=not partial)
        context["reveal_error"] = exc.message
        # htmx swaps only 2xx answers: its block comes back as 200 with the reason in it.
        return render(request, template, context, status=200 if partial else exc.status)
    context = _detail_context(request, customer, revealed, full=not partial)
    return render(request, template, context)


# --- the contribution dashboard -------------------------------------------------------------


def _chart_data(stats: Any) -> dict[str, Any]:
    return {
        "labels": {"count": _("Customers"), "aum": _("AUM")},
        "pyramid": [
            {"tier": t.tier, "name": t.label, "count": t.count, "aum": str(t.aum)}
            for t in stats.tiers
        ],
        "penetration": [
            {"key": key, "name": label, "share": round(share, 4)}
            for key, label, _n, share in stats.penetration
        ],
        "frequency": [{"name": label, "count": n} for label, n in stats.frequency],
    }


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """An RM's contribution dashboard for their book; for managers and HR the same over
    their scope with one row per RM (drill in to each)."""
    staff = staff_of(request.user)
    if staff is not None and staff.role == "rm":
        return _rm_dashboard(request, staff)
    run = segment_run_current()
    stats, rms = scope_dashboard(actor=request.user, run=run)
    context = {
        "run": run,
        "stats": stats,
        "chart": _chart_data(stats),
        "rms": rms,
        "may_run": segment_may_run(actor=request.user),
    }
    return render(request, "segments/dashboard.html", context)


@login_required
@require_GET
def rm_dashboard_view(request: HttpRequest, staff_id: str) -> HttpResponse:
    """One RM's book (their own, or one of a manager's RMs)."""
    rm = rm_get(actor=request.user, staff_id=staff_id)
    return _rm_dashboard(request, rm)


def _rm_dashboard(request: HttpRequest, rm: Any) -> HttpResponse:
    run = segment_run_current()
    rows = book_rows(actor=request.user, run=run, rm=rm)
    stats = book_stats(rows)
    potential = high_potential_for(rows=rows, run=run)
    context = {
        "run": run,
        "rm": rm,
        "stats": stats,
        "chart": _chart_data(stats),
        "potential": potential,
        "is_own": staff_of(request.user) == rm,
    }
    return render(request, "segments/rm_dashboard.html", context)


# --- runs -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def run_list_view(request: HttpRequest) -> HttpResponse:
    """Segmentation runs; branch managers and HR start one for a date here."""
    may_run = segment_may_run(actor=request.user)
    if request.method == "POST":
        if not may_run:
            raise Http404
        try:
            as_of = dt.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            messages.error(request, _("Enter the as-of date as YYYY-MM-DD."))
            return redirect("segments:runs")
        try:
            run = segment_run(actor=request.user, as_of=as_of)
        except SegmentRunError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Segmented %(count)s customers at %(date)s.")
                % {"count": f"{run.row_count:,}", "date": run.as_of.isoformat()},
            )
        return redirect("segments:runs")
    runs = list(segment_runs(actor=request.user)[:RUNS_SHOWN])
    current = segment_run_current()
    context = {"runs": runs, "current": current, "may_run": may_run}
    return render(request, "segments/run_list.html", context)
