"""Scoring: a pure function of (indicator values, scorecards, targets, manual scores).

A line's weight is the card's, or the RM's own from the target sheet's `weight` column
when the card's `weight_range` allows it (checked first, `weights.py`; a weight the card
does not allow stops the scoring with a `WeightError` naming the sheet's line).

Steps, each rounded half up (ROUND_HALF_UP) where stated:
1. completion (ratio; bands on completion) = value / target, or target / value when
   lower is better, to 4 places; a ratio line's share is the completion clamped to
   [floor, cap]. Target 0: a value above 0 (higher is better) or 0 (lower is better)
   meets it fully (share = cap, resp. 1 when both are 0); see docs/scorecards.md.
2. share of rank, percentile, deduction and manual lines, to 4 places.
3. a line whose indicator is undefined for the RM (no loans, no requests …) is unused,
   unless the line says `when_undefined: zero`; the used lines' effective weights are
   weight × 100 / (sum of used weights), to 4 places, so they again add up to 100.
4. line points = effective weight × share, to the cent (0.01).
5. base = the sum of line points, at most 100 (over-achievement on one line makes up
   for another, never beyond 100).
6. each adjustment item = value × per_unit, at most its max, to the cent; bonus =
   min(sum of bonus items, bonus cap); deduction = sum of deduction items, at most the
   deduction cap.
7. total = max(0, base + bonus − deduction); a veto breach then zeroes it or caps it.
8. tier from the rating bands; then the optional forced distribution.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy, PolicyIssue
from rmperf.engine.scoring.library import Library
from rmperf.engine.scoring.policy import (
    TIER_ORDER,
    AnyLine,
    Band,
    BandsLine,
    DeductionLine,
    ManualLine,
    PeerGroup,
    PercentileLine,
    RankLine,
    RatioLine,
    Scorecard,
    TargetBasis,
    TargetSpec,
    Tier,
    Undefined,
    VetoLine,
)
from rmperf.engine.scoring.rules import line_direction
from rmperf.engine.scoring.targets import (
    CENT,
    EMPTY_SHEET,
    RATE,
    TargetSheet,
    joiner_factor,
    resolve_target,
    round_half_up,
)
from rmperf.engine.scoring.weights import check_weights

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)

Values = Mapping[tuple[str, str], Decimal | None]


@dataclass(frozen=True)
class StaffInfo:
    """What scoring needs about a person: peers (team, branch), start date, business line."""

    staff_id: str
    team: str | None = None
    branch: str | None = None
    hired_on: dt.date | None = None
    business_line: str | None = None
    business_line_source: str = ""
    # (unit_id, kind) from the RM's own unit up to the root of the org tree; empty when
    # unknown, and then a team's next level up is `branch` and a branch's is the bank.
    org_path: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ManualScores:
    """Qualitative scores 0–100 keyed by (staff_id, key), e.g. the self-review panel."""

    scores: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    source: str = "<manual>"


@dataclass(frozen=True)
class LineScore:
    """One line of one RM's card: what went in, what came out, and why."""

    staff_id: str
    scorecard: str
    line: str
    indicator: str
    method: str
    weight: Decimal
    value: Decimal | None
    target: Decimal | None = None
    target_source: str = ""
    completion: Decimal | None = None
    share: Decimal | None = None
    effective_weight: Decimal | None = None
    points: Decimal | None = None
    used: bool = True
    breach: bool = False
    warning: bool = False
    note: str = ""


@dataclass(frozen=True)
class AdjustmentScore:
    """One bonus or deduction item of one RM: the value it read and the points it gave."""

    staff_id: str
    scorecard: str
    item: str
    kind: str
    value: Decimal | None
    points: Decimal
    indicator: str = ""


@dataclass(frozen=True)
class RmScore:
    """One RM's result for the period."""

    staff_id: str
    scorecard: str
    policy_version: str
    period: str
    base: Decimal
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    tier: Tier
    rated_tier: Tier
    veto: str = ""
    demoted: bool = False
    reason: str = ""
    lines_used: int = 0
    lines_unused: int = 0


@dataclass(frozen=True)
class ScoreResult:
    totals: tuple[RmScore, ...]
    lines: tuple[LineScore, ...]
    adjustments: tuple[AdjustmentScore, ...] = ()

    def total_of(self, staff_id: str) -> RmScore:
        for t in self.totals:
            if t.staff_id == staff_id:
                return t
        raise KeyError(staff_id)

    def lines_of(self, staff_id: str) -> list[LineScore]:
        return [ln for ln in self.lines if ln.staff_id == staff_id]


class ScoringError(ValueError):
    """Inputs that cannot be scored (a missing target, peers without an org unit …)."""


class WeightError(ScoringError):
    """Per-person weights of the target sheet that the cards do not allow (`weights.py`)."""

    def __init__(self, issues: Sequence[PolicyIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def values_from_table(table: pa.Table) -> dict[tuple[str, str], Decimal | None]:
    """An indicator-values table (staff_id, indicator, value) as a lookup."""
    out: dict[tuple[str, str], Decimal | None] = {}
    staff = table.column("staff_id").to_pylist()
    ind = table.column("indicator").to_pylist()
    vals = table.column("value").to_pylist()
    for s, i, v in zip(staff, ind, vals, strict=True):
        out[(s, i)] = None if v is None else Decimal(v)
    return out


# -- per-line arithmetic -------------------------------------------------------------------


def clamp(x: Decimal, lo: Decimal, hi: Decimal) -> Decimal:
    return max(lo, min(hi, x))


def completion(value: Decimal, target: Decimal, *, higher: bool, cap: Decimal) -> Decimal:
    """value / target (higher is better) or target / value (lower), half up to 4 places.

    A zero denominator means the target is beaten without limit: `cap` (or 1 when value
    and target are both 0).
    """
    if higher:
        if target == 0:
            result = cap if value > 0 else (ONE if value == 0 else ZERO)
        else:
            result = value / target
    elif value <= 0:
        result = ONE if target == 0 else cap
    else:
        result = target / value
    result = round_half_up(result, RATE)
    return abs(result) if result.is_zero() else result


def band_share(bands: Sequence[Band], x: Decimal) -> Decimal:
    """The share of the band holding x (min inclusive, max exclusive)."""
    for band in bands:
        if (band.min is None or x >= band.min) and (band.max is None or x < band.max):
            return band.share
    raise ScoringError(f"{x} falls in no band")


def rank_share(
    value: Decimal, peers: Sequence[Decimal], *, higher: bool, floor: Decimal
) -> tuple[Decimal, int]:
    """Competition rank (1 = best, ties share the best rank: 1, 2, 2, 4) and its share.

    share = 1 − (rank − 1) / (n − 1) × (1 − min_share); alone in the group: 1.
    """
    better = sum(1 for p in peers if (p > value if higher else p < value))
    rank = better + 1
    n = len(peers)
    if n <= 1:
        return ONE, rank
    share = ONE - Decimal(rank - 1) / Decimal(n - 1) * (ONE - floor)
    return round_half_up(share, RATE), rank


def percentile(value: Decimal, peers: Sequence[Decimal], *, higher: bool) -> Decimal:
    """(peers strictly worse + ½ × other peers tied) / (n − 1), half up to 4 places."""
    n = len(peers)
    if n <= 1:
        return ONE
    worse = sum(1 for p in peers if (p < value if higher else p > value))
    tied_others = sum(1 for p in peers if p == value) - 1
    return round_half_up((Decimal(worse) + Decimal(tied_others) / 2) / Decimal(n - 1), RATE)


# -- the scorer ----------------------------------------------------------------------------


def _source_key(line: AnyLine) -> str:
    return line.manual if isinstance(line, ManualLine) else (line.indicator or "")


def _peer_key(group: PeerGroup, card: str, info: StaffInfo | None) -> str:
    match group:
        case PeerGroup.SCORECARD:
            return card
        case PeerGroup.TEAM:
            if info is None or info.team is None:
                raise ScoringError("a team peer group needs each RM's team")
            return info.team
        case PeerGroup.BRANCH:
            if info is None or info.branch is None:
                raise ScoringError("a branch peer group needs each RM's branch")
            return info.branch


@dataclass
class _Context:
    card: Scorecard
    card_name: str
    version: str
    period: Period
    values: Values
    sheet: TargetSheet
    manual: ManualScores
    staff: Mapping[str, StaffInfo]
    library: Library
    peer_values: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)
    #: (staff_id, line key) → the person's weight (the sheet's, else the card's).
    weights: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def weight(self, staff_id: str, line: AnyLine) -> Decimal:
        return self.weights.get((staff_id, line.key), line.weight)

    def value(self, staff_id: str, line: AnyLine) -> Decimal | None:
        if isinstance(line, ManualLine):
            return self.manual.scores.get((staff_id, line.manual))
        return self.values.get((staff_id, line.indicator or ""))

    def target(self, staff_id: str, line: AnyLine, spec: TargetSpec) -> tuple[Decimal, str]:
        try:
            target, origin = resolve_target(
                spec,
                sheet=self.sheet,
                staff_id=staff_id,
                indicator=_source_key(line),
                period=self.period,
            )
        except ValueError as exc:
            raise ScoringError(str(exc)) from None
        info = self.staff.get(staff_id)
        if spec.basis is TargetBasis.ANNUAL and self.card.prorate_joiners and info is not None:
            factor = joiner_factor(self.period, info.hired_on)
            if factor != ONE:
                target = round_half_up(target * factor, CENT)
                origin = f"{origin} × {factor} (joined {info.hired_on})"
        return target, origin


def _score_line(ctx: _Context, staff_id: str, line: AnyLine) -> LineScore:
    scored = _score_line_raw(ctx, staff_id, line)
    if scored.share is None:
        return scored
    return replace(scored, share=round_half_up(scored.share, RATE))


def _score_line_raw(ctx: _Context, staff_id: str, line: AnyLine) -> LineScore:
    higher = line_direction(line, ctx.library) == "higher"
    value = ctx.value(staff_id, line)
    weight = ctx.weight(staff_id, line)
    base = LineScore(
        staff_id=staff_id,
        scorecard=ctx.card_name,
        line=line.key,
        indicator=_source_key(line),
        method=line.method,
        weight=weight,
        value=value,
    )
    if value is None:
        if line.when_undefined is Undefined.ZERO:
            return replace(base, share=ZERO, note="undefined for this RM: counts as 0")
        return replace(base, used=False, note="undefined for this RM: weight re-normalised")
    warning = line.warning is not None and line.warning.holds(value)
    base = replace(base, warning=warning)
    if warning and line.warning is not None:
        base = replace(base, note=f"warning: value {line.warning}")
    match line:
        case RatioLine():
            target, origin = ctx.target(staff_id, line, line.target)
            comp = completion(value, target, higher=higher, cap=line.cap)
            share = clamp(comp, line.floor, line.cap)
            return replace(base, target=target, target_source=origin, completion=comp, share=share)
        case BandsLine():
            if line.basis == "completion":
                if line.target is None:  # pragma: no cover - rule params_consistent
                    raise ScoringError(f"{line.key}: bands on completion need a target")
                target, origin = ctx.target(staff_id, line, line.target)
                top = max((b.min for b in line.bands if b.min is not None), default=ONE)
                comp = completion(value, target, higher=higher, cap=max(top, ONE))
                return replace(
                    base,
                    target=target,
                    target_source=origin,
                    completion=comp,
                    share=band_share(line.bands, comp),
                )
            return replace(base, share=band_share(line.bands, value))
        case DeductionLine():
            if weight == 0:
                return replace(base, share=ZERO)
            kept = max(line.floor, weight - line.per_occurrence * value)
            return replace(base, share=round_half_up(min(kept, weight) / weight, RATE))
        case VetoLine():
            breach = line.breach.holds(value)
            note = f"veto: value {line.breach}" if breach else base.note
            return replace(base, share=ZERO if breach else ONE, breach=breach, note=note)
        case RankLine():
            key = _peer_key(line.peer_group, ctx.card_name, ctx.staff.get(staff_id))
            peers = ctx.peer_values[(line.key, key)]
            share, rank = rank_share(value, peers, higher=higher, floor=line.min_share)
            return replace(
                base, share=share, completion=Decimal(rank), note=f"rank {rank}/{len(peers)}"
            )
        case PercentileLine():
            key = _peer_key(line.peer_group, ctx.card_name, ctx.staff.get(staff_id))
            peers = ctx.peer_values[(line.key, key)]
            pct = percentile(value, peers, higher=higher)
            share = band_share(line.bands, pct) if line.bands is not None else pct
            return replace(base, completion=pct, share=share, note=f"percentile of {len(peers)}")
        case ManualLine():
            return replace(base, share=round_half_up(value / HUNDRED, RATE))


def _collect_peers(ctx: _Context, staff_ids: Iterable[str]) -> None:
    for line in ctx.card.lines:
        if not isinstance(line, RankLine | PercentileLine):
            continue
        for staff_id in staff_ids:
            value = ctx.value(staff_id, line)
            if value is None:
                continue
            key = _peer_key(line.peer_group, ctx.card_name, ctx.staff.get(staff_id))
            ctx.peer_values.setdefault((line.key, key), []).append(value)


def _score_rm(
    ctx: _Context, staff_id: str
) -> tuple[RmScore, list[LineScore], list[AdjustmentScore]]:
    card = ctx.card
    raw = [_score_line(ctx, staff_id, line) for line in card.lines]
    used_weight = sum((ln.weight for ln in raw if ln.used), ZERO)
    lines: list[LineScore] = []
    for ln in raw:
        if not ln.used or ln.share is None:
            lines.append(ln)
            continue
        eff = ZERO if used_weight == 0 else round_half_up(ln.weight * HUNDRED / used_weight, RATE)
        lines.append(replace(ln, effective_weight=eff, points=round_half_up(eff * ln.share, CENT)))
    base = min(HUNDRED, sum((ln.points or ZERO for ln in lines), ZERO))

    adjustments: list[AdjustmentScore] = []
    bonus_sum = deduction_sum = ZERO
    for adj in card.adjustments:
        if adj.indicator is not None:
            value = ctx.values.get((staff_id, adj.indicator))
        else:
            value = ctx.manual.scores.get((staff_id, adj.manual or ""))
        points = ZERO
        if value is not None and value > 0:
            points = value * adj.per_unit
            if adj.max is not None:
                points = min(points, adj.max)
        points = round_half_up(points, CENT)
        adjustments.append(
            AdjustmentScore(
                staff_id, ctx.card_name, adj.id, adj.kind, value, points, adj.indicator or ""
            )
        )
        if adj.kind == "bonus":
            bonus_sum += points
        else:
            deduction_sum += points
    bonus = min(bonus_sum, card.bonus_cap)
    deduction = (
        deduction_sum if card.deduction_cap is None else min(deduction_sum, card.deduction_cap)
    )

    total = max(ZERO, base + bonus - deduction)
    veto_notes: list[str] = []
    for line, ln in zip(card.lines, lines, strict=True):
        if isinstance(line, VetoLine) and ln.breach:
            if line.effect == "zero":
                total = ZERO
                veto_notes.append(f"{line.key} breached ({line.breach}): total zeroed")
            else:
                total = min(total, line.total_cap if line.total_cap is not None else total)
                veto_notes.append(
                    f"{line.key} breached ({line.breach}): total capped at {line.total_cap}"
                )
    total = round_half_up(total, CENT)
    tier = card.rating.tier_of(total)
    score = RmScore(
        staff_id=staff_id,
        scorecard=ctx.card_name,
        policy_version=ctx.version,
        period=ctx.period.key,
        base=round_half_up(base, CENT),
        bonus=round_half_up(bonus, CENT),
        deduction=round_half_up(deduction, CENT),
        total=total,
        tier=tier,
        rated_tier=tier,
        veto="; ".join(veto_notes),
        lines_used=sum(1 for ln in lines if ln.used),
        lines_unused=sum(1 for ln in lines if not ln.used),
    )
    return score, lines, adjustments


def score(
    values: Values,
    *,
    cards: Mapping[str, LoadedPolicy[Scorecard]],
    assignment: Mapping[str, str],
    period: Period,
    library: Library,
    targets: TargetSheet = EMPTY_SHEET,
    manual: ManualScores | None = None,
    staff: Mapping[str, StaffInfo] | None = None,
) -> ScoreResult:
    """Score every RM in `assignment` (staff_id → card name) for `period`.

    A pure function: the same inputs always give the same result, and nothing is read
    from disk. Rows come out ordered by card, then staff_id.
    """
    manual_scores = manual or ManualScores()
    staff_info = staff or {}
    by_card: dict[str, list[str]] = defaultdict(list)
    for staff_id, card_name in sorted(assignment.items()):
        if card_name not in cards:
            raise ScoringError(f"{staff_id}: no scorecard called {card_name!r}")
        by_card[card_name].append(staff_id)
    weights, issues = check_weights(
        targets,
        cards={name: loaded.policy for name, loaded in cards.items()},
        assignment=assignment,
        year=period.start.year,
        library=library,
    )
    if issues:
        raise WeightError(issues)
    totals: list[RmScore] = []
    lines: list[LineScore] = []
    adjustments: list[AdjustmentScore] = []
    for card_name in sorted(by_card):
        loaded = cards[card_name]
        ctx = _Context(
            card=loaded.policy,
            card_name=card_name,
            version=loaded.version,
            period=period,
            values=values,
            sheet=targets,
            manual=manual_scores,
            staff=staff_info,
            library=library,
            weights=weights,
        )
        members = by_card[card_name]
        _collect_peers(ctx, members)
        card_totals = []
        for staff_id in members:
            rm, rm_lines, rm_adj = _score_rm(ctx, staff_id)
            card_totals.append(rm)
            lines.extend(rm_lines)
            adjustments.extend(rm_adj)
        if loaded.policy.rating.forced_distribution is not None:
            card_totals = force_distribution(
                card_totals, loaded.policy, lines=lines, staff=staff_info
            )
        totals.extend(card_totals)
    return ScoreResult(tuple(totals), tuple(lines), tuple(adjustments))


# -- forced distribution -------------------------------------------------------------------


def allowed_count(n: int, share: Decimal, rounding: str) -> int:
    """How many of n may hold a capped tier: n × share rounded down (or half up)."""
    exact = Decimal(n) * share
    if rounding == "half_up":
        return int(exact.quantize(ONE, rounding=ROUND_HALF_UP))
    return int(exact // 1)


Level = tuple[str, str]  # (level kind: scorecard, team, branch, region or bank; key)


def _peer_levels(group: PeerGroup, card: str, info: StaffInfo | None) -> list[Level]:
    """The RM's peer group and the levels above it, ending with the whole bank.

    The bank level is every RM on the card (one lake is one bank). Units of the org tree
    between the base unit and the bank are taken from `org_path` (a missing region or
    team level is simply not there); without an org path a team's next level is its
    branch.
    """
    base = _peer_key(group, card, info)
    if group is PeerGroup.SCORECARD:
        return [(str(group), base)]
    levels: list[Level] = [(str(group), base)]
    path = info.org_path if info is not None else ()
    units = [unit for unit, _ in path]
    if base in units:
        for unit, kind in path[units.index(base) + 1 :]:
            if kind != "bank":
                levels.append((kind, unit))
    elif group is PeerGroup.TEAM and info is not None and info.branch is not None:
        levels.append(("branch", info.branch))
    levels.append(("bank", card))
    return levels


def pooled_groups(levels: Mapping[str, Sequence[Level]], minimum: int) -> dict[Level, list[str]]:
    """Peer groups after pooling: staff_id lists keyed by the level they were pooled to.

    While some group has fewer than `minimum` RMs and a level above it, it is pooled with
    that level: every RM under that unit (whatever their own group's size) joins one
    group there. A group at the bank level with fewer RMs stays as it is. Each RM is in
    exactly one group; the result does not depend on the order of the groups.
    """
    at = dict.fromkeys(levels, 0)
    while True:
        groups: dict[Level, list[str]] = defaultdict(list)
        for staff_id in sorted(levels):
            groups[levels[staff_id][at[staff_id]]].append(staff_id)
        small = [
            members
            for _, members in sorted(groups.items())
            if len(members) < minimum and at[members[0]] < len(levels[members[0]]) - 1
        ]
        if not small:
            return dict(groups)
        first = small[0][0]
        parent = levels[first][at[first] + 1]
        for staff_id, chain in levels.items():
            above = chain[at[staff_id] + 1 :]
            if parent in above:
                at[staff_id] = at[staff_id] + 1 + above.index(parent)


def _quota_text(n: int, share: Decimal, rounding: str, allowed: int) -> str:
    how = "rounded half up" if rounding == "half_up" else "rounded down"
    return f"{n} × {share} = {Decimal(n) * share}, {how}: {allowed} of {n}"


def force_distribution(
    totals: Sequence[RmScore],
    card: Scorecard,
    *,
    lines: Sequence[LineScore] = (),
    staff: Mapping[str, StaffInfo] | None = None,
) -> list[RmScore]:
    """Apply the card's tier caps per peer group; demoted RMs say why.

    A peer group of fewer than `min_group_size` RMs is first pooled with the next org
    level up (see `pooled_groups`); the caps then apply to the pooled group.

    Caps are applied best tier first; within a tier RMs are ordered by total (higher
    first), then the tiebreak line's points (higher first), then staff_id (ascending),
    and those past the allowed count move one tier down (where the next cap, if any,
    applies to them too).
    """
    fd = card.rating.forced_distribution
    if fd is None:
        return list(totals)
    info = staff or {}
    tiebreak: dict[str, Decimal] = {}
    if fd.tiebreak_line is not None:
        for ln in lines:
            if ln.line == fd.tiebreak_line and ln.points is not None:
                tiebreak[ln.staff_id] = ln.points
    banded = sorted({b.tier for b in card.rating.bands}, key=TIER_ORDER.index)
    levels = {
        t.staff_id: _peer_levels(fd.peer_group, t.scorecard, info.get(t.staff_id)) for t in totals
    }
    by_id = {t.staff_id: t for t in totals}
    result: dict[str, RmScore] = {}
    for (kind, group_key), member_ids in sorted(pooled_groups(levels, fd.min_group_size).items()):
        members = [by_id[s] for s in member_ids]
        current = {m.staff_id: m for m in members}
        n = len(members)
        if kind == str(fd.peer_group):
            where = f"{fd.peer_group} {group_key}"
        else:
            pooled = sorted({levels[s][0][1] for s in member_ids})
            where = (
                f"{kind} {group_key} ({fd.peer_group} {', '.join(pooled)} pooled up: "
                f"fewer than {fd.min_group_size} RMs)"
            )
        for cap in sorted(fd.caps, key=lambda c: TIER_ORDER.index(c.tier)):
            allowed = allowed_count(n, cap.max_share, fd.count_rounding)
            holders = sorted(
                (m for m in current.values() if m.tier == cap.tier),
                key=lambda m: (-m.total, -tiebreak.get(m.staff_id, ZERO), m.staff_id),
            )
            lower = banded[banded.index(cap.tier) + 1]
            for position, m in enumerate(holders, start=1):
                if position <= allowed:
                    continue
                why = (
                    f"forced distribution: at most {cap.max_share:%} {cap.tier} in "
                    f"{where} ({_quota_text(n, cap.max_share, fd.count_rounding, allowed)}); "
                    f"placed {position} by total, then "
                    + (f"{fd.tiebreak_line} points, then " if fd.tiebreak_line else "")
                    + f"staff_id; moved to {lower}"
                )
                reason = f"{m.reason}; {why}" if m.reason else why
                current[m.staff_id] = replace(m, tier=lower, demoted=True, reason=reason)
        result.update(current)
    return [result[t.staff_id] for t in totals]
