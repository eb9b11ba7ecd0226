"""Careers writes: year-end checks and their decisions; the negative list and its follow-up.

Every write is one durable transaction with its audit event (shared/STYLE.md 2). The
rules are the engine's (rmperf.engine.career) under the active career policy; this module
feeds them the stored, confirmed results and persists what they return.

Who may do what (DOMAIN §6):
- compute a year's checks or a quarter's negative list: HR, superusers and the system;
- confirm or reject a promotion proposal: the branch manager over the RM (restrict
  CHANGE, deciding roles only: not HR), never for themself; a confirmed promotion takes effect from the quarter after
  the day it is confirmed (a quarter already under way keeps its rank and pay);
- review fitness, set the improvement plan, record feedback talks and the outcome: the
  RM's team leader or branch manager, or HR; never the listed RM.
Anything refused for scope answers like a missing object (Http404); a refused step of the
workflow raises CareerError with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.careers.models import (
    DECIDED,
    CareerCheck,
    CheckStatus,
    FeedbackTalk,
    Fitness,
    ImprovementGoal,
    ListingStatus,
    NegativeListing,
    NegativeListRun,
    Outcome,
)
from rmperf.careers.selectors import (
    branch_of,
    career_checks_for_decision,
    confirmed_annual_tiers,
    rank_in_quarter,
)
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.career.inputs import QuarterTotal
from rmperf.engine.career.ladder import RmRecord, as_of_month, career_table, evaluate, loan_book
from rmperf.engine.career.negative import negative_list
from rmperf.engine.career.policy import CareerPolicy
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import LoadedPolicy
from rmperf.lakes.models import LANDED_STATUSES, LakeImport
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import CONFIRMED_STATUSES, PerfPeriod, PeriodStatus, RmResult
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force

#: Roles that compute checks and lists (besides superusers and the system).
RUN_ROLES = frozenset({"hr"})
#: Period statuses with stored results.
WITH_RESULTS = (PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED, PeriodStatus.CLOSED)


class CareerError(Exception):
    """A step the workflow refuses (ratings not confirmed, wrong status, missing text …)."""


def _user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def careers_may_run(*, actor: Actor) -> bool:
    """Whether the actor computes checks and lists; None is the system (the CLI)."""
    if actor is None:
        return True
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in RUN_ROLES


def _require_runner(actor: Actor) -> None:
    if not careers_may_run(actor=actor):
        raise Http404


def _policy() -> tuple[str, LoadedPolicy[CareerPolicy]]:
    version, loaded = policy_in_force(PolicyKind.CAREER)
    return version.run_label, loaded


def next_quarter(day: dt.date) -> str:
    """The key of the quarter after the one containing `day`."""
    q = Period.containing(day, PeriodKind.QUARTER)
    return Period.containing(q.end + dt.timedelta(days=1), PeriodKind.QUARTER).key


# -- career checks ---------------------------------------------------------------------


def _check_state(check: CareerCheck) -> dict[str, Any]:
    return {
        "status": check.status,
        "rank_from": check.rank_from,
        "rank_to": check.rank_to,
        "eligible": check.eligible,
        "effective_quarter": check.effective_quarter,
        "decision_note": check.decision_note,
    }


def _jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if v is None else (v if isinstance(v, bool | int) else str(v)))
        for k, v in row.items()
    }


def career_checks_compute(*, actor: Actor, year: int) -> int:
    """Check every RM hired by the year end against the next rank (engine `evaluate`) from
    the year's confirmed annual ratings and the lake's loan book; returns the RMs checked.

    Checks already decided are kept as they are; the others are replaced.
    """
    _require_runner(actor)
    period = PerfPeriod.objects.filter(key=str(year), kind="year").first()
    if period is None or period.status not in CONFIRMED_STATUSES:
        raise CareerError(
            _("The annual ratings of %(year)s are not confirmed yet (calibrate the year first).")
            % {"year": year}
        )
    lake_dir = lake_current()
    if lake_dir is None:
        raise CareerError(_("No lake has been imported yet: run `rmperf import` first."))
    label, loaded = _policy()
    year_end = dt.date(year, 12, 31)
    staff = list(Staff.objects.filter(role="rm", hired_on__lte=year_end).order_by("staff_id"))
    quarter_key = Period.containing(year_end, PeriodKind.QUARTER).key
    rms = {
        s.staff_id: RmRecord(s.staff_id, rank_in_quarter(staff=s, key=quarter_key), s.hired_on)
        for s in staff
    }
    years = [year - k for k in range(max(st.rating_years for st in _steps(loaded.policy)))]
    ratings = confirmed_annual_tiers(years=years)
    # Validate the lake as of its import day, as scoring runs do (rows dated after it are
    # rejected the same way in both).
    imported = (
        LakeImport.objects.filter(lake_path=str(lake_dir))
        .filter(status__in=LANDED_STATUSES)
        .order_by("-finished_at", "-pk")
        .first()
    )
    today = imported.today if imported is not None else timezone.localdate()
    books = loan_book(Lake(lake_dir, today=today), month=as_of_month(year, loaded.policy))
    rows = evaluate(
        rms, year=year, books=books, ratings=ratings, policy=loaded.policy, policy_version=label
    )
    table = career_table(rows).to_pylist()
    now = timezone.now()
    by_id = {s.staff_id: s for s in staff}
    with transaction.atomic(durable=True):
        existing = {
            c.staff_id: c
            for c in CareerCheck.objects.select_for_update().filter(year=year, staff__in=staff)
        }
        replaced = 0
        for row, measured in zip(rows, table, strict=True):
            check = existing.get(row.staff_id)
            if check is not None and check.status in DECIDED:
                continue
            if check is None:
                check = CareerCheck(staff=by_id[row.staff_id], year=year)
            else:
                replaced += 1
            check.rank_from = row.rank
            check.rank_to = row.next_rank or ""
            check.eligible = row.eligible
            check.measured = _jsonable_row(measured)
            check.rating = str(row.rating) if row.rating is not None else ""
            check.grade_steps = row.grade_steps
            check.honours = row.honours
            check.training_priority = row.training_priority
            check.policy_version = label
            check.computed_at = now
            check.status = CheckStatus.PROPOSED if row.eligible else CheckStatus.NOT_ELIGIBLE
            check.full_clean()
            check.save()
        audit_record(
            actor=actor,
            verb="careers.checks.compute",
            object_type="careers.year",
            object_id=str(year),
            after={
                "checked": len(rows),
                "eligible": sum(r.eligible for r in rows),
                "replaced": replaced,
                "policy": label,
                "lake": str(lake_dir),
            },
        )
    return len(rows)


def _steps(policy: CareerPolicy) -> Sequence[Any]:
    return (policy.ladder.junior, policy.ladder.intermediate, policy.ladder.senior)


def career_check_decide(
    *, actor: Actor, check_id: int, confirm: bool, note: str = ""
) -> CareerCheck:
    """Confirm or reject a proposal: the branch manager over the RM, not for themself."""
    with transaction.atomic(durable=True):
        check: CareerCheck | None = (
            career_checks_for_decision(actor=actor).select_for_update().filter(pk=check_id).first()
        )
        if check is None:
            raise Http404
        scope = scope_of(actor)
        if scope is not None and scope.staff_id == check.staff_id:
            raise CareerError(_("Nobody decides their own promotion."))
        if check.status != CheckStatus.PROPOSED:
            raise CareerError(_("Only a proposed promotion can be confirmed or rejected."))
        if not confirm and not note.strip():
            raise CareerError(_("Give a reason for rejecting the proposal."))
        before = _check_state(check)
        check.status = CheckStatus.CONFIRMED if confirm else CheckStatus.REJECTED
        check.decided_by = _user(actor)
        check.decided_at = timezone.now()
        check.decision_note = note.strip()
        if confirm:
            check.effective_quarter = next_quarter(timezone.localdate())
        check.full_clean()
        check.save()
        audit_record(
            actor=actor,
            verb="careers.promotion.confirm" if confirm else "careers.promotion.reject",
            object_type="careers.check",
            object_id=f"{check.staff_id}/{check.year}",
            before=before,
            after=_check_state(check),
        )
    return check


# -- negative list ---------------------------------------------------------------------


def _quarter_totals(key: str) -> list[QuarterTotal]:
    return [
        QuarterTotal(r.staff_id, r.scorecard, key, r.final_total)
        for r in RmResult.objects.filter(period__key=key).only(
            "staff_id", "scorecard", "total", "calibrated_total"
        )
    ]


def negative_list_compute(*, actor: Actor, key: str) -> NegativeListRun:
    """List the RMs lowest on their card in their branch in quarter `key` and the one
    before (engine `negative_list`), from the stored results (calibrated totals first)."""
    _require_runner(actor)
    try:
        quarter = Period.parse(key)
    except ValueError as exc:
        raise CareerError(str(exc)) from None
    if quarter.kind is not PeriodKind.QUARTER:
        raise CareerError(_("The negative list is computed for a quarter (e.g. 2026Q3)."))
    previous = quarter.previous()
    for needed in (previous.key, quarter.key):
        if not PerfPeriod.objects.filter(key=needed, status__in=WITH_RESULTS).exists():
            raise CareerError(
                _("Quarter %(period)s has no stored results yet.") % {"period": needed}
            )
    label, loaded = _policy()
    totals = _quarter_totals(previous.key) + _quarter_totals(quarter.key)
    staff = {
        s.staff_id: s
        for s in Staff.objects.filter(staff_id__in={t.staff_id for t in totals}).select_related(
            "unit", "unit__parent"
        )
    }
    branches = {sid: branch_of(s) for sid, s in staff.items()}
    rows = negative_list(
        totals,
        period=quarter,
        branches={sid: (b.unit_id if b is not None else None) for sid, b in branches.items()},
        rules=loaded.policy.negative_list,
    )
    with transaction.atomic(durable=True):
        run = NegativeListRun.objects.select_for_update().filter(period=quarter.key).first()
        if run is not None:
            started = (
                run.listings.exclude(status=ListingStatus.LISTED).exists()
                or FeedbackTalk.objects.filter(listing__run=run).exists()
            )
            if started:
                raise CareerError(
                    _("Follow-up has started on the %(period)s list: it is not computed again.")
                    % {"period": quarter.key}
                )
            run.listings.all().delete()  # machine output nobody acted on yet: replaced
        else:
            run = NegativeListRun(period=quarter.key)
        run.policy_version = label
        run.computed_at = timezone.now()
        run.computed_by = _user(actor)
        run.scored = len(rows)
        run.listed = sum(r.listed for r in rows)
        run.full_clean()
        run.save()
        listed = []
        for r in rows:
            branch: OrgUnit | None = branches.get(r.staff_id)
            if not r.listed or branch is None or r.previous_total is None:
                continue
            entry = NegativeListing(
                run=run,
                staff=staff[r.staff_id],
                period=r.period,
                previous_period=r.previous_period,
                branch=branch,
                scorecard=r.scorecard,
                total=r.total,
                previous_total=r.previous_total,
            )
            entry.full_clean()
            listed.append(entry)
        NegativeListing.objects.bulk_create(listed)
        audit_record(
            actor=actor,
            verb="careers.negative_list.compute",
            object_type="careers.negative_list",
            object_id=quarter.key,
            after={
                "compared": run.scored,
                "listed": sorted(e.staff_id for e in listed),
                "policy": label,
            },
        )
    return run


def _listing_for_change(actor: Actor, listing_id: int) -> NegativeListing:
    listing: NegativeListing | None = (
        NegativeListing.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise Http404
    scope = scope_of(actor)
    if scope is not None and scope.staff_id == listing.staff_id:
        raise Http404  # the listed RM reads their entry; they do not act on it
    return listing


def _listing_state(listing: NegativeListing) -> dict[str, Any]:
    return {
        "status": listing.status,
        "fitness": listing.fitness,
        "fitness_note": listing.fitness_note,
        "review_date": listing.review_date,
        "outcome": listing.outcome,
        "outcome_note": listing.outcome_note,
    }


def _refuse_closed(listing: NegativeListing) -> None:
    if listing.status == ListingStatus.CLOSED:
        raise CareerError(_("This entry is closed: its outcome is recorded."))


def listing_fitness_review(
    *, actor: Actor, listing_id: int, fitness: str, note: str
) -> NegativeListing:
    """Record the fitness review (岗位适配性评估) the listing opens."""
    if fitness not in Fitness.values:
        raise CareerError(_("Choose the result of the fitness review."))
    if not note.strip():
        raise CareerError(_("Write what the fitness review found."))
    with transaction.atomic(durable=True):
        listing = _listing_for_change(actor, listing_id)
        _refuse_closed(listing)
        before = _listing_state(listing)
        listing.fitness = fitness
        listing.fitness_note = note.strip()
        listing.fitness_by = _user(actor)
        listing.fitness_at = timezone.now()
        if listing.status == ListingStatus.LISTED:
            listing.status = ListingStatus.REVIEWED
        listing.full_clean()
        listing.save()
        audit_record(
            actor=actor,
            verb="careers.listing.fitness",
            object_type="careers.listing",
            object_id=str(listing.pk),
            before=before,
            after=_listing_state(listing),
        )
    return listing


def listing_plan_set(
    *, actor: Actor, listing_id: int, goals: Sequence[str], review_date: dt.date
) -> NegativeListing:
    """Set the improvement plan: new goals (kept beside earlier ones) and the review date."""
    texts = [g.strip() for g in goals if g.strip()]
    with transaction.atomic(durable=True):
        listing = _listing_for_change(actor, listing_id)
        _refuse_closed(listing)
        if not texts and not listing.goals.exists():
            raise CareerError(_("Give at least one goal."))
        if review_date <= timezone.localdate():
            raise CareerError(_("The review date must be after today."))
        before = _listing_state(listing)
        now = timezone.now()
        for text in texts:
            goal = ImprovementGoal(
                listing=listing, text=text, created_by=_user(actor), created_at=now
            )
            goal.full_clean()
            goal.save()
        listing.review_date = review_date
        listing.status = ListingStatus.PLAN
        listing.full_clean()
        listing.save()
        after = {**_listing_state(listing), "goals_added": texts}
        audit_record(
            actor=actor,
            verb="careers.listing.plan",
            object_type="careers.listing",
            object_id=str(listing.pk),
            before=before,
            after=after,
        )
    return listing


def listing_talk_add(
    *, actor: Actor, listing_id: int, held_on: dt.date, notes: str
) -> FeedbackTalk:
    """Record a feedback talk with the listed RM."""
    if not notes.strip():
        raise CareerError(_("Write what was said in the talk."))
    if held_on > timezone.localdate():
        raise CareerError(_("A talk is recorded once it has been held (not in the future)."))
    with transaction.atomic(durable=True):
        listing = _listing_for_change(actor, listing_id)
        _refuse_closed(listing)
        talk = FeedbackTalk(
            listing=listing,
            held_on=held_on,
            notes=notes.strip(),
            created_by=_user(actor),
            created_at=timezone.now(),
        )
        talk.full_clean()
        talk.save()
        audit_record(
            actor=actor,
            verb="careers.listing.talk",
            object_type="careers.listing",
            object_id=str(listing.pk),
            after={"held_on": held_on, "notes": talk.notes},
        )
    return talk


def listing_outcome_record(
    *, actor: Actor, listing_id: int, outcome: str, note: str
) -> NegativeListing:
    """Record the plan's outcome at its review; the entry closes."""
    if outcome not in Outcome.values:
        raise CareerError(_("Choose the outcome."))
    with transaction.atomic(durable=True):
        listing = _listing_for_change(actor, listing_id)
        _refuse_closed(listing)
        if listing.status != ListingStatus.PLAN:
            raise CareerError(_("Set the improvement plan before recording its outcome."))
        before = _listing_state(listing)
        listing.outcome = outcome
        listing.outcome_note = note.strip()
        listing.outcome_by = _user(actor)
        listing.outcome_at = timezone.now()
        listing.status = ListingStatus.CLOSED
        listing.full_clean()
        listing.save()
        audit_record(
            actor=actor,
            verb="careers.listing.outcome",
            object_type="careers.listing",
            object_id=str(listing.pk),
            before=before,
            after=_listing_state(listing),
        )
    return listing


__all__ = [
    "CareerError",
    "career_check_decide",
    "career_checks_compute",
    "careers_may_run",
    "listing_fitness_review",
    "listing_outcome_record",
    "listing_plan_set",
    "listing_talk_add",
    "negative_list_compute",
    "next_quarter",
]
