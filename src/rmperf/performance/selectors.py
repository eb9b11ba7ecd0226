"""Performance reads, always through restrict(): periods, results, lines, targets.

The balanced-scorecard view groups a result's lines by the indicator's BSC perspective
(financial / customer / process / learning, DOMAIN §5) from the indicator library;
time-progress (序时进度) is the engine's `Period.time_progress` beside each completion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.engine.indicators.feedback import FeedbackRow
from rmperf.engine.indicators.proposals import ProposalRow
from rmperf.engine.periods import Period
from rmperf.engine.scoring.bsc import line_perspective
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.load import Cards, load_scorecards
from rmperf.engine.scoring.policy import Scorecard
from rmperf.org.models import Staff
from rmperf.performance.models import (
    MANAGER_ROLES,
    TIER_ORDER,
    AdjustmentResult,
    Calibration,
    FeedbackEntry,
    InnovationProposal,
    LineResult,
    PerfPeriod,
    PeriodStatus,
    ProposalStatus,
    RmResult,
    RunStatus,
    ScoringRun,
    SheetStatus,
    TargetSheet,
    Tier,
    UnitResult,
)
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force

PERSPECTIVES: tuple[tuple[str, Any], ...] = (
    ("financial", _("Financial")),
    ("customer", _("Customer")),
    ("process", _("Internal process")),
    ("learning", _("Learning and growth")),
)


def period_key(text: str) -> Period:
    """The engine period of a URL's key; an unreadable key is a missing page."""
    try:
        return Period.parse(text)
    except ValueError:
        raise Http404 from None


def period_canonical(text: str) -> str:
    """The canonical key of a period typed by a person; ValueError says what is wrong."""
    return Period.parse(text).key


def periods(*, actor: Actor) -> QuerySet[PerfPeriod]:
    return PerfPeriod.objects.restrict(actor, Action.VIEW).order_by("-start", "kind")


def period_find(*, actor: Actor, key: str) -> tuple[Period, PerfPeriod | None]:
    """The engine period for `key` and its record, None while it is not open."""
    engine_period = period_key(key)
    found = periods(actor=actor).filter(key=engine_period.key).first()
    return engine_period, found


def period_last_run(*, period: PerfPeriod) -> ScoringRun | None:
    run: ScoringRun | None = (
        period.runs.filter(status=RunStatus.SUCCEEDED)
        .select_related("lake_import", "policy")
        .first()
    )
    return run


def results(*, actor: Actor, period: PerfPeriod | None) -> QuerySet[RmResult]:
    """The period's results the actor may see, best first (calibrated figures count)."""
    if period is None:
        return RmResult.objects.none()
    return (
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(period=period)
        .select_related("staff", "staff__unit", "period")
        .order_by("staff_id")
    )


def unit_results(*, actor: Actor, period: PerfPeriod | None) -> QuerySet[UnitResult]:
    """The period's unit scores (branch and line cards) the actor may see, best first."""
    if period is None:
        return UnitResult.objects.none()
    return (
        UnitResult.objects.restrict(actor, Action.VIEW)
        .filter(period=period)
        .select_related("unit")
        .order_by("-total", "unit_id")
    )


def unit_results_latest(*, actor: Actor) -> tuple[PerfPeriod | None, list[UnitResult]]:
    """The unit scores the actor may see of the latest period that has any (the manager's
    desk): the period and its rows, best first; (None, []) when there are none."""
    visible = UnitResult.objects.restrict(actor, Action.VIEW)
    latest = visible.order_by("-period__end", "-period__start").values_list("period_id", flat=True)
    period_id = latest.first()
    if period_id is None:
        return None, []
    period = PerfPeriod.objects.get(pk=period_id)
    return period, list(unit_results(actor=actor, period=period))


def ranked(rows: Sequence[RmResult]) -> list[tuple[int, RmResult]]:
    """Competition ranking on the final total (1, 2, 2, 4), ties by staff id."""
    ordered = sorted(rows, key=lambda r: (-r.final_total, r.staff_id))
    out: list[tuple[int, RmResult]] = []
    for i, r in enumerate(ordered):
        rank = out[-1][0] if out and out[-1][1].final_total == r.final_total else i + 1
        out.append((rank, r))
    return out


def tier_counts(
    *, period: PerfPeriod, rows: Sequence[RmResult] | None = None
) -> list[tuple[str, str, int]]:
    """(tier, label, RMs) best first, on the final (calibrated) tiers."""
    source = rows if rows is not None else list(RmResult.objects.filter(period=period))
    labels = dict(Tier.choices)
    counts = {t: 0 for t in TIER_ORDER}
    for r in source:
        counts[r.final_tier] += 1
    return [(t, str(labels[t]), counts[t]) for t in TIER_ORDER]


@dataclass(frozen=True)
class Guidance:
    """A scorecard's forced-distribution cap (DOMAIN §5) beside the period's final tiers,
    counted over every RM on the card (its peer group), whatever the reader's scope."""

    scorecard: str
    tier: str
    tier_label: str
    max_share: Decimal
    rms: int
    allowed: int
    actual: int

    @property
    def over(self) -> bool:
        return self.actual > self.allowed


def scorecards_current(path: Path | None = None) -> Cards:
    """The scorecards a run uses: `path` (a YAML file or folder, the CLI's `--scorecard`),
    else the active scorecard set of the policies app (the shipped cards until a bank
    approves and activates its own)."""
    if path is not None:
        return load_scorecards(path, library=default_library())
    _version, cards = policy_in_force(PolicyKind.SCORECARDS)
    found: Cards = cards
    return found


def run_cards(run: ScoringRun | None) -> dict[str, Scorecard] | None:
    """The scorecards a run used, as the run stored them; None for a run made before
    runs stored their cards (its cards are then unknown, not today's files)."""
    if run is None or not run.cards:
        return None
    return {name: Scorecard.model_validate(c["policy"]) for name, c in run.cards.items()}


def distribution_guidance(
    *, period: PerfPeriod | None, cards_shown: set[str], last_run: ScoringRun | None = None
) -> list[Guidance]:
    """For the cards of the shown results: each tier cap, how many it allows, how many hold
    that tier after calibration. Counts only, no names (the cap spans the whole card).
    The caps are those of the cards the period's last run used (stored with the run);
    `last_run`: that run, when the caller has read it already."""
    from rmperf.engine.scoring.score import allowed_count

    if period is None or not cards_shown:
        return []
    cards = run_cards(last_run if last_run is not None else period_last_run(period=period))
    if cards is None:
        return []
    labels = dict(Tier.choices)
    everyone = list(
        RmResult.objects.filter(period=period).only("scorecard", "tier", "calibrated_tier")
    )
    out = []
    for name in sorted(cards_shown):
        card = cards.get(name)
        fd = card.rating.forced_distribution if card is not None else None
        if fd is None:
            continue
        on_card = [r for r in everyone if r.scorecard == name]
        for cap in fd.caps:
            tier = str(cap.tier)
            out.append(
                Guidance(
                    scorecard=name,
                    tier=tier,
                    tier_label=str(labels[tier]),
                    max_share=cap.max_share,
                    rms=len(on_card),
                    allowed=allowed_count(len(on_card), cap.max_share, fd.count_rounding),
                    actual=sum(1 for r in on_card if r.final_tier == tier),
                )
            )
    return out


def result_get(*, actor: Actor, period: PerfPeriod, staff_id: str) -> RmResult | None:
    found: RmResult | None = results(actor=actor, period=period).filter(staff_id=staff_id).first()
    return found


def trend(*, actor: Actor, staff: Staff, period: Period, limit: int = 8) -> list[RmResult]:
    """The RM's results in periods of the same kind up to this one, oldest first."""
    rows = (
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(staff=staff, period__kind=str(period.kind), period__start__lte=period.start)
        .select_related("period")
        .order_by("-period__start")[:limit]
    )
    return list(reversed(rows))


def staff_visible(*, actor: Actor, staff_id: str) -> Staff:
    """An RM the actor may see (themself, or one in their subtree for managers), else 404."""
    staff: Staff | None = (
        Staff.objects.restrict(actor, Action.VIEW)
        .filter(staff_id=staff_id, role="rm")
        .select_related("unit")
        .first()
    )
    scope = scope_of(actor)
    # Tellers and wealth managers see the branch's staff list, not their ratings.
    if staff is None or scope is None:
        raise Http404
    if scope.unit_path is not None and scope.role not in MANAGER_ROLES:
        raise Http404
    return staff


def calibrations(*, actor: Actor, period: PerfPeriod, staff_id: str) -> QuerySet[Calibration]:
    return (
        Calibration.objects.restrict(actor, Action.VIEW)
        .filter(period=period, staff_id=staff_id)
        .order_by("at", "pk")
    )


@dataclass
class LineView:
    """A line as the score page shows it: the stored figures, names and time-progress."""

    line: LineResult
    name: str
    unit: str
    perspective: str
    expected: Decimal | None
    bar: int  # completion as a percentage for the bar, 0–150

    @property
    def behind(self) -> bool:
        c = self.line.completion
        return self.expected is not None and c is not None and c < self.expected


def _name(indicator: str, language: str) -> tuple[str, str, str]:
    info = default_library().get(indicator)
    if info is None:
        return indicator, "", ""
    name = info.name_zh if language.startswith("zh") else info.name_en
    return name, info.unit, str(getattr(info, "perspective", ""))


def indicator_label(indicator: str, *, language: str) -> str:
    """An indicator's name in `language`, or its id when the library has none."""
    return _name(indicator, language)[0]


def indicator_unit(indicator: str) -> str:
    """An indicator's unit (CNY, ratio, count, hours, …), or "" when the library has none."""
    return _name(indicator, "en")[1]


def scorecard_names() -> dict[str, tuple[str, str]]:
    """Each scorecard in force by name: (name in Chinese, name in English)."""
    return {
        name: (card.policy.names.zh, card.policy.names.en)
        for name, card in scorecards_current().items()
    }


def line_views(
    *, actor: Actor, result: RmResult, engine_period: Period, today: dt.date, language: str
) -> list[LineView]:
    """The result's lines with time-progress at `today` (shown on lines with a target)."""
    expected = engine_period.time_progress(today)
    out = []
    lines = LineResult.objects.restrict(actor, Action.VIEW).filter(result=result)
    for ln in lines.order_by("position"):
        name, unit, perspective = _name(ln.indicator, language)
        pct = int((ln.completion or Decimal(0)) * 100)
        out.append(
            LineView(
                line=ln,
                name=name,
                unit=unit,
                perspective=perspective,
                expected=expected if ln.target is not None else None,
                bar=max(0, min(150, pct)),
            )
        )
    return out


def indicator_choices(*, language: str) -> list[tuple[str, str]]:
    """(id, name) of every indicator of the library, for a target sheet's form."""
    return sorted(
        (i.id, i.name_zh if language.startswith("zh") else i.name_en)
        for i in default_library().values()
    )


#: How many of the rows behind a line the score page lists.
ROWS_SHOWN = 50


@dataclass(frozen=True)
class LineRows:
    """The rows behind one line (or bonus/deduction item) of a stored result, read again
    from the lake the result was computed from; `problem` says why they cannot be."""

    indicator: str
    info: Any
    table: Any  # pyarrow.Table of the engine's ROWS_SCHEMA, None with a problem
    problem: str = ""


def line_rows(
    *, result: RmResult, indicator: str, engine_period: Period, today: dt.date
) -> LineRows | None:
    """The rows behind one line's value (engine `indicator_rows`) on the lake the result
    was computed from, in the engine's order. None when the result has no such computed
    line or item. `today` stands in for the lake's own date when the run recorded no
    import."""
    from rmperf.engine.indicators import LIBRARY, indicator_rows
    from rmperf.engine.lake import Lake
    from rmperf.recommend.services import run_offers_load

    behind = result.lines.filter(indicator=indicator).exclude(method="manual").exists()
    if not behind and not result.adjustments.filter(indicator=indicator).exists():
        return None
    info = default_library().get(indicator)
    run = result.run
    lake_dir = Path(run.lake_path)
    if not lake_dir.is_dir():
        problem = gettext("The lake this result was computed from is no longer there.")
        return LineRows(indicator, info, None, problem)
    lake_today = run.lake_import.today if run.lake_import is not None else today
    offers = None
    if LIBRARY[indicator].offers:  # offers live in the app: the run kept the ones it used
        offers = run_offers_load(run.inputs_digest)
        if offers is None:
            problem = gettext("The offers this result was computed from are no longer there.")
            return LineRows(indicator, info, None, problem)
    table = indicator_rows(
        Lake(lake_dir, today=lake_today),
        period=engine_period,
        staff_id=result.staff_id,
        indicator=indicator,
        offers=offers,
    )
    return LineRows(indicator, info, table)


def line_why(
    *, result: RmResult, indicator: str, engine_period: Period, today: dt.date
) -> dict[str, Any] | None:
    """The rows behind one line's value (`line_rows`), flagged rows first, then the rows
    that moved the value most (the engine's `row_weight`), at most ROWS_SHOWN of them.
    None when the result has no such computed line or item; `problem` says why the rows
    cannot be read any more."""
    from rmperf.engine.scoring.explain import row_weight

    found = line_rows(result=result, indicator=indicator, engine_period=engine_period, today=today)
    if found is None:
        return None
    out: dict[str, Any] = {"indicator": indicator, "info": found.info, "rows": [], "total": 0}
    if found.table is None:
        out["problem"] = found.problem
        return out
    rows = found.table.to_pylist()
    rows.sort(key=row_weight)
    out.update(rows=rows[:ROWS_SHOWN], total=len(rows), columns=found.table.column_names)
    return out


def result_explanation(
    *,
    result: RmResult,
    lines: Sequence[LineView],
    adjustments: Sequence[AdjustmentResult],
    rows: dict[str, Any] | None = None,
) -> str:
    """The engine's plain-text explanation (`explain_text`) of a stored result: its rows
    translated back into the engine's RmScore, LineScore and AdjustmentScore values;
    `rows` (indicator → the rows behind it) lists the top rows under those lines."""
    from rmperf.engine.scoring.explain import explain_text
    from rmperf.engine.scoring.policy import Tier as EngineTier
    from rmperf.engine.scoring.score import AdjustmentScore, LineScore, RmScore, ScoreResult

    total = RmScore(
        staff_id=result.staff_id,
        scorecard=result.scorecard,
        policy_version=result.policy_version,
        period=result.period.key,
        base=result.base,
        bonus=result.bonus,
        deduction=result.deduction,
        total=result.total,
        tier=EngineTier(result.tier),
        rated_tier=EngineTier(result.rated_tier),
        veto=result.veto,
        demoted=result.tier != result.rated_tier,
        reason=result.engine_note,
        lines_used=sum(1 for v in lines if v.line.used),
        lines_unused=sum(1 for v in lines if not v.line.used),
    )
    scores = tuple(
        LineScore(
            staff_id=result.staff_id,
            scorecard=result.scorecard,
            line=v.line.line,
            indicator=v.line.indicator,
            method=v.line.method,
            weight=v.line.weight,
            value=v.line.value,
            target=v.line.target,
            target_source=v.line.target_source,
            completion=v.line.completion,
            share=v.line.share,
            effective_weight=v.line.effective_weight,
            points=v.line.points,
            used=v.line.used,
            breach=v.line.breach,
            warning=v.line.warning,
            note=v.line.note,
        )
        for v in lines
    )
    items = tuple(
        AdjustmentScore(
            staff_id=result.staff_id,
            scorecard=result.scorecard,
            item=a.item,
            kind=a.kind,
            value=a.value,
            points=a.points,
            indicator=a.indicator,
        )
        for a in adjustments
    )
    return explain_text(ScoreResult((total,), scores, items), result.staff_id, rows=rows)


@dataclass
class PerspectiveGroup:
    key: str
    label: str
    weight: Decimal = Decimal(0)
    points: Decimal = Decimal(0)
    lines: list[str] = field(default_factory=list)

    @property
    def share(self) -> Decimal | None:
        """Points earned of the weight available, 4 places."""
        if not self.weight:
            return None
        return (self.points / self.weight).quantize(Decimal("0.0001"))


def bsc_groups(*, actor: Actor, rows: Sequence[RmResult], language: str) -> list[PerspectiveGroup]:
    """Effective weight and points per BSC perspective, averaged over the shown results.

    Each RM's card weighs 100, so the averages read like one card: a branch's
    financial perspective at weight 52.6 and 47.2 points earned, not a sum over RMs.
    """
    groups = {k: PerspectiveGroup(k, str(label)) for k, label in PERSPECTIVES}
    lines = LineResult.objects.restrict(actor, Action.VIEW).filter(
        result__in=[r.pk for r in rows], used=True
    )
    # The perspective: the card's own mapping, else the indicator's, else a manual line's
    # category (engine scoring/bsc.py), with the cards the results' runs stored.
    runs = {r.run_id for r in rows}
    stored = {run.pk: run_cards(run) or {} for run in ScoringRun.objects.filter(pk__in=runs)}
    card_of = {r.pk: stored.get(r.run_id, {}).get(r.scorecard) for r in rows}
    library = default_library()
    for ln in lines.only("result_id", "line", "indicator", "effective_weight", "points"):
        name, _unit, _own = _name(ln.indicator, language)
        perspective = line_perspective(card_of.get(ln.result_id), ln.line, ln.indicator, library)
        group = groups.get(perspective)
        if group is None:
            continue
        group.weight += ln.effective_weight or Decimal(0)
        group.points += ln.points or Decimal(0)
        if name not in group.lines:
            group.lines.append(name)
    if len(rows) > 1:
        n = Decimal(len(rows))
        for group in groups.values():
            group.weight /= n
            group.points /= n
    return list(groups.values())


def target_sheet(*, actor: Actor, staff: Staff, year: int) -> TargetSheet | None:
    found: TargetSheet | None = (
        TargetSheet.objects.restrict(actor, Action.VIEW)
        .filter(staff=staff, year=year)
        .select_related("proposed_by", "approved_by")
        .first()
    )
    return found


@dataclass
class TargetProgress:
    """One target line for today: the year's and quarter's targets, expected and actual."""

    indicator: str
    name: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal]
    quarter_key: str
    quarter_target: Decimal
    expected: Decimal
    actual: Decimal | None
    completion: Decimal | None

    @property
    def behind(self) -> bool:
        return self.completion is not None and self.completion < self.expected


def target_progress(
    *, actor: Actor, sheet: TargetSheet, today: dt.date, language: str
) -> list[TargetProgress]:
    """序时进度 of each line in today's quarter: the elapsed share of the quarter beside the
    completion of the quarter's latest stored result (value ÷ the sheet's quarter target)."""
    from rmperf.engine.periods import PeriodKind

    day = min(max(today, dt.date(sheet.year, 1, 1)), dt.date(sheet.year, 12, 31))
    quarter = Period.containing(day, PeriodKind.QUARTER)
    expected = quarter.time_progress(today)
    actuals: dict[str, Decimal | None] = {}
    result = (
        RmResult.objects.restrict(actor, Action.VIEW)
        .filter(period__key=quarter.key, staff=sheet.staff)
        .first()
    )
    if result is not None:
        for ln in result.lines.all():
            actuals[ln.indicator] = ln.value
    out = []
    q_index = (quarter.start.month - 1) // 3
    for ln in sheet.lines.order_by("indicator"):
        name, _unit, _p = _name(ln.indicator, language)
        target = ln.quarters[q_index]
        actual = actuals.get(ln.indicator)
        completion = (
            (actual / target).quantize(Decimal("0.0001")) if actual is not None and target else None
        )
        out.append(
            TargetProgress(
                indicator=ln.indicator,
                name=name,
                annual=ln.annual,
                quarters=ln.quarters,
                quarter_key=quarter.key,
                quarter_target=target,
                expected=expected,
                actual=actual,
                completion=completion,
            )
        )
    return out


def may_see_scorecard(*, actor: Actor, staff: Staff) -> bool:
    try:
        staff_visible(actor=actor, staff_id=staff.staff_id)
    except Http404:
        return False
    return True


@dataclass(frozen=True)
class MissingManual:
    """A manual line of a result that had no score: left out (weights renormalised) or
    counted as 0, as the card's `when_undefined` says."""

    line: str
    key: str
    kind_label: str
    counted_as_zero: bool


def manual_missing(*, result: RmResult | None, lines: Sequence[LineResult]) -> list[MissingManual]:
    """The manual inputs the run had no score for (the score page names them)."""
    from rmperf.performance.models import ManualKind, manual_kind

    if result is None:
        return []
    return [
        MissingManual(
            line=ln.line,
            key=ln.indicator,
            kind_label=str(ManualKind(manual_kind(ln.indicator)).label),
            counted_as_zero=ln.used,
        )
        for ln in lines
        if ln.method == "manual" and ln.value is None
    ]


@dataclass(frozen=True)
class SnapshotRow:
    """One RM's result as it was closed, beside the result now."""

    staff_id: str
    total: str
    tier: str
    final_total: str
    final_tier: str
    now_total: Decimal | None
    now_tier: str | None

    @property
    def final_tier_label(self) -> str:
        return str(dict(Tier.choices).get(self.final_tier, self.final_tier))

    @property
    def now_tier_label(self) -> str:
        return str(dict(Tier.choices).get(self.now_tier or "", self.now_tier or ""))

    @property
    def changed(self) -> bool:
        return self.now_total is None or (
            Decimal(self.final_total) != self.now_total or self.final_tier != self.now_tier
        )


@dataclass(frozen=True)
class HistoryEntry:
    """A close or a reopening of the period; a reopening carries the results as closed
    (only the rows the reader may see)."""

    entry: Any
    rows: list[SnapshotRow]


def period_history(
    *, actor: Actor, period: PerfPeriod | None, current: Sequence[RmResult] | None = None
) -> list[HistoryEntry]:
    """The period's closes and reopenings, oldest first, with the before/after results.
    `current`: the period's results the actor may see, when the caller has read them."""
    from rmperf.performance.models import ChainEntry

    if period is None:
        return []
    entries = list(ChainEntry.objects.restrict(actor, Action.VIEW).filter(period=period))
    if not entries:
        return []
    now = {
        r.staff_id: r
        for r in (current if current is not None else results(actor=actor, period=period))
    }
    visible = set(now)
    scope = scope_of(actor)
    wanted: set[str] = set()
    for e in entries:
        wanted.update((e.snapshot or {}).get("results", {}))
    if scope is not None and (scope.unit_path is None or scope.role in MANAGER_ROLES):
        # RMs no longer scored still count when the reader may see them.
        visible |= set(
            Staff.objects.restrict(actor, Action.VIEW)
            .filter(staff_id__in=sorted(wanted))
            .values_list("staff_id", flat=True)
        )
    out = []
    for e in entries:
        rows = []
        for staff_id, p in sorted((e.snapshot or {}).get("results", {}).items()):
            if staff_id not in visible:
                continue
            cur = now.get(staff_id)
            final_tier = p["calibrated_tier"] or p["tier"]
            rows.append(
                SnapshotRow(
                    staff_id=staff_id,
                    total=p["total"],
                    tier=p["tier"],
                    final_total=p["calibrated_total"] or p["total"],
                    final_tier=final_tier,
                    now_total=cur.final_total if cur is not None else None,
                    now_tier=cur.final_tier if cur is not None else None,
                )
            )
        out.append(HistoryEntry(entry=e, rows=rows))
    return out


@dataclass(frozen=True)
class Reopening:
    """A reopening of the period, with one RM's result as it had been closed (None when
    the RM was not scored then, or the reader may not see the row)."""

    entry: Any
    row: SnapshotRow | None


def reopenings_for(*, actor: Actor, period: PerfPeriod | None, staff_id: str) -> list[Reopening]:
    """The period's reopenings, oldest first, each with `staff_id`'s result as closed."""
    from rmperf.performance.models import ChainKind

    return [
        Reopening(entry=h.entry, row=next((r for r in h.rows if r.staff_id == staff_id), None))
        for h in period_history(actor=actor, period=period)
        if h.entry.kind == ChainKind.REOPEN
    ]


def latest_scored_quarter(*, actor: Actor, today: dt.date) -> PerfPeriod | None:
    """The newest quarter started by `today` that has a succeeded scoring run."""
    from rmperf.performance.models import PeriodKind

    found: PerfPeriod | None = (
        periods(actor=actor)
        .filter(kind=PeriodKind.QUARTER, start__lte=today, runs__status=RunStatus.SUCCEEDED)
        .distinct()
        .order_by("-start")
        .first()
    )
    return found


@dataclass(frozen=True)
class QuarterLines:
    """One RM's lines with a target in the latest scored quarter, with its time-progress."""

    period: PerfPeriod | None
    expected: Decimal | None
    lines: list[LineView]


def quarter_lines(*, actor: Actor, staff: Staff, today: dt.date, language: str) -> QuarterLines:
    """The scorecard's targets of `staff`'s latest scored quarter beside 序时进度 (what an
    RM without a target sheet of the year measures progress against)."""
    period = latest_scored_quarter(actor=actor, today=today)
    if period is None:
        return QuarterLines(period=None, expected=None, lines=[])
    result = results(actor=actor, period=period).filter(staff=staff).first()
    engine_period = Period.parse(period.key)
    if result is None:
        return QuarterLines(period=period, expected=None, lines=[])
    views = line_views(
        actor=actor, result=result, engine_period=engine_period, today=today, language=language
    )
    return QuarterLines(
        period=period,
        expected=engine_period.time_progress(today),
        lines=[v for v in views if v.line.target is not None],
    )


@dataclass(frozen=True)
class TeamRow:
    """One RM of a manager's team in the latest scored quarter: the result with its rank
    among the rows shown, and how many target lines are below the time-progress."""

    rank: int
    result: RmResult
    behind: int
    with_target: int


@dataclass(frozen=True)
class TeamBoard:
    """The latest scored quarter up to today (None when none was scored), its time-progress
    today (序时进度, 1 once the quarter is over) and the RMs' rows, best first."""

    period: PerfPeriod | None
    expected: Decimal | None
    rows: list[TeamRow]


def team_board(*, actor: Actor, today: dt.date) -> TeamBoard:
    """The team's quarter: the newest quarter started by `today` with a succeeded run, the
    results in the actor's scope ranked on the final total, lines behind counted per RM."""
    period = latest_scored_quarter(actor=actor, today=today)
    if period is None:
        return TeamBoard(period=None, expected=None, rows=[])
    expected = Period.parse(period.key).time_progress(today)
    rows = list(results(actor=actor, period=period))
    behind: dict[int, int] = {}
    with_target: dict[int, int] = {}
    lines = LineResult.objects.restrict(actor, Action.VIEW).filter(
        result__in=[r.pk for r in rows], target__isnull=False, completion__isnull=False
    )
    for result_id, completion in lines.values_list("result_id", "completion"):
        with_target[result_id] = with_target.get(result_id, 0) + 1
        if completion < expected:
            behind[result_id] = behind.get(result_id, 0) + 1
    return TeamBoard(
        period=period,
        expected=expected,
        rows=[
            TeamRow(
                rank=rank,
                result=r,
                behind=behind.get(r.pk, 0),
                with_target=with_target.get(r.pk, 0),
            )
            for rank, r in ranked(rows)
        ],
    )


def target_sheets_waiting(*, actor: Actor) -> QuerySet[TargetSheet]:
    """Proposed target sheets in the actor's scope that someone else proposed (the ones
    the actor could approve, maker-checker), and mid-year changes approved once by
    someone else (waiting for a second approver), oldest proposal first."""
    qs = TargetSheet.objects.restrict(actor, Action.VIEW).filter(
        status__in=(SheetStatus.PROPOSED, SheetStatus.CHECKED)
    )
    if getattr(actor, "is_authenticated", False):
        qs = qs.exclude(proposed_by=actor).exclude(checked_by=actor)
    return qs.select_related("staff").order_by("proposed_at", "staff_id")


def periods_to_calibrate(*, actor: Actor) -> list[tuple[PerfPeriod, int]]:
    """Computed periods (a run done, the ratings not yet confirmed) with how many results
    in the actor's scope wait for calibration, oldest first; periods with none left out."""
    out = []
    for period in periods(actor=actor).filter(status=PeriodStatus.COMPUTED).order_by("start"):
        n = results(actor=actor, period=period).count()
        if n:
            out.append((period, n))
    return out


@dataclass(frozen=True)
class FeedbackFeed:
    """The 360 feedback entries recorded in the app that a run hands the engine beside
    the lake's `feedback` rows, and their digest (empty when there are none, so a period
    without them keeps the inputs digest it had before they existed)."""

    rows: tuple[FeedbackRow, ...]
    digest: str


def feedback_feed(*, period: Period) -> FeedbackFeed:
    """The entries dated in the period (a run's input; no actor: the run is the system)."""
    entries = FeedbackEntry.objects.filter(date__gte=period.start, date__lte=period.end).order_by(
        "date", "staff_id", "kind", "score", "source"
    )
    rows = tuple(FeedbackRow(e.staff_id, e.date, e.kind, Decimal(e.score)) for e in entries)
    if not rows:
        return FeedbackFeed((), "")
    canonical = [[r.staff_id, r.date.isoformat(), r.kind, f"{r.score:.2f}"] for r in rows]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return FeedbackFeed(rows, hashlib.sha256(text.encode()).hexdigest())


@dataclass(frozen=True)
class ProposalsFeed:
    """The proposals adopted in the app that a run hands the engine beside the lake's
    `proposals` rows, and their digest (empty when there are none, so a period without
    them keeps the inputs digest it had before)."""

    rows: tuple[ProposalRow, ...]
    digest: str


def proposals_feed(*, period: Period) -> ProposalsFeed:
    """The proposals adopted on a day of the period (local date of the decision); a run's
    input, no actor: the run is the system."""
    adopted = (
        InnovationProposal.objects.filter(status=ProposalStatus.ADOPTED)
        .filter(decided_at__date__gte=period.start - dt.timedelta(days=1))
        .filter(decided_at__date__lte=period.end + dt.timedelta(days=1))
        .order_by("pk")
    )
    rows = []
    for p in adopted:
        if p.decided_at is None or p.reviewer_id is None:  # a db constraint forbids it
            continue
        day = timezone.localdate(p.decided_at)
        if period.start <= day <= period.end:
            rows.append(ProposalRow(p.proposal_id, p.staff_id, day, p.reviewer_id, p.title))
    if not rows:
        return ProposalsFeed((), "")
    canonical = [[r.proposal_id, r.staff_id, r.adopted_on.isoformat(), r.reviewer_id] for r in rows]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return ProposalsFeed(tuple(rows), hashlib.sha256(text.encode()).hexdigest())
