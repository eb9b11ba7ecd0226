"""Writes of the analysis app: workload runs with their rebalancing proposals, a
proposal's acceptance and its assignments change file, gaming runs and a manager's
decision on a flag. Every write is atomic and audited; the engine is called here, at one
edge (engine/analysis: `workload`, `customer_demand`, `propose_moves`, `detect_gaming`).

Nothing here changes an assignment, a score or a lake: the lake stays the source of
truth, and a proposal becomes real only when the core system applies the exported file
and the next lake delivery carries it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.analysis.gaming_tasks import done_tasks
from rmperf.analysis.models import (
    DECIDED,
    MANAGER_ROLES,
    FlagStatus,
    GamingEvidence,
    GamingFlag,
    GamingKind,
    GamingRun,
    Load,
    ProposalStatus,
    RebalanceMove,
    RebalanceProposal,
    RmLoad,
    WorkloadRun,
)
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_actor_label, run_fail, run_start, run_succeed
from rmperf.core.runs import RunStatus
from rmperf.engine.analysis import (
    CalendarError,
    CustomerLoad,
    Move,
    customer_demand,
    detect_gaming,
    propose_moves,
    workload,
)
from rmperf.engine.analysis import (
    RmLoad as EngineLoad,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.lakes.models import LANDED_STATUSES, LakeImport
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import OrgKind, OrgUnit, Staff
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force
from rmperf.segments.export import safe_text
from rmperf.segments.models import CustomerSegment, SegmentRun

WORKLOAD_VERB = "analysis.workload_run"
GAMING_VERB = "analysis.gaming_run"
ACCEPT_VERB = "analysis.rebalance_accept"
EXPORT_VERB = "analysis.rebalance_export"
DECIDE_VERB = "analysis.gaming_decide"
#: Who may start a workload or gaming run (besides superusers and the system).
RUN_ROLES = frozenset({"branch_manager", "hr"})
#: The assignments change file's columns (docs/analysis.md "The assignments change file").
CHANGE_HEADERS = (
    "change_id", "customer_id", "from_staff_id", "to_staff_id", "valid_from",
    "branch_id", "tier", "proposal_id", "period",
)  # fmt: skip


class AnalysisRefused(Exception):
    """A run or decision that cannot go ahead (no lake, a period the calendar does not
    cover, a proposal already decided, a decision without its note …)."""


def analysis_may_run(*, actor: Actor) -> bool:
    """Branch managers, HR, superusers and the system (None) may start a run."""
    if actor is None:
        return True
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in RUN_ROLES


def _period(key: str) -> Period:
    try:
        return Period.parse(key)
    except ValueError as exc:
        raise AnalysisRefused(str(exc)) from exc


def _lake(time_zone: str) -> Lake:
    lake_dir = lake_current()
    if lake_dir is None:
        raise AnalysisRefused(_("No lake has been imported yet."))
    run_import: LakeImport | None = (
        LakeImport.objects.filter(lake_path=str(lake_dir), status__in=LANDED_STATUSES)
        .order_by("-finished_at", "-pk")
        .first()
    )
    today = run_import.today if run_import is not None else timezone.localdate()
    return Lake(lake_dir, today=today, time_zone=time_zone)


def branch_of_units() -> dict[str, str]:
    """unit_id → the id of the branch it is or lies under (units above a branch: none)."""
    units = list(OrgUnit.objects.only("unit_id", "kind", "path"))
    branches = {u.path: u.unit_id for u in units if u.kind == OrgKind.BRANCH}
    out: dict[str, str] = {}
    for u in units:
        for path, branch_id in branches.items():
            if u.path.startswith(path):
                out[u.unit_id] = branch_id
                break
    return out


def _load_of(u: Decimal | None, *, over: Decimal, under: Decimal) -> str:
    if u is None:
        return Load.UNKNOWN
    if u > over:
        return Load.OVER
    return Load.UNDER if u < under else Load.NORMAL


@dataclass(frozen=True)
class _Book:
    """The latest segmentation: each customer's RM and tier, and the tiers each RM serves."""

    customers: dict[str, tuple[str, str]]
    tiers: dict[str, frozenset[str]]


def _book() -> _Book:
    run = SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-as_of", "-pk").first()
    if run is None:
        return _Book({}, {})
    customers: dict[str, tuple[str, str]] = {}
    tiers: dict[str, set[str]] = defaultdict(set)
    rows = CustomerSegment.objects.filter(run=run, rm__isnull=False).values_list(
        "customer_id", "rm_id", "tier"
    )
    for cid, rm, tier in rows.iterator(chunk_size=5000):
        customers[cid] = (rm, tier)
        tiers[rm].add(tier)
    return _Book(customers, {k: frozenset(v) for k, v in tiers.items()})


def workload_run(*, actor: Actor, key: str) -> WorkloadRun:
    """Run the workload engine on the lake in use for period `key` under the workload
    policy in force, store each RM's load and the rebalancing proposals (one per branch
    with moves); a proposed (undecided) proposal of an earlier run of the period is
    superseded. Refused (nothing written) for a bad period or a year the working-day
    calendar does not cover; a failure after the start is recorded as a failed run."""
    if not analysis_may_run(actor=actor):
        raise Http404
    period = _period(key)
    version, loaded = policy_in_force(PolicyKind.WORKLOAD)
    _seg_version, segmentation = policy_in_force(PolicyKind.SEGMENTATION)
    policy = loaded.policy
    lake = _lake(policy.time_zone)
    try:
        table = workload(
            lake,
            period=period,
            policy=policy,
            asset_categories=segmentation.policy.monetary.asset_categories,
            policy_version=loaded.version,
        )
        demand = customer_demand(lake, period=period, policy=policy)
    except CalendarError as exc:
        run_fail(
            WorkloadRun,
            actor=actor,
            problem=str(exc),
            verb=WORKLOAD_VERB,
            object_type="analysis.workload_run",
            after={"period": period.key, "problem": str(exc)},
            period_key=period.key,
            policy=version,
            policy_digest=loaded.digest,
            over=policy.rebalancing.over,
            under=policy.rebalancing.under,
            lake_path=str(lake.path),
        )
        raise AnalysisRefused(str(exc)) from exc
    over, under = policy.rebalancing.over, policy.rebalancing.under
    staff = {s.staff_id: s.unit_id for s in Staff.objects.only("staff_id", "unit_id")}
    branch_of = branch_of_units()
    book = _book()
    rows = [r for r in table.to_pylist() if r["staff_id"] in staff]
    loads = [
        EngineLoad(
            staff_id=r["staff_id"],
            branch_id=branch_of.get(staff[r["staff_id"]], ""),
            demand_days=r["demand_days"],
            available_days=r["available_days"],
            tiers=book.tiers.get(r["staff_id"], frozenset()),
        )
        for r in rows
    ]
    customers = [
        CustomerLoad(customer_id=cid, staff_id=sid, tier=book.customers[cid][1], demand_days=days)
        for (sid, cid), days in demand.items()
        # The latest segmentation's customers are the app's (its rows point at them).
        if cid in book.customers and book.customers[cid][0] == sid
    ]
    moves = [
        m for m in propose_moves(loads, customers, over=over, under=under) if m.branch_id != ""
    ]
    with transaction.atomic(durable=True):
        run = run_start(
            WorkloadRun,
            actor=actor,
            period_key=period.key,
            policy=version,
            policy_label=str(version),
            policy_digest=loaded.digest,
            over=over,
            under=under,
            lake_path=str(lake.path),
        )
        RmLoad.objects.bulk_create(
            RmLoad(
                run=run,
                staff_id=r["staff_id"],
                branch_id=branch_of.get(staff[r["staff_id"]]),
                loans=r["loans"],
                demand_days=r["demand_days"],
                available_days=r["available_days"],
                utilisation=r["utilisation"],
                customers=r["customers"],
                avg_assets_per_customer=r["avg_assets_per_customer"],
                benchmark_position=r["benchmark_position"] or "",
                load=_load_of(r["utilisation"], over=over, under=under),
            )
            for r in rows
        )
        superseded = RebalanceProposal.objects.select_for_update().filter(
            period_key=period.key, status=ProposalStatus.PROPOSED
        )
        superseded_ids = list(superseded.values_list("pk", flat=True))
        superseded.update(status=ProposalStatus.SUPERSEDED)
        WorkloadRun.objects.filter(
            period_key=period.key, status=RunStatus.SUCCEEDED
        ).select_for_update().update(status=RunStatus.SUPERSEDED)
        proposals = _store_proposals(run, period.key, moves)
        run_succeed(
            run,
            actor=actor,
            row_count=len(rows),
            verb=WORKLOAD_VERB,
            object_type="analysis.workload_run",
            object_id=run.audit_id,
            after={
                "period": period.key,
                "rms": len(rows),
                "over": sum(
                    1 for r in rows if r["utilisation"] is not None and r["utilisation"] > over
                ),
                "under": sum(
                    1 for r in rows if r["utilisation"] is not None and r["utilisation"] < under
                ),
                "proposals": [p.pk for p in proposals],
                "moves": len(moves),
                "superseded_proposals": superseded_ids,
                "policy": loaded.digest,
            },
        )
    return run


def _store_proposals(run: WorkloadRun, key: str, moves: Iterable[Move]) -> list[RebalanceProposal]:
    by_branch: dict[str, list[Move]] = defaultdict(list)
    for m in moves:
        by_branch[m.branch_id].append(m)
    out = []
    for branch_id in sorted(by_branch):
        proposal = RebalanceProposal.objects.create(run=run, branch_id=branch_id, period_key=key)
        RebalanceMove.objects.bulk_create(
            RebalanceMove(
                proposal=proposal,
                seq=i,
                customer_id=m.customer_id,
                tier=m.tier,
                from_staff_id=m.from_staff_id,
                to_staff_id=m.to_staff_id,
                demand_days=m.demand_days,
                from_before=m.from_before,
                from_after=m.from_after,
                to_before=m.to_before,
                to_after=m.to_after,
            )
            for i, m in enumerate(by_branch[branch_id], 1)
        )
        out.append(proposal)
    return out


def _proposal_for_change(actor: Actor, proposal_id: int) -> RebalanceProposal:
    scope = scope_of(actor)
    if scope is None or not (scope.superuser or scope.role == "branch_manager"):
        raise Http404
    found: RebalanceProposal | None = (
        RebalanceProposal.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(pk=proposal_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def rebalance_accept(*, actor: Actor, proposal_id: int, note: str = "") -> RebalanceProposal:
    """The branch manager accepts a proposed rebalancing: it becomes exportable as an
    assignments change file. Nothing in the app's books changes (the lake is the truth)."""
    with transaction.atomic(durable=True):
        proposal = _proposal_for_change(actor, proposal_id)
        if proposal.status != ProposalStatus.PROPOSED:
            raise AnalysisRefused(
                _("Only a proposed rebalancing can be accepted; this one is %(status)s.")
                % {"status": proposal.get_status_display()}
            )
        proposal.status = ProposalStatus.ACCEPTED
        proposal.accepted_at = timezone.now()
        proposal.accepted_by = user_of(actor)
        proposal.note = note.strip()
        proposal.full_clean()
        proposal.save(update_fields=["status", "accepted_at", "accepted_by", "note"])
        audit_record(
            actor=actor,
            verb=ACCEPT_VERB,
            object_type="analysis.rebalance_proposal",
            object_id=str(proposal.pk),
            before={"status": ProposalStatus.PROPOSED},
            after={
                "status": proposal.status,
                "branch": proposal.branch_id,
                "period": proposal.period_key,
                "moves": proposal.moves.count(),
                "note": proposal.note,
            },
        )
    return proposal


@dataclass(frozen=True)
class ChangeFile:
    filename: str
    content: bytes
    rows: int
    sha256: str


def change_file_rows(proposal: RebalanceProposal) -> list[list[str]]:
    """The assignments change rows of an accepted proposal: each customer's new RM from
    the day after the acceptance (the core system applies the file; the next lake carries
    the new assignment)."""
    if proposal.accepted_at is None:
        raise AnalysisRefused(_("Only an accepted rebalancing is exported."))
    valid_from = timezone.localdate(proposal.accepted_at) + dt.timedelta(days=1)
    return [
        [
            f"{proposal.pk}-{m.seq}",
            m.customer_id,
            m.from_staff_id,
            m.to_staff_id,
            valid_from.isoformat(),
            proposal.branch_id,
            m.tier,
            str(proposal.pk),
            proposal.period_key,
        ]
        for m in proposal.moves.order_by("seq")
    ]


def rebalance_export(*, actor: Actor, proposal_id: int) -> ChangeFile:
    """The assignments change file of an accepted proposal, CSV (UTF-8 with BOM), every
    text cell formula-safe (segments.export.safe_text), audited with its digest."""
    with transaction.atomic(durable=True):
        proposal = _proposal_for_change(actor, proposal_id)
        if proposal.status != ProposalStatus.ACCEPTED:
            raise AnalysisRefused(_("Only an accepted rebalancing is exported."))
        rows = change_file_rows(proposal)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(CHANGE_HEADERS)
        for row in rows:
            writer.writerow([safe_text(v) for v in row])
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
        digest = hashlib.sha256(content).hexdigest()
        filename = (
            f"assignments-change-{proposal.branch_id}-{proposal.period_key}-{proposal.pk}.csv"
        )
        audit_record(
            actor=actor,
            verb=EXPORT_VERB,
            object_type="analysis.rebalance_proposal",
            object_id=str(proposal.pk),
            after={"rows": len(rows), "sha256": digest, "filename": filename},
        )
    return ChangeFile(filename=safe_text(filename), content=content, rows=len(rows), sha256=digest)


def gaming_run(*, actor: Actor, key: str) -> GamingRun:
    """Run gaming detection on the lake in use for period `key` under the gaming policy
    in force. A flag (staff member, rule, period) found again keeps its decision and gets
    the new numbers and evidence; an open flag not found again becomes `cleared`; a
    decided one stays as decided. Audited; a flag never changes a score."""
    if not analysis_may_run(actor=actor):
        raise Http404
    period = _period(key)
    version, loaded = policy_in_force(PolicyKind.GAMING)
    lake = _lake(loaded.policy.time_zone)
    result = detect_gaming(
        lake,
        period=period,
        policy=loaded.policy,
        policy_version=loaded.version,
        tasks=done_tasks(period),
    )
    known = set(Staff.objects.values_list("staff_id", flat=True))
    flags = [f for f in result.flags.to_pylist() if f["staff_id"] in known]
    evidence: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in result.evidence.to_pylist():
        evidence[(e["staff_id"], e["kind"])].append(e)
    with transaction.atomic(durable=True):
        run = run_start(
            GamingRun,
            actor=actor,
            period_key=period.key,
            policy=version,
            policy_label=str(version),
            policy_digest=loaded.digest,
            lake_path=str(lake.path),
        )
        existing = {
            (f.staff_id, f.kind): f
            for f in GamingFlag.objects.select_for_update().filter(period_key=period.key)
        }
        found: set[tuple[str, str]] = set()
        for f in flags:
            k = (f["staff_id"], f["kind"])
            found.add(k)
            flag = existing.get(k)
            values = {
                "run": run,
                "instances": f["instances"],
                "measure": f["measure"][:300],
                "threshold": f["threshold"][:300],
                "policy_version": f["policy_version"],
            }
            if flag is None:
                flag = GamingFlag(staff_id=k[0], kind=k[1], period_key=period.key, **values)
                flag.full_clean()
                flag.save()
            else:
                for name, value in values.items():
                    setattr(flag, name, value)
                if flag.status == FlagStatus.CLEARED:
                    flag.status = FlagStatus.OPEN
                flag.save()
                flag.evidence.all().delete()
            GamingEvidence.objects.bulk_create(
                GamingEvidence(
                    flag=flag,
                    customer_id=e["customer_id"] or "",
                    instance=e["instance"][:200],
                    table=e["table"],
                    row_key=e["row_key"][:500],
                    row_values=e["row_values"],
                )
                for e in evidence[k]
            )
        cleared = [
            f.pk for k, f in existing.items() if k not in found and f.status == FlagStatus.OPEN
        ]
        GamingFlag.objects.filter(pk__in=cleared).update(status=FlagStatus.CLEARED)
        GamingRun.objects.filter(period_key=period.key, status=RunStatus.SUCCEEDED).exclude(
            pk=run.pk
        ).update(status=RunStatus.SUPERSEDED)
        by_kind = {kind: sum(1 for f in flags if f["kind"] == kind) for kind in GamingKind.values}
        run_succeed(
            run,
            actor=actor,
            row_count=len(flags),
            verb=GAMING_VERB,
            object_type="analysis.gaming_run",
            object_id=run.audit_id,
            after={
                "period": period.key,
                "flags": len(flags),
                "by_kind": by_kind,
                "cleared": cleared,
                "policy": loaded.digest,
            },
        )
    return run


def gaming_decide(*, actor: Actor, flag_id: int, decision: str, note: str) -> GamingFlag:
    """A team leader's or branch manager's decision on a flag of their subtree: dismiss
    it (note optional) or confirm it (note required). Audited with the state before and
    after; a decision may be revised (audited again). The score is not touched."""
    scope = scope_of(actor)
    if scope is None or not (scope.superuser or scope.role in MANAGER_ROLES):
        raise Http404
    if decision not in DECIDED:
        raise AnalysisRefused(_("A decision is to dismiss or to confirm."))
    note = note.strip()
    if decision == FlagStatus.CONFIRMED and not note:
        raise AnalysisRefused(_("Confirming a flag needs a note saying what was found."))
    with transaction.atomic(durable=True):
        flag: GamingFlag | None = (
            GamingFlag.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(pk=flag_id)
            .first()
        )
        if flag is None:
            raise Http404
        if flag.status == FlagStatus.CLEARED:
            raise AnalysisRefused(_("A flag no longer found by the latest run is not decided."))
        before = {"status": flag.status, "note": flag.note}
        flag.status = decision
        flag.note = note
        flag.decided_at = timezone.now()
        flag.decided_by = user_of(actor)
        flag.decided_by_label = run_actor_label(actor)
        flag.full_clean()
        flag.save(update_fields=["status", "note", "decided_at", "decided_by", "decided_by_label"])
        audit_record(
            actor=actor,
            verb=DECIDE_VERB,
            object_type="analysis.gaming_flag",
            object_id=str(flag.pk),
            before=before,
            after={
                "status": flag.status,
                "note": flag.note,
                "staff": flag.staff_id,
                "kind": flag.kind,
                "period": flag.period_key,
            },
        )
    return flag
