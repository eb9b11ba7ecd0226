"""Talks and 述职 panels, read (docs/reviews.md). `restrict()` before every fetch; out of
scope answers 404 like missing.

Privacy of the panel: until it closes, a reader sees only the score they gave (even HR,
whose scope is bank-wide, and a branch manager who sits on it); the others' scores show
as "scored" or "not yet". After the close the RM, their leads, HR and the members read
them all, with names (the panel's scores are not anonymous, DOMAIN §7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.org.models import Staff
from rmperf.performance.models import CONFIRMED_STATUSES, PerfPeriod, PeriodKind, RmResult
from rmperf.reviews.models import (
    LEAD_ROLES,
    Attachment,
    PanelMember,
    PanelScore,
    ReviewStatus,
    SelfReview,
    Talk,
)
from rmperf.reviews.services import (
    fillable_periods,
    may_manage_panel,
    may_record_talk,
    reviews_policy,
)

#: How many of the latest confirmed quarters the due-talk list looks at.
DUE_QUARTERS = 4


def talk_list(*, actor: Actor) -> QuerySet[Talk]:
    return (
        Talk.objects.restrict(actor, Action.VIEW)
        .select_related("period", "staff", "manager")
        .order_by("-period__start", "staff_id")
    )


def talk_get(*, actor: Actor, talk_id: int) -> Talk:
    talk: Talk | None = talk_list(actor=actor).filter(pk=talk_id).first()
    if talk is None:
        raise Http404
    return talk


@dataclass(frozen=True)
class TalkDue:
    """A talk a manager owes: the quarter, the RM, the day it is due, and whether it is
    overdue (today is past the due day)."""

    period: PerfPeriod
    staff: Staff
    due_on: dt.date
    overdue: bool


def confirmed_on(period: PerfPeriod) -> dt.date | None:
    """The day the quarter's ratings were confirmed (calibration confirmed; a period
    closed without it: its close)."""
    at = period.confirmed_at or period.closed_at
    return timezone.localdate(at) if at is not None else None


def talks_due(*, actor: Actor, today: dt.date | None = None) -> list[TalkDue]:
    """The talks not yet recorded for the RMs the actor leads (scored in one of the
    latest confirmed quarters), due `talk.overdue_days` after the ratings' confirmation.
    Empty for anyone who does not record talks."""
    if not may_record_talk(actor=actor):
        return []
    today = today or timezone.localdate()
    _version, policy = reviews_policy()
    days = dt.timedelta(days=policy.talk.overdue_days)
    periods = list(
        PerfPeriod.objects.filter(kind=PeriodKind.QUARTER, status__in=CONFIRMED_STATUSES).order_by(
            "-start"
        )[:DUE_QUARTERS]
    )
    confirmed = {p.pk: day for p in periods if (day := confirmed_on(p)) is not None}
    # Two queries for all the quarters (the talks held, the RMs scored), not two each.
    done = set(Talk.objects.filter(period_id__in=confirmed).values_list("period_id", "staff_id"))
    scored: dict[int, list[RmResult]] = {pk: [] for pk in confirmed}
    rows = (
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(period_id__in=confirmed, staff__role="rm")
        .select_related("staff", "staff__unit")
        .order_by("staff_id", "pk")
    )
    for row in rows:
        scored[row.period_id].append(row)
    found: list[TalkDue] = []
    for period in periods:
        if period.pk not in confirmed:
            continue
        day = confirmed[period.pk]
        seen: set[str] = set()
        for row in scored[period.pk]:
            if (period.pk, row.staff_id) in done or row.staff_id in seen:
                continue
            seen.add(row.staff_id)
            found.append(
                TalkDue(
                    period=period, staff=row.staff, due_on=day + days, overdue=today > day + days
                )
            )
    found.sort(key=lambda d: (d.due_on, d.staff.staff_id))
    return found


def talks_overdue(*, actor: Actor, today: dt.date | None = None) -> list[TalkDue]:
    """The manager's overdue talks: what the workbench shows as tasks."""
    return [d for d in talks_due(actor=actor, today=today) if d.overdue]


def talk_form_rm(*, actor: Actor, staff_id: str) -> Staff:
    """The RM a manager records a talk with (404 out of scope or for non-managers)."""
    if not may_record_talk(actor=actor):
        raise Http404
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW).filter(staff_id=staff_id, role="rm").first()
    )
    if staff is None:
        raise Http404
    return staff


def confirmed_quarters() -> list[PerfPeriod]:
    return list(
        PerfPeriod.objects.filter(kind=PeriodKind.QUARTER, status__in=CONFIRMED_STATUSES).order_by(
            "-start"
        )[:DUE_QUARTERS]
    )


# --- 述职 ---------------------------------------------------------------------------------


def review_list(*, actor: Actor) -> QuerySet[SelfReview]:
    return (
        SelfReview.objects.restrict(actor, Action.VIEW)
        .select_related("staff", "period")
        .order_by("-span", "staff_id")
    )


def review_get(*, actor: Actor, review_id: int) -> SelfReview:
    review: SelfReview | None = review_list(actor=actor).filter(pk=review_id).first()
    if review is None:
        raise Http404
    return review


def panels_to_score(*, actor: Actor) -> list[PanelMember]:
    """The panels the actor sits on that wait for their score."""
    scope = scope_of(actor)
    if scope is None or not scope.staff_id:
        return []
    scored = PanelScore.objects.filter(member_id=scope.staff_id).values("review_id")
    return list(
        PanelMember.objects.restrict(actor, Action.VIEW)
        .filter(member_id=scope.staff_id, conflict="", review__status=ReviewStatus.SUBMITTED)
        .exclude(review_id__in=scored)
        .select_related("review", "review__staff")
        .order_by("review__span", "review__staff_id")
    )


@dataclass(frozen=True)
class SeatView:
    """One member as the reader sees them: their score only when the reader may read it."""

    member: Staff
    conflict: str
    scored: bool
    score: Decimal | None
    comment: str
    counted: bool


@dataclass
class ReviewView:
    review: SelfReview
    seats: list[SeatView] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    my_seat: PanelMember | None = None
    my_score: PanelScore | None = None
    is_rm: bool = False
    may_manage: bool = False
    periods: list[PerfPeriod] = field(default_factory=list)
    min_members: int = 3
    trim_from: int = 5


def review_view(*, actor: Actor, review_id: int) -> ReviewView:
    """The 述职 page: report, attachments, panel (scores per the privacy rule above)."""
    review = review_get(actor=actor, review_id=review_id)
    scope = scope_of(actor)
    if scope is None:
        raise Http404
    _version, policy = reviews_policy()
    view = ReviewView(
        review=review,
        is_rm=scope.staff_id == review.staff_id,
        may_manage=may_manage_panel(actor=actor, staff=review.staff),
        min_members=policy.panel.min_members,
        trim_from=policy.panel.trim_from,
    )
    view.attachments = list(
        Attachment.objects.restrict(actor, Action.VIEW)
        .filter(review=review)
        .defer("data")
        .order_by("uploaded_at", "pk")
    )
    members = list(
        PanelMember.objects.restrict(actor, Action.VIEW)
        .filter(review=review)
        .select_related("member")
        .order_by("member_id")
    )
    scored = set(PanelScore.objects.filter(review=review).values_list("member_id", flat=True))
    readable = PanelScore.objects.restrict(actor, Action.VIEW).filter(review=review)
    if not review.is_closed:
        readable = readable.filter(member_id=scope.staff_id)
    visible = {s.member_id: s for s in readable}
    counted_left = list(review.counted) if review.is_closed else []
    for seat in sorted(
        members, key=lambda m: visible[m.member_id].score if m.member_id in visible else 0
    ):
        entry = visible.get(seat.member_id)
        counted = False
        if entry is not None and f"{entry.score}" in counted_left:
            counted_left.remove(f"{entry.score}")
            counted = True
        view.seats.append(
            SeatView(
                member=seat.member,
                conflict=seat.conflict,
                scored=seat.member_id in scored,
                score=entry.score if entry is not None else None,
                comment=entry.comment if entry is not None else "",
                counted=counted,
            )
        )
        if seat.member_id == scope.staff_id:
            view.my_seat = seat
            view.my_score = entry
    view.seats.sort(key=lambda s: s.member.staff_id)
    if view.may_manage and review.status == ReviewStatus.SUBMITTED:
        view.periods = fillable_periods(review=review, policy=policy)
    return view


def attachment_get(*, actor: Actor, attachment_id: int) -> Attachment:
    item: Attachment | None = (
        Attachment.objects.restrict(actor, Action.VIEW).filter(pk=attachment_id).first()
    )
    if item is None:
        raise Http404
    return item


def may_start_review(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and scope.role == "rm"


def is_lead(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and scope.role in LEAD_ROLES
