"""Reads of the analysis app: the team and branch view of utilisation, a rebalancing
proposal as a what-if, the gaming review queue, a flag with its evidence, and the
decided flags shown on an RM's explanation. `restrict()` before every fetch; out of
scope answers 404 like missing."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from rmperf.analysis.models import (
    DECIDED,
    MANAGER_ROLES,
    PROPOSAL_ROLES,
    VIEW_ROLES,
    FlagStatus,
    GamingEvidence,
    GamingFlag,
    GamingRun,
    Load,
    ProposalStatus,
    RebalanceMove,
    RebalanceProposal,
    RmLoad,
    WorkloadRun,
)
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.runs import RunStatus
from rmperf.engine.analysis import RmLoad as EngineLoad
from rmperf.engine.analysis import resulting_utilisation
from rmperf.engine.analysis.rebalance import Move
from rmperf.engine.periods import Period
from rmperf.org.models import OrgUnit, Staff


def _role_in(actor: Actor, roles: frozenset[str]) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in roles)


def analysis_may_view(*, actor: Actor) -> bool:
    """The workload view and the gaming queue are the managers', HR's and auditors'."""
    return _role_in(actor, VIEW_ROLES)


def may_decide_flags(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in MANAGER_ROLES)


def may_decide_proposals(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role == "branch_manager")


@dataclass
class UnitLoads:
    """The RMs of one unit (a team, or a branch's RMs outside any team) with counts."""

    unit: OrgUnit
    rows: list[RmLoad] = field(default_factory=list)

    @property
    def over(self) -> int:
        return sum(1 for r in self.rows if r.load == Load.OVER)

    @property
    def under(self) -> int:
        return sum(1 for r in self.rows if r.load == Load.UNDER)

    @property
    def utilisation(self) -> Decimal | None:
        """The unit's: Σ demand ÷ Σ available days, 4 places (None without a day)."""
        days = sum(r.available_days for r in self.rows)
        if not days:
            return None
        demand = sum((r.demand_days for r in self.rows), Decimal(0))
        return (demand / days).quantize(Decimal("0.0001"))


@dataclass
class WorkloadView:
    run: WorkloadRun | None
    periods: list[str]
    units: list[UnitLoads]
    proposals: list[RebalanceProposal]

    @property
    def over(self) -> list[RmLoad]:
        rows = [r for u in self.units for r in u.rows if r.load == Load.OVER]
        return sorted(rows, key=lambda r: (-(r.utilisation or 0), r.staff_id))

    @property
    def under(self) -> list[RmLoad]:
        rows = [r for u in self.units for r in u.rows if r.load == Load.UNDER]
        return sorted(rows, key=lambda r: (r.utilisation or 0, r.staff_id))


def workload_periods() -> list[str]:
    """Periods with a succeeded workload run, newest first."""
    keys = (
        WorkloadRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-period_key")
        .values_list("period_key", flat=True)
        .distinct()
    )
    return list(keys)


def workload_view(*, actor: Actor, key: str | None) -> WorkloadView:
    """The latest workload run of period `key` (default: the newest period run), its RMs in
    the actor's scope grouped by unit (team, or branch for RMs directly under it), and the
    proposals the actor may see. 404 for roles without the view."""
    if not analysis_may_view(actor=actor):
        raise Http404
    periods = workload_periods()
    key = key or (periods[0] if periods else None)
    run = (
        WorkloadRun.objects.restrict(actor)
        .filter(status=RunStatus.SUCCEEDED, period_key=key)
        .order_by("-pk")
        .first()
        if key
        else None
    )
    if run is None:
        return WorkloadView(run=None, periods=periods, units=[], proposals=[])
    rows = (
        RmLoad.objects.restrict(actor)
        .filter(run=run)
        .select_related("staff", "staff__unit")
        .order_by("staff__unit__path", "staff_id")
    )
    units: dict[str, UnitLoads] = {}
    for r in rows:
        units.setdefault(r.staff.unit_id, UnitLoads(unit=r.staff.unit)).rows.append(r)
    proposals = (
        list(
            RebalanceProposal.objects.restrict(actor)
            .filter(run=run)
            .select_related("branch")
            .order_by("branch_id")
        )
        if _role_in(actor, PROPOSAL_ROLES)
        else []
    )
    return WorkloadView(run=run, periods=periods, units=list(units.values()), proposals=proposals)


@dataclass(frozen=True)
class RmWhatIf:
    """One RM touched by a proposal: utilisation before and after all its moves."""

    staff: Staff
    before: Decimal | None
    after: Decimal | None
    gives: int
    receives: int


@dataclass
class ProposalWhatIf:
    proposal: RebalanceProposal
    moves: list[RebalanceMove]
    rms: list[RmWhatIf]


def proposal_get(*, actor: Actor, proposal_id: int) -> RebalanceProposal:
    found: RebalanceProposal | None = (
        RebalanceProposal.objects.restrict(actor)
        .select_related("branch", "run", "accepted_by")
        .filter(pk=proposal_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def proposal_what_if(*, actor: Actor, proposal_id: int) -> ProposalWhatIf:
    """A proposal's moves in order and, per RM it touches, the utilisation before and
    after all of them (engine `resulting_utilisation` over the run's stored loads)."""
    proposal = proposal_get(actor=actor, proposal_id=proposal_id)
    moves = list(
        RebalanceMove.objects.restrict(actor)
        .filter(proposal=proposal)
        .select_related("customer", "from_staff", "to_staff")
        .order_by("seq")
    )
    ids = {m.from_staff_id for m in moves} | {m.to_staff_id for m in moves}
    loads = {
        r.staff_id: r
        for r in RmLoad.objects.filter(run_id=proposal.run_id, staff_id__in=ids).select_related(
            "staff"
        )
    }
    engine_loads = [
        EngineLoad(
            staff_id=sid,
            branch_id=proposal.branch_id,
            demand_days=r.demand_days,
            available_days=r.available_days,
        )
        for sid, r in loads.items()
    ]
    engine_moves = [
        Move(
            customer_id=m.customer_id,
            tier=m.tier,
            branch_id=proposal.branch_id,
            from_staff_id=m.from_staff_id,
            to_staff_id=m.to_staff_id,
            demand_days=m.demand_days,
            from_before=m.from_before,
            from_after=m.from_after,
            to_before=m.to_before,
            to_after=m.to_after,
        )
        for m in moves
        if m.from_staff_id in loads and m.to_staff_id in loads
    ]
    result = resulting_utilisation(engine_loads, engine_moves)
    gives: dict[str, int] = defaultdict(int)
    receives: dict[str, int] = defaultdict(int)
    for m in moves:
        gives[m.from_staff_id] += 1
        receives[m.to_staff_id] += 1
    rms = [
        RmWhatIf(
            staff=loads[sid].staff,
            before=before,
            after=after,
            gives=gives[sid],
            receives=receives[sid],
        )
        for sid, (before, after) in result.items()
    ]
    return ProposalWhatIf(proposal=proposal, moves=moves, rms=rms)


def proposals_open() -> QuerySet[RebalanceProposal]:
    return RebalanceProposal.objects.filter(status=ProposalStatus.PROPOSED)


def gaming_periods() -> list[str]:
    keys = (
        GamingRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-period_key")
        .values_list("period_key", flat=True)
        .distinct()
    )
    return list(keys)


def gaming_queue(*, actor: Actor, key: str | None, status: str = "") -> QuerySet[GamingFlag]:
    """The flags in the actor's scope for period `key` (all periods when empty), open
    first, then by staff and rule; `status` narrows to one status. 404 for roles without
    the queue."""
    if not analysis_may_view(actor=actor):
        raise Http404
    flags = GamingFlag.objects.restrict(actor).select_related("staff", "staff__unit")
    if key:
        flags = flags.filter(period_key=key)
    if status in FlagStatus.values:
        flags = flags.filter(status=status)
    first = Case(
        When(status=FlagStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    ordered: QuerySet[GamingFlag] = flags.annotate(open_first=first).order_by(
        "open_first", "-period_key", "staff_id", "kind"
    )
    return ordered


@dataclass(frozen=True)
class EvidenceRow:
    row: GamingEvidence
    key: dict[str, str]
    values: dict[str, str]


def _json_texts(text: str) -> dict[str, str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"": text}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {"": text}


def flag_get(*, actor: Actor, flag_id: int) -> GamingFlag:
    """A flag the actor may see (404 otherwise)."""
    found: GamingFlag | None = (
        GamingFlag.objects.restrict(actor)
        .select_related("staff", "staff__unit", "run")
        .filter(pk=flag_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def flag_evidence(*, actor: Actor, flag: GamingFlag) -> list[EvidenceRow]:
    """The lake rows behind a flag, with their key and values unpacked."""
    rows = (
        GamingEvidence.objects.restrict(actor).filter(flag=flag).order_by("instance", "table", "pk")
    )
    return [
        EvidenceRow(row=r, key=_json_texts(r.row_key), values=_json_texts(r.row_values))
        for r in rows
    ]


def flag_may_decide(*, actor: Actor, flag: GamingFlag) -> bool:
    return (
        may_decide_flags(actor=actor)
        and flag.status != FlagStatus.CLEARED
        and GamingFlag.objects.restrict(actor, Action.CHANGE).filter(pk=flag.pk).exists()
    )


def gaming_decisions_for(*, actor: Actor, staff_id: str, period_key: str) -> list[GamingFlag]:
    """The decided flags of one person the actor may see, for the period `period_key` and
    the months in it: what the RM's explanation page shows (a flag never changes the
    score shown above it)."""
    try:
        keys = {period_key, *Period.parse(period_key).months}
    except ValueError:
        return []
    return list(
        GamingFlag.objects.restrict(actor)
        .filter(staff_id=staff_id, period_key__in=keys, status__in=DECIDED)
        .order_by("period_key", "kind")
    )
