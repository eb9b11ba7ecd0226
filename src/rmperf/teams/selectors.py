"""Team rhythm reads (seed 002; docs/teams.md), always through restrict() first: the
team page, a meeting board with the done-by-the-16th line, an RM's check-ins and
training records with what their rank requires and they are missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from rmperf.core.access import scope_of
from rmperf.core.actors import Actor
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.rhythm import MonthProgress, month_progress, trainings_of
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import OrgKind, OrgUnit, Role, Staff
from rmperf.performance.models import RmResult, TargetSheet
from rmperf.performance.selectors import (
    TargetProgress,
    latest_scored_quarter,
    results,
    target_progress,
    target_sheet,
)
from rmperf.tasks.models import Task, TaskKind, TaskStatus
from rmperf.tasks.selectors import section_q
from rmperf.teams.models import (
    BOARD_ROLES,
    CHECKIN_ROLES,
    TRAINING_ROLES,
    Board,
    BoardKind,
    BoardRow,
    CheckIn,
    Training,
)
from rmperf.teams.requirements import Requirement, missing, required_by_rank

CENT = Decimal("0.01")
#: The target-sheet lines whose quarter figure ÷ 3 is the month target of the board's
#: figures (docs/teams.md "Done by the 16th").
ASSETS_LINE = "aum_avg_growth"
ACCOUNTS_LINE = "new_valid_customers"
#: Check-ins and boards listed on a page.
ROWS = 20


def _may(actor: Actor, roles: frozenset[str]) -> bool:
    scope = scope_of(actor)
    return scope is not None and not scope.read_only and (scope.superuser or scope.role in roles)


def team_list(*, actor: Actor) -> QuerySet[OrgUnit]:
    """The teams the actor may see, in tree order (an RM: their own)."""
    return OrgUnit.objects.restrict(actor).filter(kind=OrgKind.TEAM).select_related("parent")


def team_get(*, actor: Actor, unit_id: str) -> OrgUnit:
    """One team in scope; out of scope or not a team answers 404."""
    try:
        return team_list(actor=actor).get(pk=unit_id)
    except OrgUnit.DoesNotExist:
        raise Http404 from None


def _members(actor: Actor, team: OrgUnit) -> list[Staff]:
    return list(
        Staff.objects.restrict(actor)
        .filter(unit__path__startswith=team.path, role=Role.RM)
        .order_by("name", "staff_id")
    )


@dataclass(frozen=True)
class TrainingLine:
    day: dt.date
    kind: str
    name: str
    hours: Decimal
    source: str  # "lake" or "app"


@dataclass
class TrainingStatus:
    """A person's training records (lake and app), what their rank requires, what is missing."""

    staff: Staff
    records: list[TrainingLine]
    required: list[Requirement]
    missing: list[Requirement]
    lake_problem: str = ""


def _lake_trainings(ids: list[str]) -> tuple[dict[str, list[TrainingLine]], str]:
    out: dict[str, list[TrainingLine]] = {i: [] for i in ids}
    lake_dir = lake_current()
    if lake_dir is None or not ids:
        return out, ""
    try:
        lake = Lake(lake_dir, today=timezone.localdate(), time_zone=str(settings.TIME_ZONE))
        rows = trainings_of(lake, staff_ids=ids)
    except Exception as exc:  # a lake that cannot be read: the app's records still show
        return out, str(exc)
    for r in rows:
        out[r.staff_id].append(TrainingLine(r.day, r.kind, r.name, r.hours, "lake"))
    return out, ""


def training_status(*, actor: Actor, staff: list[Staff]) -> dict[str, TrainingStatus]:
    """Per staff id: records from the lake and the app, oldest first, and the missing
    requirements of their rank (people without a rank require nothing)."""
    ids = [s.staff_id for s in staff]
    lake_rows, problem = _lake_trainings(ids)
    for t in Training.objects.restrict(actor).filter(staff_id__in=ids):
        lake_rows[t.staff_id].append(TrainingLine(t.day, t.kind, t.name, t.hours, "app"))
    rules = required_by_rank()
    out: dict[str, TrainingStatus] = {}
    for s in staff:
        records = sorted(lake_rows[s.staff_id], key=lambda r: (r.day, r.name))
        out[s.staff_id] = TrainingStatus(
            staff=s,
            records=records,
            required=rules.get(s.rank, []),
            missing=missing(rank=s.rank, done=[(r.kind, r.name) for r in records]),
            lake_problem=problem,
        )
    return out


@dataclass(frozen=True)
class MemberRow:
    staff: Staff
    result: RmResult | None
    overdue: int
    missing: list[Requirement]
    last_checkin: CheckIn | None


@dataclass
class TeamPage:
    team: OrgUnit
    leaders: list[Staff]
    members: list[MemberRow]
    quarter: str | None
    expected: Decimal | None
    checkins: list[CheckIn]
    boards: list[Board]
    today: dt.date
    may_run_meetings: bool
    may_check_in: bool
    lake_problem: str = ""


def team_page(*, actor: Actor, team: OrgUnit, today: dt.date | None = None) -> TeamPage:
    """Members with their quarter score so far (the latest scored quarter), overdue tasks,
    missing trainings and last check-in; the team's recent check-ins and boards."""
    today = today or timezone.localdate()
    members = _members(actor, team)
    ids = [m.staff_id for m in members]
    period = latest_scored_quarter(actor=actor, today=today)
    by_staff: dict[str, RmResult] = {}
    if period is not None:
        by_staff = {
            r.staff_id: r for r in results(actor=actor, period=period).filter(staff_id__in=ids)
        }
    overdue = dict(
        Task.objects.restrict(actor)
        .filter(staff_id__in=ids)
        .filter(section_q("overdue", today))
        .values("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
    )
    checkins = list(
        CheckIn.objects.restrict(actor)
        .filter(staff_id__in=ids)
        .select_related("staff", "leader", "customer", "task")[:ROWS]
    )
    last: dict[str, CheckIn] = {}
    for c in checkins:
        last.setdefault(c.staff_id, c)
    status = training_status(actor=actor, staff=members)
    leaders = list(
        Staff.objects.restrict(actor).filter(unit=team, role=Role.TEAM_LEADER).order_by("name")
    )
    return TeamPage(
        team=team,
        leaders=leaders,
        members=[
            MemberRow(
                staff=m,
                result=by_staff.get(m.staff_id),
                overdue=overdue.get(m.staff_id, 0),
                missing=status[m.staff_id].missing,
                last_checkin=last.get(m.staff_id),
            )
            for m in members
        ],
        quarter=period.key if period else None,
        expected=Period.parse(period.key).time_progress(today) if period else None,
        checkins=checkins,
        boards=list(Board.objects.restrict(actor).filter(team=team)[:ROWS]),
        today=today,
        may_run_meetings=_may(actor, BOARD_ROLES),
        may_check_in=_may(actor, CHECKIN_ROLES),
        lake_problem=next((s.lake_problem for s in status.values() if s.lake_problem), ""),
    )


@dataclass(frozen=True)
class BoardLine:
    """One member's row of a board with the month-to-date lines against the 16th."""

    row: BoardRow
    assets: MonthProgress
    accounts: MonthProgress
    targets: list[TargetProgress] = field(default_factory=list)


@dataclass
class BoardPage:
    team: OrgUnit
    kind: str
    day: dt.date
    board: Board | None
    lines: list[BoardLine]
    questions: list[Task]
    may_edit: bool

    @property
    def total_assets(self) -> Decimal:
        return sum((ln.row.new_assets for ln in self.lines), Decimal(0))

    @property
    def total_accounts(self) -> int:
        return sum(ln.row.new_accounts for ln in self.lines)

    @property
    def total_questions(self) -> int:
        return sum(ln.row.open_questions for ln in self.lines)

    @property
    def total_month_assets(self) -> Decimal:
        return sum((ln.row.month_assets for ln in self.lines), Decimal(0))

    @property
    def total_month_accounts(self) -> int:
        return sum(ln.row.month_accounts for ln in self.lines)


def month_targets(
    *, actor: Actor, staff_ids: list[str], day: dt.date
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """staff_id → (new assets, new accounts) month targets for `day`'s month: the year's
    target sheet's quarter figure of `aum_avg_growth` / `new_valid_customers` ÷ 3, half up
    to 2 places (None without a sheet or the line). Two queries."""
    q = (day.month - 1) // 3
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    sheets = (
        TargetSheet.objects.restrict(actor)
        .filter(staff_id__in=staff_ids, year=day.year)
        .prefetch_related("lines")
    )
    for sheet in sheets:
        found: dict[str, Decimal] = {ln.indicator: ln.quarters[q] for ln in sheet.lines.all()}
        a, b = found.get(ASSETS_LINE), found.get(ACCOUNTS_LINE)
        out[sheet.staff_id] = (
            None if a is None else (a / 3).quantize(CENT, ROUND_HALF_UP),
            None if b is None else (b / 3).quantize(CENT, ROUND_HALF_UP),
        )
    return out


def board_page(*, actor: Actor, team: OrgUnit, kind: str, day: dt.date, language: str) -> BoardPage:
    """The stored board of (team, kind, day) or None, each member's line with the month
    to date against the done-by-the-16th rule (as of the last reviewed day), the open
    customer questions (open "request to answer" tasks of the members), and on a Monday
    review each member's target lines' time-progress."""
    if kind not in BoardKind.values:
        raise Http404
    board = (
        Board.objects.restrict(actor)
        .filter(team=team, kind=kind, day=day)
        .select_related("filled_by")
        .first()
    )
    lines: list[BoardLine] = []
    if board is not None:
        rows = list(BoardRow.objects.restrict(actor).filter(board=board).select_related("staff"))
        goals = month_targets(
            actor=actor, staff_ids=[r.staff_id for r in rows], day=board.covers_to
        )
        for row in rows:
            assets_t, accounts_t = goals.get(row.staff_id, (None, None))
            targets: list[TargetProgress] = []
            if kind == BoardKind.WEEKLY:
                sheet = target_sheet(actor=actor, staff=row.staff, year=board.covers_to.year)
                if sheet is not None:
                    targets = target_progress(
                        actor=actor, sheet=sheet, today=board.covers_to, language=language
                    )
            lines.append(
                BoardLine(
                    row=row,
                    assets=month_progress(
                        actual=row.month_assets, target=assets_t, day=board.covers_to
                    ),
                    accounts=month_progress(
                        actual=Decimal(row.month_accounts), target=accounts_t, day=board.covers_to
                    ),
                    targets=targets,
                )
            )
    ids = [m.staff_id for m in _members(actor, team)]
    questions = list(
        Task.objects.restrict(actor)
        .filter(staff_id__in=ids, kind=TaskKind.REQUEST_SLA, status=TaskStatus.OPEN)
        .select_related("staff", "customer")
        .order_by("due_date", "pk")[:ROWS]
    )
    return BoardPage(
        team=team,
        kind=kind,
        day=day,
        board=board,
        lines=lines,
        questions=questions,
        may_edit=_may(actor, BOARD_ROLES),
    )


@dataclass
class RmRhythm:
    staff: Staff
    team: OrgUnit | None
    checkins: list[CheckIn]
    training: TrainingStatus
    may_check_in: bool
    may_enter_training: bool
    open_tasks: list[Task]


def rm_rhythm(*, actor: Actor, staff_id: str) -> RmRhythm:
    """An RM's page of the rhythm: their check-ins, trainings and missing requirements."""
    staff = Staff.objects.restrict(actor).select_related("unit").filter(pk=staff_id).first()
    if staff is None:
        raise Http404
    scope = scope_of(actor)
    own = scope is not None and scope.staff_id == staff.staff_id
    status = training_status(actor=actor, staff=[staff])[staff.staff_id]
    open_tasks: list[Task] = []
    may_check_in = _may(actor, CHECKIN_ROLES) and not own and staff.role == Role.RM
    if may_check_in:
        open_tasks = list(
            Task.objects.restrict(actor)
            .filter(staff=staff, status=TaskStatus.OPEN)
            .select_related("customer")
            .order_by("due_date", "pk")[:ROWS]
        )
    return RmRhythm(
        staff=staff,
        team=staff.unit if staff.unit.kind == OrgKind.TEAM else None,
        checkins=list(
            CheckIn.objects.restrict(actor)
            .filter(staff=staff)
            .select_related("leader", "customer", "task")[:ROWS]
        ),
        training=status,
        may_check_in=may_check_in,
        may_enter_training=_may(actor, TRAINING_ROLES) and not own,
        open_tasks=open_tasks,
    )
