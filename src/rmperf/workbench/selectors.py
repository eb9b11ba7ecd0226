"""Reads of the landing pages, gathered from the other apps' selectors only.

The RM's workbench: own tasks (overdue first, then today's), sleeping customers to wake
(open wake-up tasks) and maturities in the next seven days (open maturity tasks), open
referrals and offers with their clocks, the quarter's 序时进度 against the target sheet.
The manager's desk: the team's latest scored quarter, what waits for the manager's
decision (target sheets, calibrations, career proposals, policy drafts), team tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rmperf.careers.models import CheckStatus
from rmperf.careers.selectors import career_checks_for_decision
from rmperf.core.access import scope_of, staff_of
from rmperf.core.actors import Actor, user_of
from rmperf.customers.models import Customer
from rmperf.pay.preview import PayPreview, RmPayPreview, pay_preview
from rmperf.pay.services import PayRefused
from rmperf.performance.models import (
    PerfPeriod,
    PeriodKind,
    PeriodStatus,
    RmResult,
    TargetSheet,
    Tier,
    UnitResult,
)
from rmperf.performance.selectors import (
    Guidance,
    QuarterLines,
    TargetProgress,
    TeamBoard,
    distribution_guidance,
    periods,
    periods_to_calibrate,
    quarter_lines,
    results,
    target_progress,
    target_sheet,
    target_sheets_waiting,
    team_board,
    unit_results_latest,
)
from rmperf.performance.services.periods import performance_may_calibrate
from rmperf.performance.services.targets import APPROVE_ROLES
from rmperf.policies.models import PolicyStatus
from rmperf.policies.selectors import policy_versions
from rmperf.policies.services import policy_may_edit
from rmperf.recommend.selectors import OpenOffer, offers_open
from rmperf.referrals.models import Referral
from rmperf.referrals.selectors import referral_deadline, referrals_waiting
from rmperf.reviews.selectors import TalkDue, talks_overdue
from rmperf.tasks.models import Task, TaskKind
from rmperf.tasks.selectors import (
    RmRates,
    task_counts,
    tasks_mine,
    tasks_mine_in,
    team_open_counts,
    team_open_tasks,
    team_rates,
)

#: Rows each list of a landing page shows; the full list is one click away.
ROWS = 20
#: "Maturities this week": holdings maturing from today to six days ahead.
WEEK_DAYS = 7
#: Roles whose landing page is the manager's desk.
DESK_ROLES = frozenset({"team_leader", "branch_manager"})


@dataclass(frozen=True)
class Clock:
    """Time left to a deadline (or how far past it), in words."""

    deadline: dt.datetime | dt.date
    overdue: bool
    text: str


def clock_until(deadline: dt.datetime, now: dt.datetime) -> Clock:
    """Days and hours left to a moment, or how long past it (whole hours, rounded down)."""
    delta = deadline - now
    overdue = delta < dt.timedelta(0)
    seconds = int(abs(delta).total_seconds())
    days, hours = seconds // 86400, seconds % 86400 // 3600
    if overdue:
        text = _("overdue by %(days)d d %(hours)d h") % {"days": days, "hours": hours}
    else:
        text = _("%(days)d d %(hours)d h left") % {"days": days, "hours": hours}
    return Clock(deadline=deadline, overdue=overdue, text=str(text))


def clock_until_day(last_day: dt.date, today: dt.date) -> Clock:
    """Whole days left to a last day (0: it ends today), or how many days past it."""
    days = (last_day - today).days
    if days < 0:
        text = ngettext("overdue by %(n)d day", "overdue by %(n)d days", -days) % {"n": -days}
    elif days == 0:
        text = str(_("ends today"))
    else:
        text = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    return Clock(deadline=last_day, overdue=days < 0, text=text)


class RmWorkbench:
    """Everything the RM's landing page shows, each part read when the page first asks
    for it (then kept): a part the page serves from its fragment cache
    (`{% versioned_cache %}`, core/templatetags/versioned_cache.py) costs no query."""

    def __init__(
        self,
        *,
        actor: Actor,
        language: str,
        counts: dict[str, int] | None = None,
        on_customers: Callable[[list[Customer]], None] | None = None,
    ) -> None:
        self.actor = actor
        self.language = language
        self._counts = counts
        # Called with the customers of each list read (the view masks their names).
        self._on_customers = on_customers or (lambda customers: None)
        self.now = timezone.now()
        self.day = timezone.localdate()
        self.year = self.day.year
        self.staff = staff_of(actor)

    def _tasks(self, tasks: list[Task]) -> list[Task]:
        self._on_customers([t.customer for t in tasks])
        return tasks

    @cached_property
    def counts(self) -> dict[str, int]:
        return self._counts if self._counts is not None else task_counts(actor=self.actor)

    @cached_property
    def _inbox(self) -> tuple[list[Task], list[Task]]:
        # Both tabs' lists together: the page compares both with the counts, and one
        # page's queries do not depend on which comparison settles it.
        return (
            self._tasks(list(tasks_mine(actor=self.actor, section="overdue")[:ROWS])),
            self._tasks(list(tasks_mine(actor=self.actor, section="today")[:ROWS])),
        )

    @property
    def overdue(self) -> list[Task]:
        return self._inbox[0]

    @property
    def today(self) -> list[Task]:
        return self._inbox[1]

    @cached_property
    def sleeping(self) -> list[Task]:
        return self._tasks(_sleeping(self.actor))

    @cached_property
    def maturities(self) -> list[Task]:
        return self._tasks(_maturities(self.actor, self.day))

    @cached_property
    def referrals(self) -> list[tuple[Referral, Clock]]:
        out = [
            (r, clock_until(referral_deadline(r), self.now))
            for r in referrals_waiting(actor=self.actor)
        ]
        self._on_customers([r.customer for r, _clock in out])
        return out

    @cached_property
    def offers(self) -> list[tuple[OpenOffer, Clock]]:
        out = [(o, clock_until_day(o.ends_on, self.day)) for o in offers_open(actor=self.actor)]
        self._on_customers([o.offer.customer for o, _clock in out])
        return out

    @cached_property
    def _sheet(self) -> TargetSheet | None:
        if self.staff is None:
            return None
        return target_sheet(actor=self.actor, staff=self.staff, year=self.year)

    @cached_property
    def sheet_status(self) -> str | None:
        return self._sheet.get_status_display() if self._sheet else None

    @cached_property
    def progress(self) -> list[TargetProgress]:
        sheet = self._sheet
        if sheet is None:
            return []
        return target_progress(
            actor=self.actor, sheet=sheet, today=self.day, language=self.language
        )

    @cached_property
    def scored(self) -> QuarterLines | None:
        """Without a target sheet: the scorecard's targets of the latest scored quarter."""
        if self.staff is None or self.progress:
            return None
        return quarter_lines(
            actor=self.actor, staff=self.staff, today=self.day, language=self.language
        )

    @property
    def quarter_key(self) -> str | None:
        return self.progress[0].quarter_key if self.progress else None

    @property
    def expected(self) -> Decimal | None:
        return self.progress[0].expected if self.progress else None


def rm_workbench(
    *,
    actor: Actor,
    language: str,
    counts: dict[str, int] | None = None,
    on_customers: Callable[[list[Customer]], None] | None = None,
) -> RmWorkbench:
    """The RM's day from the tasks, referrals, recommend and performance selectors, read
    as the page asks; `counts`: the actor's task counts when the caller has them already
    (the badge's); `on_customers`: called with the customers of every list read."""
    return RmWorkbench(actor=actor, language=language, counts=counts, on_customers=on_customers)


def _sleeping(actor: Actor) -> list[Task]:
    """Sleeping customers to wake: the RM's open wake-up tasks, overdue and due today
    first, then the coming ones (one query: earliest due first is that order)."""
    sections = ("overdue", "today", "upcoming")
    return list(tasks_mine_in(actor=actor, sections=sections, kind=TaskKind.WAKE_UP)[:ROWS])


def _maturities(actor: Actor, today: dt.date) -> list[Task]:
    """Holdings maturing this week: the RM's open maturity tasks due from today to
    WEEK_DAYS - 1 days ahead (a maturity task is due on the maturity date)."""
    last = today + dt.timedelta(days=WEEK_DAYS - 1)
    return list(
        tasks_mine_in(
            actor=actor, sections=("today", "upcoming"), kind=TaskKind.MATURITY, due_until=last
        )[:ROWS]
    )


@dataclass(frozen=True)
class Approval:
    """One thing waiting for the manager's decision, and the page where it is decided."""

    kind: str
    what: str
    since: dt.datetime | dt.date | None
    url: str


@dataclass
class ManagerDesk:
    """Everything the manager's landing page shows."""

    board: TeamBoard
    approvals: list[Approval] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    overdue_total: int = 0
    today_total: int = 0
    rates: list[RmRates] = field(default_factory=list)
    #: Performance talks past their due day (reviews), the manager's to record.
    talks_overdue: list[TalkDue] = field(default_factory=list)
    #: The unit scores (branch card) of the latest scored period in the manager's scope.
    unit_period: PerfPeriod | None = None
    unit_scores: list[UnitResult] = field(default_factory=list)


def approvals_waiting(*, actor: Actor) -> list[Approval]:
    """What waits for the actor's decision, each kind only when the actor decides it:
    target sheets (approvers), computed periods to calibrate (calibrators), career
    proposals (branch managers), policy drafts (policy editors), not the actor's own."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return []
    out: list[Approval] = []
    if scope.superuser or scope.role in APPROVE_ROLES:
        for sheet in target_sheets_waiting(actor=actor)[:ROWS]:
            out.append(
                Approval(
                    kind=str(_("Target sheet")),
                    what=f"{sheet.staff.name} · {sheet.year}",
                    since=sheet.proposed_at,
                    url=reverse(
                        "performance:targets",
                        kwargs={"year": sheet.year, "staff_id": sheet.staff_id},
                    ),
                )
            )
    if performance_may_calibrate(actor=actor):
        for period, n in periods_to_calibrate(actor=actor):
            what = ngettext(
                "%(period)s: %(n)d result to calibrate",
                "%(period)s: %(n)d results to calibrate",
                n,
            ) % {"period": period.key, "n": n}
            out.append(
                Approval(
                    kind=str(_("Calibration")),
                    what=what,
                    since=period.opened_at,
                    url=reverse("performance:period", kwargs={"period_key": period.key}),
                )
            )
    checks = career_checks_for_decision(actor=actor).filter(status=CheckStatus.PROPOSED)
    for check in checks.exclude(staff__user=user_of(actor)).select_related("staff")[:ROWS]:
        out.append(
            Approval(
                kind=str(_("Career proposal")),
                what=f"{check.staff.name} · {check.year}",
                since=None,
                url=reverse("careers:index") + f"?year={check.year}",
            )
        )
    if policy_may_edit(actor=actor):
        drafts = policy_versions(actor=actor).filter(status=PolicyStatus.DRAFT)
        for version in drafts.exclude(created_by=user_of(actor))[:ROWS]:
            out.append(
                Approval(
                    kind=str(_("Policy draft")),
                    what=f"{version.get_kind_display()} · {version.label}",
                    since=version.created_at,
                    url=reverse("policies:detail", kwargs={"version_id": version.pk}),
                )
            )
    return out


def manager_desk(*, actor: Actor) -> ManagerDesk:
    """The team's quarter, the approvals inbox and the team's open tasks."""
    today = timezone.localdate()
    overdue = team_open_tasks(actor=actor, section="overdue")
    totals = team_open_counts(actor=actor)
    unit_period, unit_scores = unit_results_latest(actor=actor)
    return ManagerDesk(
        board=team_board(actor=actor, today=today),
        approvals=approvals_waiting(actor=actor),
        overdue=list(overdue[:ROWS]),
        overdue_total=totals["overdue"],
        today_total=totals["today"],
        rates=team_rates(actor=actor),
        talks_overdue=talks_overdue(actor=actor, today=today),
        unit_period=unit_period,
        unit_scores=unit_scores,
    )


# -- the calibration grid -----------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    """One RM of a peer group: the engine's figures, the calibration, the pay preview."""

    result: RmResult
    proposed: str
    proposed_label: str
    pay: RmPayPreview | None

    @property
    def reason(self) -> str:
        return self.result.calibration_reason or self.result.engine_note


@dataclass(frozen=True)
class GridGroup:
    """A peer group (the RMs on one scorecard, as the forced distribution counts them)."""

    scorecard: str
    rows: list[GridRow]
    quotas: list[Guidance]
    preview: PayPreview | None

    @property
    def cost_computed(self) -> Decimal | None:
        return self.preview.cost_computed if self.preview is not None else None

    @property
    def cost_proposed(self) -> Decimal | None:
        return self.preview.cost_proposed if self.preview is not None else None

    @property
    def cost_change(self) -> Decimal | None:
        return self.preview.cost_change if self.preview is not None else None


@dataclass(frozen=True)
class CalibrationGrid:
    period: PerfPeriod | None
    periods: list[PerfPeriod]
    groups: list[GridGroup]
    #: why the pay preview is missing (no lake, no plan …), else empty
    pay_problem: str = ""


def may_use_calibration_grid(actor: Actor) -> bool:
    """The grid is for those who calibrate: a branch manager (DESK_ROLES ∩ calibrators)."""
    staff = staff_of(actor)
    return (
        staff is not None
        and staff.role in DESK_ROLES
        and scope_of(actor) is not None
        and performance_may_calibrate(actor=actor)
    )


def calibration_grid(
    *, actor: Actor, key: str | None = None, proposals: Mapping[str, str] | None = None
) -> CalibrationGrid:
    """The quarters being calibrated (computed or calibrated, not closed) in the actor's
    scope, and for `key` (default: the oldest) one grid per peer group: each RM's total,
    computed and calibrated tier, the reason, the forced-distribution quota of the group,
    and the quarter's pay under the computed tier and under the proposed one (`proposals`
    staff_id → tier, a rating moved on the page before it is posted; else the calibrated
    tier), with the group's total pay cost under both. 404 for those who do not calibrate."""
    if not may_use_calibration_grid(actor):
        raise Http404
    open_quarters = list(
        periods(actor=actor)
        .filter(
            kind=PeriodKind.QUARTER,
            status__in=(PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED),
        )
        .order_by("start")
    )
    period = next((p for p in open_quarters if p.key == key), None) if key else None
    if key and period is None:
        raise Http404
    if period is None and open_quarters:
        period = open_quarters[0]
    if period is None:
        return CalibrationGrid(None, open_quarters, [])
    proposals = proposals or {}
    labels = dict(Tier.choices)
    rows = list(results(actor=actor, period=period))
    by_card: dict[str, list[RmResult]] = {}
    for r in rows:
        by_card.setdefault(r.scorecard, []).append(r)
    quotas = distribution_guidance(period=period, cards_shown=set(by_card))
    proposed: dict[str, str] = {}
    for r in rows:
        wanted = proposals.get(r.staff_id, "")
        proposed[r.staff_id] = wanted if wanted in labels else r.final_tier
    # One lake read for every group: the preview of all RMs in scope, split per group.
    problem = ""
    everyone: PayPreview | None = None
    try:
        everyone = pay_preview(
            actor=actor,
            key=period.key,
            tiers={r.staff_id: (r.tier, proposed[r.staff_id]) for r in rows},
        )
    except PayRefused as exc:
        problem = str(exc)
    groups = []
    for card, members in sorted(by_card.items()):
        members.sort(key=lambda r: (-r.final_total, r.staff_id))
        preview = (
            PayPreview(everyone.period, {r.staff_id: everyone.rms[r.staff_id] for r in members})
            if everyone is not None
            else None
        )
        groups.append(
            GridGroup(
                scorecard=card,
                rows=[
                    GridRow(
                        result=r,
                        proposed=str(proposed[r.staff_id]),
                        proposed_label=str(labels[proposed[r.staff_id]]),
                        pay=preview.rms.get(r.staff_id) if preview is not None else None,
                    )
                    for r in members
                ],
                quotas=[g for g in quotas if g.scorecard == card],
                preview=preview,
            )
        )
    return CalibrationGrid(period, open_quarters, groups, problem)
