"""Pay reads, always through restrict(): the quarters paid, statements in scope with their
lines explained, pay cost per RM and unit, leavers' clawbacks, the payroll export rows and
inquiries. Out of scope answers 404 like missing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.runs import RunStatus
from rmperf.engine.lake import Lake
from rmperf.lakes.models import ImportStatus, LakeImport
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import OrgUnit
from rmperf.pay.models import (
    PAY_ROLES,
    PayInquiry,
    PayInquiryEntry,
    PayLine,
    PayRun,
    PayStatement,
)
from rmperf.performance.models import LineResult

ZERO = Decimal("0.00")
#: Who sees the pay cost of a unit: team leaders, branch managers, HR and auditors.
COST_ROLES = frozenset({"team_leader", "branch_manager", "hr", "auditor"})
#: Who sees the leavers' clawbacks (and the whole bank's runs): HR and auditors.
HR_ROLES = frozenset({"hr", "auditor"})


def current_pay_lake() -> Lake | None:
    """The lake pay reads: the one in use (`lakes.selectors.lake_current`), validated as of
    the day of its last import that did not fail (today when there is none); None before
    any lake was imported."""
    lake_dir = lake_current()
    if lake_dir is None:
        return None
    imported = (
        LakeImport.objects.filter(lake_path=str(lake_dir))
        .exclude(status=ImportStatus.FAILED)
        .order_by("-finished_at", "-pk")
        .first()
    )
    today = imported.today if imported is not None else timezone.localdate()
    return Lake(lake_dir, today=today)


def may_see_pay(actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in PAY_ROLES)


def may_see_cost(actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in COST_ROLES)


def may_see_leavers(actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in HR_ROLES)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def pay_runs(*, actor: Actor) -> QuerySet[PayRun]:
    """Every run of every quarter (newest first), for those who see pay."""
    return (
        PayRun.objects.restrict(actor, Action.VIEW)
        .select_related("approved_by")
        .order_by("-period", "-started_at")
    )


def pay_periods(*, actor: Actor) -> list[str]:
    """The quarters with a current (succeeded) run, newest first."""
    return sorted(
        set(
            PayRun.objects.restrict(actor, Action.VIEW)
            .filter(status=RunStatus.SUCCEEDED)
            .values_list("period", flat=True)
        ),
        reverse=True,
    )


def pay_run_current(*, actor: Actor, key: str) -> PayRun | None:
    """The quarter's current run: the approved one, else the last succeeded one."""
    found: PayRun | None = (
        PayRun.objects.restrict(actor, Action.VIEW)
        .filter(period=key, status=RunStatus.SUCCEEDED)
        .select_related("approved_by")
        .order_by("-started_at")
        .first()
    )
    return found


def pay_run_get(*, actor: Actor, run_id: str) -> PayRun:
    found: PayRun | None = (
        PayRun.objects.restrict(actor, Action.VIEW).filter(run_id=run_id).first()
        if _uuid(run_id)
        else None
    )
    if found is None:
        raise Http404
    return found


def _uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def statements(*, actor: Actor, key: str) -> QuerySet[PayStatement]:
    """The statements of the quarter's current run in the actor's scope."""
    return (
        PayStatement.objects.restrict(actor, Action.VIEW)
        .filter(run__period=key, run__status=RunStatus.SUCCEEDED)
        .select_related("staff", "staff__unit", "run")
        .order_by("staff__unit__path", "staff_id")
    )


def statement_get(*, actor: Actor, statement_id: int) -> PayStatement:
    """One statement in scope with its lines; 404 otherwise."""
    found: PayStatement | None = (
        PayStatement.objects.restrict(actor, Action.VIEW)
        .filter(pk=statement_id)
        .select_related("staff", "staff__unit", "run", "run__approved_by")
        .prefetch_related(Prefetch("lines", queryset=PayLine.objects.order_by("position")))
        .first()
    )
    if found is None:
        raise Http404
    return found


def own_statements(*, actor: Actor) -> QuerySet[PayStatement]:
    """The actor's own statements of every current run (the RM's page)."""
    scope = scope_of(actor)
    if scope is None or not scope.staff_id:
        return PayStatement.objects.none()
    return (
        PayStatement.objects.restrict(actor, Action.VIEW)
        .filter(staff_id=scope.staff_id, run__status=RunStatus.SUCCEEDED)
        .select_related("run")
        .order_by("-period")
    )


@dataclass(frozen=True)
class Explained:
    """A statement's lines grouped for the page: what each amount comes from."""

    base: list[PayLine]
    loans: list[PayLine]
    excess: list[PayLine]
    deferred: list[PayLine]
    gate: list[PayLine]
    holds: list[PayLine]
    releases: list[PayLine]
    malus: list[PayLine]
    clawback: list[PayLine]
    schedule: list[PayLine]

    @property
    def schedule_by_due(self) -> list[tuple[str, Decimal]]:
        """Future releases: the balance's parts summed per due quarter."""
        due: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for ln in self.schedule:
            due[ln.due_period] += ln.amount
        return sorted(due.items())


def statement_explain(statement: PayStatement) -> Explained:
    groups: dict[str, list[PayLine]] = defaultdict(list)
    for ln in statement.lines.all():
        groups[ln.line].append(ln)
    return Explained(
        base=groups["base"],
        loans=groups["loan_pay"],
        excess=groups["excess_reward"],
        deferred=groups["deferred"],
        gate=groups["immediate"] + groups["held"],
        holds=groups["held_released"] + groups["held_forfeited"],
        releases=groups["deferral_released"],
        malus=groups["malus"],
        clawback=groups["clawback"],
        schedule=sorted(groups["deferral_balance"], key=lambda x: (x.due_period, x.source_period)),
    )


# -- pay cost ------------------------------------------------------------------------------


@dataclass
class UnitCost:
    unit: OrgUnit
    rms: int = 0
    performance_pay: Decimal = ZERO
    total_paid: Decimal = ZERO
    deferral_balance: Decimal = ZERO
    statements: list[PayStatement] = field(default_factory=list)


def _branch(unit: OrgUnit, units: dict[str, OrgUnit]) -> OrgUnit:
    if unit.kind == "team" and unit.parent_id in units:
        return units[unit.parent_id]
    return unit


def pay_cost(*, actor: Actor, key: str) -> tuple[list[UnitCost], list[UnitCost], UnitCost | None]:
    """The quarter's pay cost in the actor's scope: per team (with each RM's statement),
    per branch, and the total. Team leaders, branch managers, HR and auditors only."""
    _require(may_see_cost(actor))
    rows = list(statements(actor=actor, key=key))
    if not rows:
        return [], [], None
    units = {u.unit_id: u for u in OrgUnit.objects.all()}
    teams: dict[str, UnitCost] = {}
    branches: dict[str, UnitCost] = {}
    total = UnitCost(unit=units.get("BANK") or rows[0].staff.unit)
    for s in rows:
        unit = s.staff.unit
        branch = _branch(unit, units)
        for bucket in (
            teams.setdefault(unit.unit_id, UnitCost(unit)),
            branches.setdefault(branch.unit_id, UnitCost(branch)),
            total,
        ):
            bucket.rms += 1
            bucket.performance_pay += s.performance_pay
            bucket.total_paid += s.total_paid
            bucket.deferral_balance += s.deferral_balance
        teams[unit.unit_id].statements.append(s)
    order = lambda c: c.unit.path  # noqa: E731
    return sorted(teams.values(), key=order), sorted(branches.values(), key=order), total


def leaver_clawbacks(*, actor: Actor, key: str) -> list[PayStatement]:
    """Statements of the quarter of RMs who have left with a clawback (HR, auditors)."""
    _require(may_see_leavers(actor))
    return list(
        statements(actor=actor, key=key)
        .filter(left_on__isnull=False)
        .exclude(clawback=0)
        .prefetch_related(
            Prefetch("lines", queryset=PayLine.objects.filter(line="clawback").order_by("position"))
        )
    )


# -- the payroll export --------------------------------------------------------------------


def export_lines(*, actor: Actor, key: str) -> QuerySet[PayLine]:
    """One row per RM and line of the quarter's current run, in the actor's scope."""
    _require(may_see_pay(actor))
    return (
        PayLine.objects.restrict(actor, Action.VIEW)
        .filter(statement__run__period=key, statement__run__status=RunStatus.SUCCEEDED)
        .select_related("statement", "statement__staff", "statement__staff__unit")
        .order_by("statement__staff_id", "position")
    )


# -- inquiries -----------------------------------------------------------------------------


def inquiries(*, actor: Actor) -> QuerySet[PayInquiry]:
    return (
        PayInquiry.objects.restrict(actor, Action.VIEW)
        .select_related("staff", "pay_line", "pay_line__statement", "score_line")
        .order_by("-opened_at")
    )


def inquiry_get(*, actor: Actor, inquiry_id: int) -> PayInquiry:
    found: PayInquiry | None = (
        inquiries(actor=actor)
        .filter(pk=inquiry_id)
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=PayInquiryEntry.objects.order_by("at", "pk").select_related("actor"),
            )
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def own_score_lines(*, actor: Actor) -> QuerySet[LineResult]:
    """The actor's own score lines (the RM asks about one of them)."""
    scope = scope_of(actor)
    if scope is None or not scope.staff_id:
        return LineResult.objects.none()
    return (
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result__staff_id=scope.staff_id)
        .select_related("result__period")
        .order_by("-result__period__start", "position")
    )
