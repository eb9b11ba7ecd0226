"""Referral pages: the teller's quick entry, the inbox, one referral with its actions, the
funnel, the monthly "cases that worked" and the points ledger with redemptions.

Thin views over selectors and services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from rmperf.core.access import may_see_customer_names, staff_of
from rmperf.core.htmx import render_page_or_partial
from rmperf.customers.models import Customer
from rmperf.customers.tables import display_name
from rmperf.referrals.forms import DecisionForm, QuickReferralForm, RedemptionForm, TransitionForm
from rmperf.referrals.selectors import (
    GROUPS,
    Pick,
    cases_that_worked,
    colleague_picked,
    colleagues_pick,
    customer_picked,
    customer_referrals,
    customers_pick,
    inbox_counts,
    points_ledger,
    redemptions_of,
    redemptions_pending,
    referral_funnel,
    referral_get,
    referral_list,
)
from rmperf.referrals.services import (
    REFERRER_ROLES,
    may_approve_redemptions,
    points_balance,
    redemption_decide,
    redemption_request,
    referral_actions,
    referral_check,
    referral_create,
    referral_policy,
    referral_transition,
)
from rmperf.referrals.tables import ReferralTable

PAGE_SIZE = 25


def _apply_errors(form: Any, exc: ValidationError) -> None:
    for field, msgs in exc.message_dict.items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, msgs)


@login_required
@require_http_methods(["GET", "POST"])
def referral_new_view(request: HttpRequest) -> HttpResponse:
    """Quick entry (phone-sized): "Check" tells which rule the referral meets or why not;
    "Refer" saves it (the same check decides)."""
    staff = staff_of(request.user)
    may_refer = staff is not None and staff.role in REFERRER_ROLES
    form = QuickReferralForm(
        request.POST or None, initial={"customer": request.GET.get("customer", "")}
    )
    verdict = None
    if request.method == "POST" and may_refer and form.is_valid():
        data = form.cleaned_data
        args = {
            "actor": request.user,
            "customer_id": data["customer"],
            "need": data["need"],
            "to_staff_id": data["to_staff"],
            "deposit": data["deposit"],
        }
        if request.POST.get("op") == "check":
            check = referral_check(**args)
            if check.ok:
                verdict = check.summary
            else:
                _apply_errors(form, ValidationError(check.errors))
        else:
            try:
                referral = referral_create(**args, note=data["note"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Referral #%(id)s sent to %(to)s; answer due by %(due)s.")
                    % {
                        "id": referral.pk,
                        "to": referral.to_staff.name,
                        "due": timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M"),
                    },
                )
                return redirect("referrals:new")
    lang_zh = (get_language() or "").startswith("zh")
    rules = [
        {
            "name": r.names.zh if lang_zh else r.names.en,
            "from_roles": r.from_roles,
            "to_role": r.to_role,
            "trigger": r.trigger,
        }
        for r in referral_policy().policy.rules
    ]
    chosen_customer = str(form["customer"].value() or "")
    chosen_colleague = str(form["to_staff"].value() or "")
    pickers = [
        _picker(
            "customer",
            customer_picked(actor=request.user, customer_id=chosen_customer),
            typed=chosen_customer,
        ),
        _picker(
            "to_staff",
            colleague_picked(actor=request.user, staff_id=chosen_colleague),
            typed=chosen_colleague,
        ),
    ]
    return render(
        request,
        "referrals/referral_new.html",
        {
            "form": form,
            "may_refer": may_refer,
            "verdict": verdict,
            "rules": rules,
            "pickers": {p["field"]: p for p in pickers},
        },
    )


#: The two pickers of the referral form: the form field each fills, its label and hint.
PICKERS = {
    "customer": {
        "url": "referrals:pick_customer",
        "label": gettext_lazy("Customer"),
        "placeholder": gettext_lazy("Type a customer id, name or the phone's last 4 digits"),
        "help": "",
    },
    "to_staff": {
        "url": "referrals:pick_colleague",
        "label": gettext_lazy("Refer to"),
        "placeholder": gettext_lazy("Type a colleague's name or staff id"),
        "help": gettext_lazy("Leave empty to refer to the customer's RM."),
    },
}


def _picker(
    field: str,
    chosen: Pick | None,
    *,
    typed: str = "",
    q: str = "",
    picks: list[Pick] | None = None,
) -> dict[str, Any]:
    """What `_picker.html` shows: the chosen value (or what was typed, so a bad id is
    still named by the form's error), the search term and the matches."""
    return {
        "field": field,
        **PICKERS[field],
        "chosen": chosen,
        "value": chosen.value if chosen is not None else typed,
        "q": q,
        "picks": picks,
    }


def _pick_view(request: HttpRequest, field: str) -> HttpResponse:
    """A picker's answers to HTMX: `choose=<id>` → the picker with that choice (only if
    in scope); `q=<text>` → the picker with the matches in scope."""
    chosen_id = request.GET.get("choose", "")
    q = request.GET.get("q", "")
    if field == "customer":
        chosen = customer_picked(actor=request.user, customer_id=chosen_id)
        picks = None if chosen_id else customers_pick(actor=request.user, q=q)
    else:
        chosen = colleague_picked(actor=request.user, staff_id=chosen_id)
        picks = None if chosen_id else colleagues_pick(actor=request.user, q=q)
    return render(
        request,
        "referrals/_picker.html",
        {"p": _picker(field, chosen, q=q, picks=picks if q.strip() else None)},
    )


@login_required
@require_GET
def pick_customer_view(request: HttpRequest) -> HttpResponse:
    """The customer picker of the referral form (search and choose, in scope only)."""
    return _pick_view(request, "customer")


@login_required
@require_GET
def pick_colleague_view(request: HttpRequest) -> HttpResponse:
    """The colleague picker of the referral form (search and choose, in scope only)."""
    return _pick_view(request, "to_staff")


@login_required
@require_GET
def referral_inbox_view(request: HttpRequest) -> HttpResponse:
    """Referrals to me (inbox), by me (sent) or in my scope (all); filters swap the table."""
    box = request.GET.get("box", "inbox")
    if box not in ("inbox", "sent", "all"):
        box = "inbox"
    filterset = referral_list(actor=request.user, box=box, filters=request.GET)
    table = ReferralTable(filterset.qs, mask_names=not may_see_customer_names(request.user))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render_page_or_partial(
        request,
        page="referrals/referral_inbox.html",
        partial="referrals/_referral_results.html",
        context={
            "filterset": filterset,
            "table": table,
            "box": box,
            "counts": inbox_counts(actor=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral, its history and (for the receiver) the next actions."""
    referral = referral_get(actor=request.user, referral_id=referral_id)
    form = TransitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_transition(
                actor=request.user,
                referral_id=referral.pk,
                action=form.cleaned_data["action"],
                lost_reason=form.cleaned_data["lost_reason"],
                lost_detail=form.cleaned_data["lost_detail"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("referrals:detail", referral_id=referral.pk)
        referral = referral_get(actor=request.user, referral_id=referral_id)
    rule = referral_policy().policy.rule(referral.rule_id)
    lang_zh = (get_language() or "").startswith("zh")
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "r": referral,
            "customer_name": display_name(
                referral.customer, mask_names=not may_see_customer_names(request.user)
            ),
            "rule_name": (rule.names.zh if lang_zh else rule.names.en)
            if rule
            else referral.rule_id,
            "actions": referral_actions(actor=request.user, referral=referral),
            "form": form,
            "overdue": referral.state == "created" and referral.due_at < timezone.now(),
        },
    )


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _date_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@login_required
@require_GET
def referral_funnel_view(request: HttpRequest) -> HttpResponse:
    """The funnel (made → accepted → contacted → converted) and the success rate per person,
    team or branch, for referrals made in the chosen dates."""
    today = timezone.localdate()
    start = _date_param(request, "start", _month_start(today) - dt.timedelta(days=60))
    start = _month_start(start) if "start" not in request.GET else start
    end = _date_param(request, "end", today)
    group = request.GET.get("group", "person")
    if group not in GROUPS:
        group = "person"
    total, rows = referral_funnel(actor=request.user, group=group, start=start, end=end)
    chart = {
        "stages": [
            {"name": _("Made"), "value": total.made},
            {"name": _("Accepted"), "value": total.accepted},
            {"name": _("Contacted"), "value": total.contacted},
            {"name": _("Converted"), "value": total.converted},
        ]
    }
    return render(
        request,
        "referrals/referral_funnel.html",
        {
            "total": total,
            "rows": rows,
            "group": group,
            "groups": [
                ("person", _("Person")),
                ("team", _("Team")),
                ("branch", _("Branch")),
            ],
            "start": start,
            "end": end,
            "chart": chart,
        },
    )


@login_required
@require_GET
def referral_cases_view(request: HttpRequest) -> HttpResponse:
    """The month's converted referrals, best first: the morning meeting's case review."""
    month = request.GET.get("month", "")
    try:
        dt.date.fromisoformat(month + "-01")
    except ValueError:
        month = timezone.localdate().strftime("%Y-%m")
    cases = cases_that_worked(actor=request.user, month=month)
    mask = not may_see_customer_names(request.user)
    rows = [
        (
            c,
            display_name(c.customer, mask_names=mask),
            (c.purchase_date - c.referred_on).days if c.purchase_date else None,
        )
        for c in cases[:50]
    ]
    return render(request, "referrals/referral_cases.html", {"month": month, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def points_view(request: HttpRequest) -> HttpResponse:
    """My points: balance, ledger, catalogue and requests; a manager also decides the
    requests of the people in their scope (maker-checker)."""
    staff = staff_of(request.user)
    redeem_form = RedemptionForm(request.POST if request.POST.get("op") == "redeem" else None)
    decide_form = DecisionForm(request.POST if request.POST.get("op") == "decide" else None)
    if request.method == "POST":
        try:
            if redeem_form.is_bound and redeem_form.is_valid():
                redemption_request(actor=request.user, item_id=redeem_form.cleaned_data["item"])
                messages.success(request, _("Request sent to your manager."))
                return redirect("referrals:points")
            if decide_form.is_bound and decide_form.is_valid():
                d = decide_form.cleaned_data
                redemption_decide(
                    actor=request.user,
                    redemption_id=d["redemption"],
                    approve=d["decision"] == "approve",
                    note=d["note"],
                )
                messages.success(request, _("Decision recorded."))
                return redirect("referrals:points")
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                for m in msgs:
                    messages.error(request, m)
    lang_zh = (get_language() or "").startswith("zh")
    catalogue = [
        {
            "id": i.id,
            "name": i.names.zh if lang_zh else i.names.en,
            "kind": i.kind,
            "points": i.points,
        }
        for i in referral_policy().policy.catalogue
    ]
    context: dict[str, Any] = {
        "staff": staff,
        "balance": points_balance(staff_id=staff.pk) if staff else 0,
        "ledger": points_ledger(actor=request.user, staff_id=staff.pk)[:100] if staff else [],
        "mine": redemptions_of(actor=request.user, staff_id=staff.pk)[:50] if staff else [],
        "catalogue": catalogue,
        "may_decide": may_approve_redemptions(request.user),
        "pending": redemptions_pending(actor=request.user)
        if may_approve_redemptions(request.user)
        else [],
        "formula": referral_policy().policy.points,
    }
    return render(request, "referrals/points.html", context)


@login_required
@require_GET
def customer_referrals_view(request: HttpRequest, customer_id: str) -> HttpResponse:
    """The customer 360's panel of referrals made in the app (the lake's are beside it)."""
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=customer_id)
    rows = customer_referrals(actor=request.user, customer_id=customer.pk)
    return render(request, "referrals/_customer_referrals.html", {"rows": rows[:20]})
