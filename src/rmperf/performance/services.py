"""Performance writes: open, run, calibrate and close periods; propose and approve targets.

Every write is one durable transaction with its audit event (shared/STYLE.md 2). Scoring
is the engine's (`rmperf.engine.scoring.run.score_lake`), run on the imported lake with
the approved target sheets; this module only persists what it returns.

Who may do what (DOMAIN §5, §7; DESIGN "Periods and runs"):
- open, run, confirm calibration and close a period: HR, superusers and the system (CLI);
- calibrate an RM's result: the branch manager whose branch the RM works in (and
  superusers), with a mandatory reason, while the period is computed or calibrated;
- propose a target sheet: the RM for themself, or a team leader / branch manager for an
  RM in their subtree; approve it: a branch manager over the RM, HR or a superuser, never
  the person who proposed it (maker-checker).
A closed period refuses every write. Anything refused for scope answers like a missing
object (Http404); a refused step of the workflow raises PerformanceError with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_start, run_succeed, runs_supersede
from rmperf.engine.indicators.offers import Offers, OffersError
from rmperf.engine.indicators.params import DEFAULT_PARAMS
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.load import Cards, load_scorecards
from rmperf.engine.scoring.run import score_lake
from rmperf.engine.scoring.targets import TargetRow, split_annual
from rmperf.engine.scoring.targets import TargetSheet as EngineSheet
from rmperf.lakes.models import ImportStatus, LakeImport
from rmperf.lakes.selectors import lake_current, registered_tables
from rmperf.org.models import Staff
from rmperf.performance.manual_selectors import (
    ManualFeed,
    manual_feed,
    manual_rows_digest,
    period_manual_rows,
)
from rmperf.performance.models import (
    AdjustmentResult,
    Calibration,
    ChainEntry,
    ChainKind,
    LineResult,
    PerfPeriod,
    PeriodStatus,
    RmResult,
    ScoringRun,
    SheetStatus,
    TargetLine,
    TargetSheet,
    Tier,
)
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_in_force
from rmperf.recommend.selectors import offers_input
from rmperf.recommend.services import run_offers_write

#: Roles that run the period workflow (besides superusers and the system).
PERIOD_ROLES = frozenset({"hr"})
#: Roles that calibrate results within their scope.
CALIBRATE_ROLES = frozenset({"branch_manager"})
#: Roles that approve target sheets (within scope; HR bank-wide).
APPROVE_ROLES = frozenset({"branch_manager", "hr"})
#: Roles that propose sheets for the RMs of their subtree.
PROPOSE_ROLES = frozenset({"team_leader", "branch_manager", "hr"})
GENESIS = "0" * 64
MAX_TOTAL = Decimal("200.00")


class PerformanceError(Exception):
    """A step the workflow refuses (wrong status, missing reason, no lake …)."""


def _label(actor: Any) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return "system"


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def performance_may_manage(*, actor: Any) -> bool:
    """Whether the actor runs the period workflow; None is the system (the CLI)."""
    if actor is None:
        return True
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in PERIOD_ROLES


def performance_may_calibrate(*, actor: Any) -> bool:
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in CALIBRATE_ROLES


def _require_manager(actor: Any) -> None:
    if not performance_may_manage(actor=actor):
        raise Http404


def parse_period(key: str) -> Period:
    """The engine's period for a key; PerformanceError names a bad one."""
    try:
        return Period.parse(key)
    except ValueError as exc:
        raise PerformanceError(str(exc)) from None


def _period_state(period: PerfPeriod) -> dict[str, Any]:
    return {"key": period.key, "status": period.status, "digest": period.digest}


# --- periods ----------------------------------------------------------------------------


def _open(actor: Any, key: str) -> PerfPeriod:
    engine_period = parse_period(key)
    found: PerfPeriod | None = (
        PerfPeriod.objects.select_for_update().filter(key=engine_period.key).first()
    )
    if found is not None:
        return found
    period = PerfPeriod(
        key=engine_period.key,
        kind=str(engine_period.kind),
        start=engine_period.start,
        end=engine_period.end,
        status=PeriodStatus.OPEN,
        opened_at=timezone.now(),
        opened_by=_user(actor),
    )
    period.full_clean()
    period.save()
    audit_record(
        actor=actor,
        verb="performance.period.open",
        object_type="performance.period",
        object_id=period.key,
        after=_period_state(period),
    )
    return period


def period_open(*, actor: Any, key: str) -> PerfPeriod:
    """Open a period (idempotent: an existing period is returned as it is)."""
    _require_manager(actor)
    with transaction.atomic(durable=True):
        return _open(actor, key)


def _locked(key: str) -> PerfPeriod:
    engine_period = parse_period(key)
    period: PerfPeriod | None = (
        PerfPeriod.objects.select_for_update().filter(key=engine_period.key).first()
    )
    if period is None:
        raise PerformanceError(_("Period %(key)s is not open.") % {"key": engine_period.key})
    return period


def _refuse_closed(period: PerfPeriod) -> None:
    if period.is_closed:
        raise PerformanceError(
            _("Period %(key)s is closed: its results can no longer change.") % {"key": period.key}
        )


# --- scoring runs -----------------------------------------------------------------------


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def approved_targets(*, year: int) -> tuple[EngineSheet, str]:
    """The year's approved target sheets as the engine's sheet, and their digest."""
    rows: dict[tuple[str, str], TargetRow] = {}
    payload = []
    lines = (
        TargetLine.objects.filter(sheet__year=year, sheet__status=SheetStatus.APPROVED)
        .select_related("sheet")
        .order_by("sheet__staff_id", "indicator")
    )
    for ln in lines:
        staff_id = ln.sheet.staff_id
        rows[(staff_id, ln.indicator)] = TargetRow(
            staff_id=staff_id, indicator=ln.indicator, annual=ln.annual, quarters=ln.quarters,
            year=year,
        )  # fmt: skip
        payload.append(
            [staff_id, ln.indicator, f"{ln.annual:.2f}"] + [f"{q:.2f}" for q in ln.quarters]
        )
    return EngineSheet(rows, source=f"approved target sheets {year}"), _digest(payload)


def _lake_import(lake_dir: Path) -> LakeImport | None:
    found: LakeImport | None = (
        LakeImport.objects.filter(lake_path=str(lake_dir))
        .exclude(status=ImportStatus.FAILED)
        .order_by("-finished_at", "-pk")
        .first()
    )
    return found


def cards_snapshot(cards: Cards) -> dict[str, Any]:
    """The cards as a run stores them: each card's digest and its validated policy."""
    return {
        name: {"digest": c.digest, "policy": c.policy.model_dump(mode="json")}
        for name, c in sorted(cards.items())
    }


def scorecards_current(path: Path | None = None) -> Cards:
    """The scorecards a run uses: `path` (a YAML file or folder, the CLI's `--scorecard`),
    else the active scorecard set of the policies app (the shipped cards until a bank
    approves and activates its own)."""
    if path is not None:
        return load_scorecards(path, library=default_library())
    _version, cards = policy_in_force(PolicyKind.SCORECARDS)
    found: Cards = cards
    return found


def scorecards_version(
    *, path: Path | None, policy_digest: str
) -> tuple[PolicyVersion | None, str]:
    """The stored scorecard set a run used and how the run names it: the version whose
    digest is the run's (the active one first), or `file PATH` for a card file given on
    the command line."""
    if path is not None:
        return None, f"file {path}"
    found: PolicyVersion | None = (
        PolicyVersion.objects.filter(kind=PolicyKind.SCORECARDS, digest=policy_digest)
        .order_by(Case(When(status=PolicyStatus.ACTIVE, then=0), default=1), "-created_at", "-pk")
        .first()
    )
    return found, found.run_label if found is not None else ""


@dataclass(frozen=True)
class RunInputs:
    """What a run reads, resolved before anything is written."""

    lake_dir: Path
    lake_import: LakeImport | None
    lake: Lake
    cards: Cards
    targets: EngineSheet
    policy_digest: str
    targets_digest: str
    inputs_digest: str
    offers: Offers | None = None  # the period's offers (recommend app), also in the file
    #: The manual scores (panel means) and the digest of the entries behind them.
    manual: ManualFeed | None = None


def run_inputs(*, period: Period, scorecards: Path | None = None) -> RunInputs:
    """The current lake, the scorecards (default: the shipped ones) and approved targets."""
    lake_dir = lake_current()
    if lake_dir is None:
        raise PerformanceError(_("No lake has been imported yet: run `rmperf import` first."))
    run_import = _lake_import(lake_dir)
    today = run_import.today if run_import is not None else timezone.localdate()
    cards = scorecards_current(scorecards)
    targets, targets_digest = approved_targets(year=period.start.year)
    policy_digest = _digest({name: c.digest for name, c in sorted(cards.items())})
    tables = {name: t.digest for name, t in sorted(registered_tables(lake_dir=lake_dir).items())}
    window = dt.timedelta(days=DEFAULT_PARAMS.offer_window_days)  # earlier offers convert later
    offers = offers_input(first=period.start - window, last=period.end)
    manual = manual_feed(period_key=period.key)
    inputs = _digest(
        {
            "offers": offers.digest,
            "period": period.key,
            "lake": str(lake_dir),
            "tables": tables,
            "today": today.isoformat(),
            "scorecards": policy_digest,
            "targets": targets_digest,
            "manual": manual.digest,
        }
    )
    run_offers_write(inputs, offers)  # the run's offers input: `rmperf score --offers` it
    return RunInputs(
        lake_dir=lake_dir,
        lake_import=run_import,
        lake=Lake(lake_dir, today=today),
        cards=cards,
        targets=targets,
        policy_digest=policy_digest,
        targets_digest=targets_digest,
        inputs_digest=inputs,
        offers=offers,
        manual=manual,
    )


LINE_FIELDS = (
    "line", "indicator", "method", "weight", "value", "target", "target_source", "completion",
    "share", "effective_weight", "points", "used", "breach", "warning", "note",
)  # fmt: skip


def period_run(
    *, actor: Any, key: str, scorecards: Path | None = None, backend: str = "duckdb"
) -> ScoringRun:
    """Score every RM for the period on the current lake and persist one result per RM
    with its lines. Opens the period if needed; refused once it is closed. A re-run
    replaces the results in place (same rows), and clears calibrations made on the
    results it replaces (their history stays in Calibration and the audit log)."""
    _require_manager(actor)
    engine_period = parse_period(key)
    existing = PerfPeriod.objects.filter(key=engine_period.key).first()
    if existing is not None:
        _refuse_closed(existing)
    inputs = run_inputs(period=engine_period, scorecards=scorecards)
    policy, policy_label = scorecards_version(path=scorecards, policy_digest=inputs.policy_digest)
    started = timezone.now()
    # The engine reads files only; it runs before the transaction so no lock is held
    # while DuckDB works.
    try:
        scored = score_lake(
            inputs.lake,
            period=engine_period,
            cards=inputs.cards,
            targets=inputs.targets,
            manual=inputs.manual.scores if inputs.manual is not None else None,
            backend=backend,  # type: ignore[arg-type]
            offers=inputs.offers,
        )
    except OffersError as exc:  # e.g. an offer of a customer the lake no longer has
        raise PerformanceError(str(exc)) from None
    with transaction.atomic(durable=True):
        period = _open(actor, engine_period.key)
        _refuse_closed(period)  # closed meanwhile
        before = _period_state(period)
        known = set(
            Staff.objects.filter(
                staff_id__in=[t.staff_id for t in scored.result.totals]
            ).values_list("staff_id", flat=True)
        )
        skipped = dict(scored.skipped)
        for t in scored.result.totals:
            if t.staff_id not in known:
                skipped[t.staff_id] = "not a staff member in the app (import the lake again)"
        runs_supersede(ScoringRun.objects.filter(period=period))
        run = run_start(
            ScoringRun,
            actor=actor,
            period=period,
            lake_path=str(inputs.lake_dir),
            lake_import=inputs.lake_import,
            policy_versions={n: c.version for n, c in sorted(inputs.cards.items())},
            policy_digest=inputs.policy_digest,
            policy=policy,
            policy_label=policy_label,
            targets_digest=inputs.targets_digest,
            manual_digest=inputs.manual.digest if inputs.manual is not None else "",
            cards=cards_snapshot(inputs.cards),
            inputs_digest=inputs.inputs_digest,
            skipped=skipped,
            started_at=started,
        )
        old = {r.staff_id: r for r in RmResult.objects.filter(period=period)}
        cleared = sum(1 for r in old.values() if r.is_calibrated)
        keep: list[RmResult] = []
        fresh: list[RmResult] = []
        for t in scored.result.totals:
            if t.staff_id not in known:
                continue
            values = {
                "run": run,
                "scorecard": t.scorecard,
                "policy_version": t.policy_version,
                "base": t.base,
                "bonus": t.bonus,
                "deduction": t.deduction,
                "total": t.total,
                "tier": str(t.tier),
                "rated_tier": str(t.rated_tier),
                "veto": t.veto[:200],
                "engine_note": t.reason[:500],
                "calibrated_total": None,
                "calibrated_tier": "",
                "calibration_reason": "",
                "calibrated_by": None,
                "calibrated_at": None,
                "digest": "",
            }
            row = old.pop(t.staff_id, None)
            if row is None:
                fresh.append(RmResult(period=period, staff_id=t.staff_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                keep.append(row)
        if keep:
            RmResult.objects.bulk_update(keep, [*values_keys()])
        RmResult.objects.bulk_create(fresh)
        # RMs the lake no longer scores for this period lose their (unclosed) result.
        RmResult.objects.filter(pk__in=[r.pk for r in old.values()]).delete()
        results = {r.staff_id: r for r in (*keep, *fresh)}
        LineResult.objects.filter(result__period=period).delete()
        positions: dict[str, int] = {}
        lines = []
        for ln in scored.result.lines:
            result = results.get(ln.staff_id)
            if result is None:
                continue
            positions[ln.staff_id] = positions.get(ln.staff_id, 0) + 1
            lines.append(
                LineResult(
                    result=result,
                    position=positions[ln.staff_id],
                    **{f: _fit_line(f, getattr(ln, f)) for f in LINE_FIELDS},
                )
            )
        LineResult.objects.bulk_create(lines, batch_size=2000)
        AdjustmentResult.objects.filter(result__period=period).delete()
        AdjustmentResult.objects.bulk_create(
            [
                AdjustmentResult(
                    result=results[a.staff_id],
                    item=a.item[:64],
                    kind=a.kind[:16],
                    indicator=(a.indicator or "")[:64],
                    value=_fit_line("value", a.value),
                    points=a.points,
                )
                for a in scored.result.adjustments
                if a.staff_id in results
            ],
            batch_size=2000,
        )
        period.status = PeriodStatus.COMPUTED
        period.save(update_fields=["status"])
        run_succeed(
            run,
            actor=actor,
            row_count=len(results),
            verb="performance.period.run",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after={
                **_period_state(period),
                "run_id": str(run.run_id),
                "inputs_digest": run.inputs_digest,
                "policy_versions": run.policy_versions,
                "policy": run.policy_label,
                "lake_import": run.lake_import_id,
                "results": len(results),
                "manual_digest": run.manual_digest,
                "manual_entries": inputs.manual.entries if inputs.manual is not None else 0,
                "skipped": len(skipped),
                "calibrations_cleared": cleared,
            },
        )
    return run


def values_keys() -> tuple[str, ...]:
    """The RmResult fields a run (re)writes."""
    return (
        "run", "scorecard", "policy_version", "base", "bonus", "deduction", "total", "tier",
        "rated_tier", "veto", "engine_note", "calibrated_total", "calibrated_tier",
        "calibration_reason", "calibrated_by", "calibrated_at", "digest",
    )  # fmt: skip


_LINE_PLACES = {
    "weight": "0.0001",
    "value": "0.000001",
    "target": "0.000001",
    "completion": "0.0001",
    "share": "0.0001",
    "effective_weight": "0.0001",
    "points": "0.01",
}
_LINE_TEXT = {"line": 64, "indicator": 64, "method": 16, "target_source": 300, "note": 500}


def _fit_line(name: str, value: Any) -> Any:
    """Engine values at the columns' precision (half up, as the engine's own tables)."""
    from rmperf.engine.scoring.targets import round_half_up

    if name in _LINE_PLACES:
        return None if value is None else round_half_up(Decimal(value), Decimal(_LINE_PLACES[name]))
    if name in _LINE_TEXT:
        return str(value or "")[: _LINE_TEXT[name]]
    return bool(value)


# --- calibration ------------------------------------------------------------------------


def _decimal(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise PerformanceError(_("%(what)s is not a number.") % {"what": what}) from None
    if not value.is_finite():
        raise PerformanceError(_("%(what)s is not a number.") % {"what": what})
    return value


def result_calibrate(
    *,
    actor: Any,
    key: str,
    staff_id: str,
    tier: str,
    reason: str,
    total: Decimal | str | None = None,
) -> RmResult:
    """A branch manager's calibration of one RM's tier (and optionally total), with a
    mandatory reason; the engine's figures stay beside it and every change is audited."""
    if not performance_may_calibrate(actor=actor):
        raise Http404
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        period = _locked(key)
        result: RmResult | None = (
            RmResult.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(period=period, staff_id=staff_id)
            .first()
        )
        if result is None:
            raise Http404
        _refuse_closed(period)
        if period.status not in (PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED):
            raise PerformanceError(_("Only a computed period can be calibrated."))
        if tier not in Tier.values:
            raise PerformanceError(_("%(tier)r is not a rating tier.") % {"tier": tier})
        if not reason:
            raise PerformanceError(_("A calibration needs a reason."))
        new_total = result.final_total if total in (None, "") else _decimal(total, _("The total"))
        new_total = new_total.quantize(Decimal("0.01"))
        if not Decimal(0) <= new_total <= MAX_TOTAL:
            raise PerformanceError(
                _("The total must be between 0 and %(max)s.") % {"max": MAX_TOTAL}
            )
        before = {"total": result.final_total, "tier": result.final_tier}
        now = timezone.now()
        Calibration.objects.create(
            period=period,
            staff_id=result.staff_id,
            before_total=result.final_total,
            before_tier=result.final_tier,
            after_total=new_total,
            after_tier=tier,
            reason=reason,
            actor=_user(actor),
            actor_label=_label(actor),
            at=now,
        )
        result.calibrated_total = new_total
        result.calibrated_tier = tier
        result.calibration_reason = reason
        result.calibrated_by = _user(actor)
        result.calibrated_at = now
        result.full_clean()
        result.save()
        if period.status == PeriodStatus.COMPUTED:
            period.status = PeriodStatus.CALIBRATED
            period.save(update_fields=["status"])
        audit_record(
            actor=actor,
            verb="performance.result.calibrate",
            object_type="performance.result",
            object_id=f"{period.key}/{result.staff_id}",
            before=before,
            after={
                "total": new_total,
                "tier": tier,
                "reason": reason,
                "engine_total": result.total,
                "engine_tier": result.tier,
            },
        )
    return result


def period_confirm_calibration(*, actor: Any, key: str) -> PerfPeriod:
    """A person confirms the (possibly unchanged) ratings: computed → calibrated. Automated
    ratings are finalised by a person before they close (PIPL art. 24)."""
    _require_manager(actor)
    with transaction.atomic(durable=True):
        period = _locked(key)
        _refuse_closed(period)
        if period.status not in (PeriodStatus.COMPUTED, PeriodStatus.CALIBRATED):
            raise PerformanceError(_("Only a computed period can be calibrated."))
        before = _period_state(period)
        period.status = PeriodStatus.CALIBRATED
        period.save(update_fields=["status"])
        audit_record(
            actor=actor,
            verb="performance.period.calibrated",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after=_period_state(period),
        )
    return period


# --- closing, reopening and the chain ---------------------------------------------------


def _money(value: Decimal | None, places: str) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(Decimal(places))}"


def result_payload(
    result: RmResult,
    lines: Iterable[LineResult],
    adjustments: Iterable[AdjustmentResult] = (),
) -> dict[str, Any]:
    """One result in canonical form (strings, reading the same on SQLite and PostgreSQL):
    the engine's and the calibrated figures, every line and every bonus/deduction item."""
    return {
        "period": result.period_id and result.period.key,
        "staff_id": result.staff_id,
        "scorecard": result.scorecard,
        "policy_version": result.policy_version,
        "base": _money(result.base, "0.01"),
        "bonus": _money(result.bonus, "0.01"),
        "deduction": _money(result.deduction, "0.01"),
        "total": _money(result.total, "0.01"),
        "tier": result.tier,
        "rated_tier": result.rated_tier,
        "veto": result.veto,
        "calibrated_total": _money(result.calibrated_total, "0.01"),
        "calibrated_tier": result.calibrated_tier,
        "calibration_reason": result.calibration_reason,
        "lines": [
            [ln.position]
            + [
                _money(getattr(ln, f), _LINE_PLACES[f]) if f in _LINE_PLACES else getattr(ln, f)
                for f in LINE_FIELDS
            ]
            for ln in sorted(lines, key=lambda x: x.position)
        ],
        "adjustments": [
            [a.item, a.kind, a.indicator, _money(a.value, "0.000001"), _money(a.points, "0.01")]
            for a in sorted(adjustments, key=lambda x: x.item)
        ],
    }


def result_digest(
    result: RmResult,
    lines: Iterable[LineResult],
    adjustments: Iterable[AdjustmentResult] = (),
) -> str:
    """SHA-256 of one closed result's canonical form (`result_payload`)."""
    return _digest(result_payload(result, lines, adjustments))


def chain_digest(prev: str, key: str, row_digests: Mapping[str, str], manual: str = "") -> str:
    """A close's digest: the previous chain entry's, the period, each RM's row digest and,
    when the period has manual-score entries, their digest."""
    body = "\n".join(f"{staff}:{d}" for staff, d in sorted(row_digests.items()))
    tail = f"\nmanual:{manual}" if manual else ""
    return hashlib.sha256(f"{prev}\n{key}\n{body}{tail}".encode()).hexdigest()


def reopen_digest(prev: str, key: str, reason: str, snapshot: Mapping[str, Any]) -> str:
    """A reopening's digest: the previous entry's, the period, the reason and the
    snapshot of the results and manual scores as they were closed."""
    return hashlib.sha256(
        f"{prev}\nreopen\n{key}\n{reason}\n{_digest(snapshot)}".encode()
    ).hexdigest()


def _payloads(period: PerfPeriod) -> dict[str, dict[str, Any]]:
    results = RmResult.objects.filter(period=period).select_related("period")
    lines: dict[int, list[LineResult]] = {}
    for ln in LineResult.objects.filter(result__period=period):
        lines.setdefault(ln.result_id, []).append(ln)
    items: dict[int, list[AdjustmentResult]] = {}
    for a in AdjustmentResult.objects.filter(result__period=period):
        items.setdefault(a.result_id, []).append(a)
    return {
        r.staff_id: result_payload(r, lines.get(r.pk, []), items.get(r.pk, [])) for r in results
    }


def _row_digests(period: PerfPeriod) -> dict[str, str]:
    return {staff_id: _digest(p) for staff_id, p in _payloads(period).items()}


def _chain_head() -> ChainEntry | None:
    """The last entry of the chain, locked (closes and reopenings queue behind it)."""
    head: ChainEntry | None = ChainEntry.objects.select_for_update().order_by("-seq").first()
    return head


def period_close(*, actor: Any, key: str) -> PerfPeriod:
    """Close a calibrated period: its results freeze, each gets its digest, and a close
    entry is appended to the chain, its digest covering the previous entry's, the result
    rows and the manual scores (DOMAIN §8, §9)."""
    _require_manager(actor)
    with transaction.atomic(durable=True):
        period = _locked(key)
        _refuse_closed(period)
        if period.status != PeriodStatus.CALIBRATED:
            raise PerformanceError(
                _("Period %(key)s must be calibrated (ratings confirmed by a person) first.")
                % {"key": period.key}
            )
        before = _period_state(period)
        head = _chain_head()
        prev = head.digest if head is not None else GENESIS
        seq = (head.seq if head is not None else 0) + 1
        digests = _row_digests(period)
        manual = manual_rows_digest(period_manual_rows(period))
        for staff_id, d in digests.items():
            RmResult.objects.filter(period=period, staff_id=staff_id).update(digest=d)
        now = timezone.now()
        period.close_seq = seq
        period.prev_digest = prev
        period.manual_digest = manual
        period.digest = chain_digest(prev, period.key, digests, manual)
        period.status = PeriodStatus.CLOSED
        period.closed_at = now
        period.closed_by = _user(actor)
        period.save()
        ChainEntry.objects.create(
            seq=seq,
            period=period,
            kind=ChainKind.CLOSE,
            prev_digest=prev,
            digest=period.digest,
            manual_digest=manual,
            actor=_user(actor),
            actor_label=_label(actor),
            at=now,
        )
        audit_record(
            actor=actor,
            verb="performance.period.close",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after={
                **_period_state(period),
                "seq": seq,
                "prev_digest": prev,
                "manual_digest": manual,
                "results": len(digests),
            },
        )
    return period


def period_reopen(*, actor: Any, key: str, reason: str) -> PerfPeriod:
    """Reopen a closed period (HR, superusers, the CLI) with a mandatory reason.

    Nothing is edited: a reopen entry is appended to the chain, holding the results and
    manual scores as they were closed (so that close still verifies, and its figures stay
    readable beside any new ones). The period goes back to calibrated: it may be computed
    again, calibrated and closed again (a new close entry)."""
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise PerformanceError(_("Reopening a closed period needs a reason."))
    with transaction.atomic(durable=True):
        period = _locked(key)
        if not period.is_closed:
            raise PerformanceError(
                _("Period %(key)s is not closed: there is nothing to reopen.") % {"key": period.key}
            )
        before = _period_state(period)
        head = _chain_head()
        prev = head.digest if head is not None else GENESIS
        seq = (head.seq if head is not None else 0) + 1
        manual_rows = period_manual_rows(period)
        snapshot = {"results": _payloads(period), "manual": manual_rows}
        digest = reopen_digest(prev, period.key, reason, snapshot)
        now = timezone.now()
        ChainEntry.objects.create(
            seq=seq,
            period=period,
            kind=ChainKind.REOPEN,
            prev_digest=prev,
            digest=digest,
            manual_digest=manual_rows_digest(manual_rows),
            reason=reason,
            snapshot=snapshot,
            actor=_user(actor),
            actor_label=_label(actor),
            at=now,
        )
        RmResult.objects.filter(period=period).update(digest="")
        closed_digest = period.digest
        period.status = PeriodStatus.CALIBRATED
        period.close_seq = None
        period.prev_digest = ""
        period.digest = ""
        period.manual_digest = ""
        period.closed_at = None
        period.closed_by = None
        period.save()
        audit_record(
            actor=actor,
            verb="performance.period.reopen",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after={
                **_period_state(period),
                "seq": seq,
                "digest": digest,
                "prev_digest": prev,
                "reopened_close": closed_digest,
                "reason": reason,
                "results": len(snapshot["results"]),
            },
        )
    return period


def _audited_digests() -> dict[tuple[str, str], set[str]]:
    """(verb, period) → the digests the hash-chained audit log recorded for it."""
    from rmperf.core.models import AuditEvent

    out: dict[tuple[str, str], set[str]] = {}
    events = AuditEvent.objects.filter(
        verb__in=("performance.period.close", "performance.period.reopen"),
        object_type="performance.period",
    ).values_list("verb", "object_id", "after")
    for verb, object_id, after in events:
        digest = (after or {}).get("digest")
        if digest:
            out.setdefault((verb, object_id), set()).add(digest)
    return out


def chain_verify() -> list[str]:
    """Problems in the chain of closes and reopenings (empty when intact): a closed result
    or manual score changed, added or removed, a digest edited, a broken link, an entry
    missing from the audit log, or a closed period outside the chain."""
    problems: list[str] = []
    prev = GENESIS
    entries = list(ChainEntry.objects.select_related("period").order_by("seq"))
    audited = _audited_digests()
    for i, entry in enumerate(entries):
        period = entry.period
        key = period.key
        if entry.prev_digest != prev:
            problems.append(_("period %(key)s does not link to the close before it") % {"key": key})
        later = next((e for e in entries[i + 1 :] if e.period_id == entry.period_id), None)
        if entry.kind == ChainKind.CLOSE:
            if later is not None and later.kind == ChainKind.REOPEN:
                # Reopened since: the close is checked against what the reopening kept.
                results = (later.snapshot or {}).get("results", {})
                digests = {staff_id: _digest(p) for staff_id, p in results.items()}
                manual = manual_rows_digest((later.snapshot or {}).get("manual", []))
            elif later is None and period.is_closed:
                stored = dict(
                    RmResult.objects.filter(period=period).values_list("staff_id", "digest")
                )
                digests = _row_digests(period)
                for staff_id, d in sorted(digests.items()):
                    if stored.get(staff_id) != d:
                        problems.append(
                            _("period %(key)s: the result of %(staff)s changed after the close")
                            % {"key": key, "staff": staff_id}
                        )
                manual = manual_rows_digest(period_manual_rows(period))
                if manual != period.manual_digest:
                    problems.append(
                        _("period %(key)s: a manual score changed after the close") % {"key": key}
                    )
                if period.digest != entry.digest:
                    problems.append(
                        _("period %(key)s: its close digest differs from the chain") % {"key": key}
                    )
            else:
                problems.append(
                    _("period %(key)s: a close is followed by no reopening") % {"key": key}
                )
                digests, manual = {}, ""
            if chain_digest(entry.prev_digest, key, digests, manual) != entry.digest:
                problems.append(
                    _("period %(key)s: its results do not match the close digest") % {"key": key}
                )
            if entry.digest not in audited.get(("performance.period.close", key), set()):
                problems.append(
                    _("period %(key)s: the close digest differs from the one in the audit log")
                    % {"key": key}
                )
        else:
            snapshot = entry.snapshot or {}
            if reopen_digest(entry.prev_digest, key, entry.reason, snapshot) != entry.digest:
                problems.append(
                    _("period %(key)s: the reopening #%(seq)s was altered")
                    % {"key": key, "seq": entry.seq}
                )
            if entry.digest not in audited.get(("performance.period.reopen", key), set()):
                problems.append(
                    _("period %(key)s: the reopening #%(seq)s is not in the audit log")
                    % {"key": key, "seq": entry.seq}
                )
        prev = entry.digest
    in_chain = {e.period_id for e in entries}
    for period in PerfPeriod.objects.filter(status=PeriodStatus.CLOSED).order_by("key"):
        last = next((e for e in reversed(entries) if e.period_id == period.pk), None)
        if period.pk not in in_chain or last is None or last.kind != ChainKind.CLOSE:
            problems.append(
                _("period %(key)s is closed but its close is not in the chain")
                % {"key": period.key}
            )
    return problems


# --- target sheets ----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    """One line of a proposed sheet: an indicator's annual target, quarters optional."""

    indicator: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal] | None = None


def _sheet_staff(actor: Any, staff_id: str, action: Action) -> Staff:
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW).filter(staff_id=staff_id, role="rm").first()
    )
    if staff is None:
        raise Http404
    scope = scope_of(actor)
    if scope is None:
        raise Http404
    if action is Action.ADD:
        own = scope.staff_id == staff_id
        if not (own or scope.superuser or (scope.role in PROPOSE_ROLES and not scope.read_only)):
            raise Http404
    elif not (scope.superuser or (scope.role in APPROVE_ROLES and not scope.read_only)):
        raise Http404
    return staff


def _sheet_state(sheet: TargetSheet) -> dict[str, Any]:
    return {
        "status": sheet.status,
        "lines": [
            [ln.indicator, ln.annual, *ln.quarters] for ln in sheet.lines.order_by("indicator")
        ],
    }


def target_sheet_propose(
    *,
    actor: Any,
    staff_id: str,
    year: int,
    lines: Sequence[TargetInput],
    note: str = "",
) -> TargetSheet:
    """Propose (or re-propose) an RM's annual sheet; a changed sheet needs approval again.
    Quarters not given are the annual figure split evenly (the fourth takes the
    remainder, engine `split_annual`); given quarters must add up to the annual figure."""
    staff = _sheet_staff(actor, staff_id, Action.ADD)
    library = default_library()
    if not lines:
        raise PerformanceError(_("A target sheet needs at least one line."))
    seen: set[str] = set()
    clean: list[TargetLine] = []
    for item in lines:
        if item.indicator not in library:
            raise PerformanceError(
                _("%(indicator)r is not an indicator of the library.")
                % {"indicator": item.indicator}
            )
        if item.indicator in seen:
            raise PerformanceError(
                _("%(indicator)s appears twice.") % {"indicator": item.indicator}
            )
        seen.add(item.indicator)
        annual = item.annual.quantize(Decimal("0.01"))
        if annual < 0:
            raise PerformanceError(
                _("The annual target of %(indicator)s is negative.") % {"indicator": item.indicator}
            )
        qs = item.quarters if item.quarters is not None else split_annual(annual)
        qs = tuple(q.quantize(Decimal("0.01")) for q in qs)  # type: ignore[assignment]
        if any(q < 0 for q in qs):
            raise PerformanceError(
                _("A quarter target of %(indicator)s is negative.") % {"indicator": item.indicator}
            )
        if sum(qs, Decimal(0)) != annual:
            raise PerformanceError(
                _("The quarters of %(indicator)s add up to %(sum)s, not the annual %(annual)s.")
                % {"indicator": item.indicator, "sum": sum(qs, Decimal(0)), "annual": annual}
            )
        clean.append(
            TargetLine(
                indicator=item.indicator, annual=annual, q1=qs[0], q2=qs[1], q3=qs[2], q4=qs[3]
            )
        )
    if not 2000 <= year <= 2999:
        raise PerformanceError(_("%(year)s is not a year.") % {"year": year})
    with transaction.atomic(durable=True):
        sheet = TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        before = _sheet_state(sheet) if sheet is not None else None
        if sheet is None:
            sheet = TargetSheet(staff=staff, year=year)
        sheet.status = SheetStatus.PROPOSED
        sheet.note = note.strip()[:500]
        sheet.proposed_by = _user(actor)
        sheet.proposed_at = timezone.now()
        sheet.approved_by = None
        sheet.approved_at = None
        sheet.full_clean()
        sheet.save()
        TargetLine.objects.filter(sheet=sheet).delete()
        for ln in clean:
            ln.sheet = sheet
        TargetLine.objects.bulk_create(clean)
        audit_record(
            actor=actor,
            verb="performance.targets.propose",
            object_type="performance.target_sheet",
            object_id=f"{staff.staff_id}/{year}",
            before=before,
            after=_sheet_state(sheet),
        )
    return sheet


def target_sheet_approve(*, actor: Any, staff_id: str, year: int) -> TargetSheet:
    """Approve a proposed sheet: a manager over the RM, never its proposer (maker-checker)."""
    staff = _sheet_staff(actor, staff_id, Action.CHANGE)
    with transaction.atomic(durable=True):
        sheet: TargetSheet | None = (
            TargetSheet.objects.select_for_update().filter(staff=staff, year=year).first()
        )
        if sheet is None:
            raise PerformanceError(
                _("%(staff)s has no target sheet for %(year)s.") % {"staff": staff_id, "year": year}
            )
        if sheet.status != SheetStatus.PROPOSED:
            raise PerformanceError(_("Only a proposed sheet can be approved."))
        user = _user(actor)
        if user is None or sheet.proposed_by_id == user.pk:
            raise PerformanceError(_("The person who proposed a target sheet cannot approve it."))
        scope = scope_of(actor)
        if scope is not None and scope.staff_id == staff_id:
            raise PerformanceError(_("Nobody approves their own targets."))
        before = _sheet_state(sheet)
        sheet.status = SheetStatus.APPROVED
        sheet.approved_by = user
        sheet.approved_at = timezone.now()
        sheet.full_clean()
        sheet.save()
        audit_record(
            actor=actor,
            verb="performance.targets.approve",
            object_type="performance.target_sheet",
            object_id=f"{staff_id}/{year}",
            before=before,
            after=_sheet_state(sheet),
        )
    return sheet


def today_in_bank() -> dt.date:
    return timezone.localdate()
