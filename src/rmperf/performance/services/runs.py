"""Scoring runs: score every RM of a period on the imported lake and persist what the
engine returns (`rmperf.engine.scoring.run.score_lake`), with the approved target sheets,
the scorecards in force and the period's manual scores and offers. A re-run replaces
the period's results in place; its inputs are digested so the run can be replayed.

`period_feeds` reads the period's inputs beside the lake, the cards and the targets
(manual scores, offers, the app's 360 feedback and adopted proposals, the referral points
rule in force) without writing anything; a run reads them through it, and so does the
what-if (analysis/whatif_services.py), whose in-force side thus equals the stored run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.run_services import run_start, run_succeed, runs_supersede
from rmperf.engine.analysis.whatif import ScoreInputs
from rmperf.engine.indicators.offers import Offers, OffersError
from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.referrals.points import ReferralPointsRule, default_points_rule
from rmperf.engine.scoring.load import Cards
from rmperf.engine.scoring.run import LakeScore, score_lake
from rmperf.engine.scoring.score import ScoringError
from rmperf.engine.scoring.targets import TargetSheet as EngineSheet
from rmperf.lakes.models import LANDED_STATUSES, LakeImport
from rmperf.lakes.selectors import lake_current, registered_tables
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.manual_selectors import ManualFeed, manual_feed
from rmperf.performance.models import (
    AdjustmentResult,
    LineResult,
    PerfPeriod,
    PeriodStatus,
    RmResult,
    ScoringRun,
    UnitResult,
)
from rmperf.performance.selectors import (
    FeedbackFeed,
    ProposalsFeed,
    feedback_feed,
    proposals_feed,
    scorecards_current,
)
from rmperf.performance.services.periods import (
    PerformanceError,
    json_digest,
    parse_period,
    period_get_or_open,
    period_state,
    refuse_closed,
    require_manager,
)
from rmperf.performance.services.targets import approved_targets
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_in_force
from rmperf.recommend.selectors import offers_input
from rmperf.recommend.services import run_offers_write


def _lake_import(lake_dir: Path) -> LakeImport | None:
    found: LakeImport | None = (
        LakeImport.objects.filter(lake_path=str(lake_dir))
        .filter(status__in=LANDED_STATUSES)
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
class PeriodFeeds:
    """A period's scoring inputs from the app, beside the lake, the cards and the targets."""

    offers: Offers  # the period's offers (recommend app), also in the run's offers file
    #: The manual scores (panel means) and the digest of the entries behind them.
    manual: ManualFeed
    #: The 360 feedback recorded in the app (closed review rounds), dated in the period.
    feedback: FeedbackFeed
    #: The innovation proposals adopted in the app, decided in the period.
    proposals: ProposalsFeed
    #: The indicators' parameters: the referral points rule of the referrals policy in
    #: force, the one the points ledger pays (docs/referrals.md "Points").
    params: IndicatorParams

    def score_inputs(self) -> ScoreInputs:
        """The engine's inputs beside the lake, the cards and the targets."""
        return ScoreInputs(
            manual=self.manual.scores,
            offers=self.offers,
            feedback=self.feedback.rows,
            proposals=self.proposals.rows,
            params=self.params,
        )


@dataclass(frozen=True)
class RunInputs:
    """What a run reads, resolved before anything is written: the lake, the cards, the
    targets and the period's feeds from the app, with their digests."""

    lake_dir: Path
    lake_import: LakeImport | None
    lake: Lake
    cards: Cards
    targets: EngineSheet
    policy_digest: str
    targets_digest: str
    inputs_digest: str
    feeds: PeriodFeeds


def period_feeds(*, period: Period) -> PeriodFeeds:
    """What a run of the period reads from the app beside the lake, the cards and the
    targets: the offers logged in the period (and the conversion window before it), the
    manual scores, the 360 feedback and proposals adopted in the app, the referral points
    rule in force. Writes nothing (a run writes its offers file itself)."""
    window = dt.timedelta(days=DEFAULT_PARAMS.offer_window_days)  # earlier offers convert later
    return PeriodFeeds(
        offers=offers_input(first=period.start - window, last=period.end),
        manual=manual_feed(period_key=period.key),
        feedback=feedback_feed(period=period),
        proposals=proposals_feed(period=period),
        params=referral_params(),
    )


def period_score_inputs(period: Period) -> ScoreInputs:
    """The engine's inputs of a run of the period beside the lake, the cards and the
    targets (`period_feeds`): what the what-if scores each period with."""
    return period_feeds(period=period).score_inputs()


def run_inputs_prepare(*, period: Period, scorecards: Path | None = None) -> RunInputs:
    """Resolve what a run reads (the current lake, the scorecards in force, the approved
    targets, the period's manual scores and offers) and write the offers file the run
    used, under its inputs digest, so that `rmperf score --offers` can replay it."""
    lake_dir = lake_current()
    if lake_dir is None:
        raise PerformanceError(_("No lake has been imported yet: run `rmperf import` first."))
    run_import = _lake_import(lake_dir)
    today = run_import.today if run_import is not None else timezone.localdate()
    cards = scorecards_current(scorecards)
    targets, targets_digest = approved_targets(year=period.start.year)
    policy_digest = json_digest({name: c.digest for name, c in sorted(cards.items())})
    tables = {name: t.digest for name, t in sorted(registered_tables(lake_dir=lake_dir).items())}
    feeds = period_feeds(period=period)
    offers, manual, params = feeds.offers, feeds.manual, feeds.params
    feedback, proposals = feeds.feedback, feeds.proposals
    # The app's feedback joins the digest only when there is some, so a period without
    # it keeps the digest it had before 360 rounds existed.
    extra = {"feedback": feedback.digest} if feedback.digest else {}
    if proposals.digest:  # likewise the proposals adopted in the app
        extra["proposals"] = proposals.digest
    if params.referral_points is not None and params.referral_points != default_points_rule():
        # Likewise a referrals policy other than the shipped one.
        extra["referral_points"] = repr(params.referral_points)
    inputs = json_digest(
        {
            **extra,
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
        feeds=feeds,
    )


def referral_params() -> IndicatorParams:
    """The indicators' parameters with the points rule of the referrals policy in force
    (the rule the points ledger pays), so the scorecard counts what the ledger paid."""
    _version, loaded = policy_in_force(PolicyKind.REFERRALS)
    return IndicatorParams(referral_points=ReferralPointsRule.from_policy(loaded.policy))


#: The engine LineScore fields a stored line keeps, in the order a result's payload lists them.
LINE_FIELDS = (
    "line", "indicator", "method", "weight", "value", "target", "target_source", "completion",
    "share", "effective_weight", "points", "used", "breach", "warning", "note",
)  # fmt: skip


def period_run(
    *, actor: Actor, key: str, scorecards: Path | None = None, backend: str = "duckdb"
) -> ScoringRun:
    """Score every RM for the period on the current lake and persist one result per RM
    with its lines. Opens the period if needed; refused once it is closed. A re-run
    replaces the results in place (same rows), and clears calibrations made on the
    results it replaces (their history stays in Calibration and the audit log)."""
    require_manager(actor)
    engine_period = parse_period(key)
    existing = PerfPeriod.objects.filter(key=engine_period.key).first()
    if existing is not None:
        refuse_closed(existing)
    inputs = run_inputs_prepare(period=engine_period, scorecards=scorecards)
    policy, policy_label = scorecards_version(path=scorecards, policy_digest=inputs.policy_digest)
    started = timezone.now()
    # The engine reads files only; it runs before the transaction so no lock is held
    # while DuckDB works.
    scored = _score(inputs, period=engine_period, backend=backend)
    with transaction.atomic(durable=True):
        period = period_get_or_open(actor, engine_period.key)
        refuse_closed(period)  # closed meanwhile
        before = period_state(period)
        known, skipped = _known_staff(scored)
        run = _run_record(
            actor=actor,
            period=period,
            inputs=inputs,
            policy=policy,
            policy_label=policy_label,
            skipped=skipped,
            started=started,
        )
        results, cleared = _results_replace(period=period, run=run, scored=scored, known=known)
        _lines_replace(period=period, results=results, scored=scored)
        units = _unit_results_replace(period=period, run=run, scored=scored)
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
                **period_state(period),
                "run_id": str(run.run_id),
                "inputs_digest": run.inputs_digest,
                "policy_versions": run.policy_versions,
                "policy": run.policy_label,
                "lake_import": run.lake_import_id,
                "results": len(results),
                "unit_results": units,
                "manual_digest": run.manual_digest,
                "manual_entries": inputs.feeds.manual.entries,
                "feedback_entries": len(inputs.feeds.feedback.rows),
                "app_proposals": len(inputs.feeds.proposals.rows),
                "skipped": len(skipped),
                "calibrations_cleared": cleared,
            },
        )
    return run


def _score(inputs: RunInputs, *, period: Period, backend: str) -> LakeScore:
    """The engine's scores for the period on the run's inputs; a refused offers input is a
    refused step (e.g. an offer of a customer the lake no longer has)."""
    extra = inputs.feeds.score_inputs()
    try:
        return score_lake(
            inputs.lake,
            period=period,
            cards=inputs.cards,
            targets=inputs.targets,
            manual=extra.manual,
            backend=backend,  # type: ignore[arg-type]
            offers=extra.offers,
            feedback=extra.feedback,
            proposals=extra.proposals,
            units=True,
            params=extra.params,
        )
    except (OffersError, ScoringError) as exc:
        # e.g. a per-person weight the card does not allow (engine scoring/weights.py)
        raise PerformanceError(str(exc)) from None


def _known_staff(scored: LakeScore) -> tuple[set[str], dict[str, str]]:
    """The scored RMs the app knows, and every RM left out with the reason: the engine's
    own skips, and RMs of the lake missing from the app's staff."""
    known = set(
        Staff.objects.filter(staff_id__in=[t.staff_id for t in scored.result.totals]).values_list(
            "staff_id", flat=True
        )
    )
    skipped = dict(scored.skipped)
    for t in scored.result.totals:
        if t.staff_id not in known:
            skipped[t.staff_id] = "not a staff member in the app (import the lake again)"
    return known, skipped


def _run_record(
    *,
    actor: Actor,
    period: PerfPeriod,
    inputs: RunInputs,
    policy: PolicyVersion | None,
    policy_label: str,
    skipped: dict[str, str],
    started: dt.datetime,
) -> ScoringRun:
    """The new run of the period, recorded with its inputs; the last one is superseded."""
    runs_supersede(ScoringRun.objects.filter(period=period))
    run: ScoringRun = run_start(
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
        manual_digest=inputs.feeds.manual.digest,
        cards=cards_snapshot(inputs.cards),
        inputs_digest=inputs.inputs_digest,
        skipped=skipped,
        started_at=started,
    )
    return run


def _results_replace(
    *, period: PerfPeriod, run: ScoringRun, scored: LakeScore, known: set[str]
) -> tuple[dict[str, RmResult], int]:
    """One result per known RM, rewritten in place (same rows) with its calibration
    cleared; RMs the lake no longer scores for the period lose their (unclosed) result.
    Returns the results by staff id and how many calibrations were cleared."""
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
    RmResult.objects.filter(pk__in=[r.pk for r in old.values()]).delete()
    return {r.staff_id: r for r in (*keep, *fresh)}, cleared


def _lines_replace(*, period: PerfPeriod, results: dict[str, RmResult], scored: LakeScore) -> None:
    """The period's lines and bonus/deduction items, replaced by the run's, at the
    columns' precision."""
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


def _unit_results_replace(*, period: PerfPeriod, run: ScoringRun, scored: LakeScore) -> int:
    """The period's unit scores (unit cards, seed 003 §五), replaced by the run's; units
    the app does not know (import the lake again) are left out. Returns how many."""
    UnitResult.objects.filter(period=period).delete()
    scores = scored.units
    if scores is None:
        return 0
    known = set(
        OrgUnit.objects.filter(unit_id__in=list(scores.units)).values_list("unit_id", flat=True)
    )
    rows = []
    for t in scores.result.totals:
        if t.staff_id not in known:
            continue
        lines = [
            {f: _line_json(getattr(ln, f)) for f in UNIT_LINE_FIELDS}
            for ln in scores.result.lines_of(t.staff_id)
        ]
        rows.append(
            UnitResult(
                period=period,
                run=run,
                unit_id=t.staff_id,
                scorecard=t.scorecard,
                policy_version=t.policy_version,
                staff_count=scores.units[t.staff_id].staff_count,
                base=t.base,
                bonus=t.bonus,
                deduction=t.deduction,
                total=t.total,
                tier=str(t.tier),
                veto=t.veto[:200],
                lines=lines,
            )
        )
    UnitResult.objects.bulk_create(rows)
    return len(rows)


#: The engine LineScore fields a stored unit line keeps (numbers as text, exact).
UNIT_LINE_FIELDS = (
    "line", "indicator", "method", "weight", "value", "target", "completion", "share",
    "effective_weight", "points", "used", "warning", "note",
)  # fmt: skip


def _line_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def values_keys() -> tuple[str, ...]:
    """The RmResult fields a run (re)writes."""
    return (
        "run", "scorecard", "policy_version", "base", "bonus", "deduction", "total", "tier",
        "rated_tier", "veto", "engine_note", "calibrated_total", "calibrated_tier",
        "calibration_reason", "calibrated_by", "calibrated_at", "digest",
    )  # fmt: skip


#: The decimal places of a stored line's numeric columns (the models' precision).
LINE_PLACES = {
    "weight": "0.0001",
    "value": "0.000001",
    "target": "0.000001",
    "completion": "0.0001",
    "share": "0.0001",
    "effective_weight": "0.0001",
    "points": "0.01",
}
#: The lengths of a stored line's text columns.
LINE_TEXT = {"line": 64, "indicator": 64, "method": 16, "target_source": 300, "note": 500}


def _fit_line(name: str, value: Any) -> Any:
    """Engine values at the columns' precision (half up, as the engine's own tables)."""
    from rmperf.engine.scoring.targets import round_half_up

    if name in LINE_PLACES:
        return None if value is None else round_half_up(Decimal(value), Decimal(LINE_PLACES[name]))
    if name in LINE_TEXT:
        return str(value or "")[: LINE_TEXT[name]]
    return bool(value)
