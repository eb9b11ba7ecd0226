"""Careers pages: the year-end checks with promotion decisions, the negative list with
its recovery share, and one listed RM's follow-up (fitness review, plan, talks, outcome).

Thin views over selectors and services; refusals for scope answer 404, workflow
refusals come back as a message on the page they were made from.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rmperf.careers import selectors as sel
from rmperf.careers.models import (
    CheckStatus,
    Fitness,
    ListingStatus,
    Outcome,
)
from rmperf.careers.services import (
    CareerError,
    career_check_decide,
    career_checks_compute,
    careers_may_run,
    listing_fitness_review,
    listing_outcome_record,
    listing_plan_set,
    listing_talk_add,
    negative_list_compute,
)
from rmperf.core.access import scope_of


def _year(text: str | None, default: int) -> int:
    try:
        year = int(text or default)
    except ValueError:
        raise Http404 from None
    if not 1900 <= year <= 2999:
        raise Http404
    return year


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """A year's ladder checks in the actor's scope; HR computes them, a branch manager
    confirms or rejects the proposals of their branch."""
    if scope_of(request.user) is None:
        raise Http404
    today = timezone.localdate()
    years = sel.career_years(actor=request.user)
    year = _year(request.GET.get("year"), years[0] if years else today.year - 1)
    checks = list(sel.career_checks(actor=request.user, year=year))
    context = {
        "year": year,
        "years": years,
        "checks": checks,
        "decidable": sel.career_decidable_ids(actor=request.user, year=year),
        "may_run": careers_may_run(actor=request.user),
        "proposed": sum(c.status == CheckStatus.PROPOSED for c in checks),
    }
    return render(request, "careers/index.html", context)


@login_required
@require_POST
def compute_view(request: HttpRequest) -> HttpResponse:
    if not careers_may_run(actor=request.user):
        raise Http404
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Give the year to check (e.g. 2026)."))
        return redirect(reverse("careers:index"))
    try:
        count = career_checks_compute(actor=request.user, year=year)
    except CareerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(count)s RMs checked for %(year)s.") % {"count": count, "year": year}
        )
    return redirect(f"{reverse('careers:index')}?year={year}")


@login_required
@require_POST
def decide_view(request: HttpRequest, check_id: int) -> HttpResponse:
    sel.career_check_for_change(actor=request.user, check_id=check_id)  # 404 out of scope
    decision = request.POST.get("decision", "")
    if decision not in ("confirm", "reject"):
        messages.error(request, _("Choose to confirm or to reject the proposal."))
        return redirect(reverse("careers:index"))
    try:
        check = career_check_decide(
            actor=request.user,
            check_id=check_id,
            confirm=decision == "confirm",
            note=request.POST.get("note", ""),
        )
    except CareerError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("careers:index"))
    if decision == "confirm":
        messages.success(
            request,
            _("Promotion confirmed: %(rank)s from %(quarter)s.")
            % {"rank": check.rank_to, "quarter": check.effective_quarter},
        )
    else:
        messages.success(request, _("The proposal was rejected."))
    return redirect(f"{reverse('careers:index')}?year={check.year}")


@login_required
@require_GET
def negative_view(request: HttpRequest) -> HttpResponse:
    """The negative list in the actor's scope by quarter, and the recovery share."""
    if not sel.may_see_negative_list(request.user):
        raise Http404
    period = sel.quarter_key(request.GET.get("period", "")) or ""
    share, outcomes = sel.recovery_in_force(actor=request.user)
    listings = list(sel.negative_listings(actor=request.user, period=period or None))
    today = timezone.localdate()
    last_key = sel.previous_quarter_key(today)
    context = {
        "period": period,
        "runs": list(sel.negative_runs(actor=request.user)),
        "listings": [(entry, outcomes.get(entry.pk)) for entry in listings],
        "share": share,
        "share_percent": None if share.share is None else round(share.share * 100, 1),
        "may_run": careers_may_run(actor=request.user),
        "suggested": last_key,
    }
    return render(request, "careers/negative.html", context)


@login_required
@require_POST
def negative_compute_view(request: HttpRequest) -> HttpResponse:
    if not careers_may_run(actor=request.user):
        raise Http404
    key = request.POST.get("period", "").strip().upper()
    try:
        run = negative_list_compute(actor=request.user, key=key)
    except CareerError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("careers:negative"))
    messages.success(
        request,
        _("Negative list for %(period)s: %(listed)s of %(scored)s RMs listed.")
        % {"period": run.period, "listed": run.listed, "scored": run.scored},
    )
    return redirect(f"{reverse('careers:negative')}?period={run.period}")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def listing_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    """One listed RM: the totals that listed them, the fitness review, the improvement
    plan with its goals and review date, the feedback talks and the outcome."""
    if not sel.may_see_negative_list(request.user):
        raise Http404
    listing = sel.listing_get(actor=request.user, listing_id=listing_id)
    may_act = sel.listing_may_act(actor=request.user, listing=listing)
    if request.method == "POST":
        if not may_act:
            raise Http404
        action = request.POST.get("action", "")
        try:
            if action == "fitness":
                listing_fitness_review(
                    actor=request.user,
                    listing_id=listing.pk,
                    fitness=request.POST.get("fitness", ""),
                    note=request.POST.get("note", ""),
                )
            elif action == "plan":
                review_date = _date(request.POST.get("review_date", ""))
                if review_date is None:
                    raise CareerError(_("Give the review date (YYYY-MM-DD)."))
                listing_plan_set(
                    actor=request.user,
                    listing_id=listing.pk,
                    goals=request.POST.get("goals", "").splitlines(),
                    review_date=review_date,
                )
            elif action == "talk":
                held_on = _date(request.POST.get("held_on", ""))
                if held_on is None:
                    raise CareerError(_("Give the day of the talk (YYYY-MM-DD)."))
                listing_talk_add(
                    actor=request.user,
                    listing_id=listing.pk,
                    held_on=held_on,
                    notes=request.POST.get("notes", ""),
                )
            elif action == "outcome":
                listing_outcome_record(
                    actor=request.user,
                    listing_id=listing.pk,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
            else:
                raise Http404
        except CareerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect(reverse("careers:listing", kwargs={"listing_id": listing.pk}))
    context = {
        "listing": listing,
        "goals": list(listing.goals.select_related("created_by")),
        "talks": list(listing.talks.select_related("created_by")),
        "may_act": may_act and listing.status != ListingStatus.CLOSED,
        "fitness_choices": Fitness.choices,
        "outcome_choices": Outcome.choices,
        "today": timezone.localdate(),
    }
    return render(request, "careers/listing.html", context)
