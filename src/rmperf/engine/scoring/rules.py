"""Named validation rules of a scorecard; each error names the file, the line and the rule.

Rules that need indicator definitions take the library as an argument, so a card is
always checked against the indicators it will be computed with.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from rmperf.engine.policy import Rule, Severity, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.scoring.library import (
    CATEGORIES,
    COMPLIANCE_RISK,
    Library,
    is_deposit,
    point_in_time,
)
from rmperf.engine.scoring.policy import (
    TIER_ORDER,
    AnyLine,
    Band,
    BandsLine,
    Comparison,
    DeductionLine,
    ManualLine,
    PeerGroup,
    PercentileLine,
    RankLine,
    RatioLine,
    Scorecard,
    TargetSource,
    TargetSpec,
    VetoLine,
)

Found = Iterable[tuple[str, Loc]]
HUNDRED = Decimal(100)


def line_category(line: AnyLine, library: Library) -> str | None:
    """A line's regulatory category: the manual line's own, else its indicator's."""
    if isinstance(line, ManualLine):
        return line.category
    info = library.get(line.indicator or "")
    return info.category if info is not None else None


def line_direction(line: AnyLine, library: Library) -> str:
    """'higher' or 'lower' is better; manual scores are higher-is-better."""
    if isinstance(line, ManualLine):
        return "higher"
    info = library.get(line.indicator or "")
    return info.direction if info is not None else "higher"


def _weights_sum_to_100(card: Scorecard) -> Found:
    total = sum((ln.weight for ln in card.lines), Decimal(0))
    if total != HUNDRED:
        yield f"line weights sum to {total}, not 100 (P-05)", ("lines",)


def _line_ids_unique(card: Scorecard) -> Found:
    seen: set[str] = set()
    for i, ln in enumerate(card.lines):
        if isinstance(ln, ManualLine) and ln.indicator is not None:
            yield "a manual line reads its `manual` key, not an indicator", ("lines", i)
        if not isinstance(ln, ManualLine) and ln.indicator is None:
            yield f"a {ln.method} line needs an indicator", ("lines", i)
            continue
        if ln.key in seen:
            yield f"two lines are called {ln.key!r}; give one an `id`", ("lines", i)
        seen.add(ln.key)
    adj_ids = [a.id for a in card.adjustments]
    for j, adj in enumerate(card.adjustments):
        if (adj.indicator is None) == (adj.manual is None):
            yield "an adjustment takes exactly one of indicator or manual", ("adjustments", j)
        if adj.id in seen or adj_ids.count(adj.id) > 1:
            yield f"the id {adj.id!r} is used twice", ("adjustments", j, "id")


def _weight_range_sound(card: Scorecard) -> Found:
    for i, ln in enumerate(card.lines):
        if ln.weight_range is None:
            continue
        low, high = ln.weight_range
        loc: Loc = ("lines", i, "weight_range")
        if low > high:
            yield f"{ln.key}: weight_range min {low} is above its max {high}", loc
        elif not low <= ln.weight <= high:
            yield f"{ln.key}: weight {ln.weight} is outside its weight_range [{low}, {high}]", loc
        if high > HUNDRED:
            yield f"{ln.key}: weight_range max {high} is above 100", loc


def _perspectives_name_lines(card: Scorecard) -> Found:
    keys = {ln.key for ln in card.lines}
    for key in sorted(card.perspectives):
        if key not in keys:
            yield f"{key!r} is no line of this card", ("perspectives", key)


def _weight_positive(card: Scorecard) -> Found:
    for i, ln in enumerate(card.lines):
        if ln.weight == 0 and not isinstance(ln, VetoLine):
            yield f"{ln.key} weighs 0 and can never score", ("lines", i, "weight")


def _rating_bands_cover(card: Scorecard) -> Found:
    bands = sorted(enumerate(card.rating.bands), key=lambda ib: (ib[1].min, ib[1].max))
    top = HUNDRED + card.bonus_cap
    loc: Loc = ("rating", "bands")
    tiers = [b.tier for _, b in bands]
    for tier in set(tiers):
        if tiers.count(tier) > 1:
            yield f"tier {tier} has more than one band", loc
    for i, band in bands:
        if band.min >= band.max:
            yield f"band {band.tier}: min {band.min} is not below max {band.max}", (*loc, i)
    if not bands:
        return
    if bands[0][1].min != 0:
        yield f"the bands start at {bands[0][1].min}, not 0", (*loc, bands[0][0])
    if bands[-1][1].max < top:
        yield (
            f"the bands end at {bands[-1][1].max}, below 100 + bonus cap = {top}",
            (*loc, bands[-1][0]),
        )
    for (_, lo), (j, hi) in itertools.pairwise(bands):
        if lo.max < hi.min:
            yield f"gap between {lo.max} and {hi.min}: such a total has no tier", (*loc, j)
        elif lo.max > hi.min:
            yield f"{lo.tier} and {hi.tier} overlap from {hi.min} to {lo.max}", (*loc, j)
    order = [TIER_ORDER.index(b.tier) for _, b in reversed(bands)]
    if order != sorted(order):
        yield "a better tier must have a higher band (优秀 > 良好 > 称职 > 不称职)", loc


def _forced_distribution_sound(card: Scorecard) -> Found:
    fd = card.rating.forced_distribution
    if fd is None:
        return
    loc: Loc = ("rating", "forced_distribution")
    banded = {b.tier for b in card.rating.bands}
    worst = max(banded, key=TIER_ORDER.index) if banded else None
    for i, cap in enumerate(fd.caps):
        if cap.tier not in banded:
            yield f"tier {cap.tier} has no rating band", (*loc, "caps", i, "tier")
        if cap.tier == worst:
            yield f"{cap.tier} is the lowest tier; nobody can move below it", (*loc, "caps", i)
    if fd.tiebreak_line is not None and fd.tiebreak_line not in {ln.key for ln in card.lines}:
        yield f"no line {fd.tiebreak_line!r} to break ties with", (*loc, "tiebreak_line")


def _bands_cover(bands: Sequence[Band], loc: Loc) -> Found:
    if bands[0].min is not None:
        yield f"the first band starts at {bands[0].min}; leave its min open", (*loc, 0, "min")
    if bands[-1].max is not None:
        yield f"the last band ends at {bands[-1].max}; leave its max open", (*loc, len(bands) - 1)
    for j in range(1, len(bands)):
        lo, hi = bands[j - 1], bands[j]
        if lo.max is None or hi.min is None:
            yield "only the first band may lack a min and only the last a max", (*loc, j)
        elif lo.max != hi.min:
            word = "gap" if lo.max < hi.min else "overlap"
            yield f"{word} between bands {j - 1} and {j} ({lo.max} vs {hi.min})", (*loc, j, "min")
    for j, b in enumerate(bands):
        if b.min is not None and b.max is not None and b.min >= b.max:
            yield f"band {j}: min {b.min} is not below max {b.max}", (*loc, j)


def _bands_monotone(bands: Sequence[Band], higher: bool, loc: Loc) -> Found:
    shares = [b.share for b in bands]
    ok = shares == sorted(shares) if higher else shares == sorted(shares, reverse=True)
    if not ok:
        better = "grow" if higher else "fall"
        yield f"shares must {better} with the value, so a better value never scores less", loc


def _target_sound(spec: TargetSpec, loc: Loc) -> Found:
    if spec.source is TargetSource.FIXED and spec.value is None:
        yield "a fixed target needs a value", (*loc, "source")
    if spec.seasonality is not None and sum(spec.seasonality, Decimal(0)) != 1:
        yield (
            f"seasonality sums to {sum(spec.seasonality, Decimal(0))}, not 1",
            (
                *loc,
                "seasonality",
            ),
        )


def _comparison_sound(cmp: Comparison, loc: Loc) -> Found:
    if len(cmp.bounds()) != 1:
        yield "give exactly one of gt, ge, lt, le", loc


def _subject_applies_to(card: Scorecard) -> Found:
    """An RM card names a business line; a unit card names a kind of org unit."""
    if card.is_unit:
        if card.applies_to.unit_kind is None:
            yield "a unit card needs applies_to.unit_kind (branch or team)", ("applies_to",)
        if card.applies_to.business_line is not None:
            yield (
                "a unit card scores org units, not the RMs of a business line: drop "
                "applies_to.business_line",
                ("applies_to", "business_line"),
            )
    else:
        if card.applies_to.business_line is None:
            yield "an RM card needs applies_to.business_line", ("applies_to",)
        if card.applies_to.unit_kind is not None:
            yield (
                "applies_to.unit_kind is for unit cards: set `subject: unit`",
                ("applies_to", "unit_kind"),
            )


def _unit_lines_supported(card: Scorecard) -> Found:
    """A unit is scored from its RMs' roll-up: nothing on its card may be per person."""
    if not card.is_unit:
        return
    for i, ln in enumerate(card.lines):
        loc: Loc = ("lines", i)
        if isinstance(ln, ManualLine):
            yield (
                f"{ln.key}: manual scores are given per person; a unit card scores only "
                "rolled-up indicators",
                (*loc, "method"),
            )
        if ln.weight_range is not None:
            yield (
                f"{ln.key}: per-person weights (weight_range) are for RM cards",
                (
                    *loc,
                    "weight_range",
                ),
            )
        target = getattr(ln, "target", None)
        if isinstance(target, TargetSpec) and target.source is TargetSource.PER_PERSON:
            yield (
                f"{ln.key}: a unit card's targets are fixed (the target sheet is per person)",
                (*loc, "target", "source"),
            )
        if isinstance(ln, RankLine | PercentileLine) and ln.peer_group is not PeerGroup.SCORECARD:
            yield (
                f"{ln.key}: units are compared with the other units on the card "
                "(peer_group: scorecard)",
                (*loc, "peer_group"),
            )
    for j, adj in enumerate(card.adjustments):
        if adj.manual is not None:
            yield f"{adj.id}: manual scores are given per person", ("adjustments", j, "manual")
    fd = card.rating.forced_distribution
    if fd is not None and fd.peer_group is not PeerGroup.SCORECARD:
        yield (
            "a unit card's forced distribution spans the units on the card (peer_group: scorecard)",
            ("rating", "forced_distribution", "peer_group"),
        )


def category_weights(card: Scorecard, library: Library) -> dict[str, Decimal]:
    """The weight of each regulatory category on the card (every category, 0 if none)."""
    weights = dict.fromkeys(CATEGORIES, Decimal(0))
    for ln in card.lines:
        cat = line_category(ln, library)
        if cat in weights:
            weights[cat] += ln.weight
    return weights


def _comparative(indicator_id: str) -> bool:
    """Market share, ranking or peer comparison, by the words in the id."""
    return any(w in indicator_id for w in ("market_share", "rank", "peer", "percentile"))


def make_rules(library: Library) -> tuple[Rule[Scorecard], ...]:
    """The scorecard rules, checking indicators against `library`."""

    @rule("indicator_exists")
    def indicator_exists(card: Scorecard) -> Found:
        for i, ln in enumerate(card.lines):
            if ln.indicator is not None and ln.indicator not in library:
                yield f"unknown indicator {ln.indicator!r}", ("lines", i, "indicator")
        for j, adj in enumerate(card.adjustments):
            if adj.indicator is not None and adj.indicator not in library:
                yield f"unknown indicator {adj.indicator!r}", ("adjustments", j, "indicator")

    @rule("category_known")
    def category_known(card: Scorecard) -> Found:
        for i, ln in enumerate(card.lines):
            cat = line_category(ln, library)
            if cat is not None and cat not in CATEGORIES:
                yield (
                    f"{ln.key}: category {cat!r} is none of {', '.join(CATEGORIES)} (P-01)",
                    ("lines", i),
                )

    @rule("balance_daily_average")
    def balance_daily_average(card: Scorecard) -> Found:
        for i, ln in enumerate(card.lines):
            info = library.get(ln.indicator or "")
            if info is not None and info.balance_based and point_in_time(info):
                yield (
                    f"{info.id} measures a balance at a point in time; balance indicators must "
                    "use daily averages (P-03, 2018 deposit-deviation notice)",
                    ("lines", i, "indicator"),
                )

    @rule("no_deposit_ranking")
    def no_deposit_ranking(card: Scorecard) -> Found:
        for i, ln in enumerate(card.lines):
            info = library.get(ln.indicator or "")
            if info is not None and is_deposit(info) and _comparative(info.id):
                yield (
                    f"{info.id} compares deposits with the market or peers: deposit "
                    "indicators measure the RM's own daily averages only (P-03)",
                    ("lines", i, "indicator"),
                )
            elif (
                isinstance(ln, RankLine | PercentileLine) and info is not None and is_deposit(info)
            ):
                yield (
                    f"{info.id} is a deposit indicator: no ranking or peer comparison "
                    "(P-03, 2018 deposit-deviation notice)",
                    ("lines", i, "method"),
                )

    @rule("compliance_risk_share")
    def compliance_risk_share(card: Scorecard) -> Found:
        share = sum(
            (ln.weight for ln in card.lines if line_category(ln, library) in COMPLIANCE_RISK),
            Decimal(0),
        )
        if share < card.min_compliance_risk_share:
            yield (
                f"compliance and risk lines weigh {share}, less than the required "
                f"{card.min_compliance_risk_share} (DOMAIN §9, P-02)",
                ("lines",),
            )

    @rule("unit_compliance_risk_weigh_more")
    def unit_compliance_risk_weigh_more(card: Scorecard) -> Found:
        """P-02 (2012 guideline, 明显高于): on a unit card the compliance category and the
        risk category each weigh at least the heaviest other category plus the margin."""
        if not card.is_unit:
            return
        weights = category_weights(card, library)
        others = {c: w for c, w in weights.items() if c not in COMPLIANCE_RISK}
        heaviest = max(others, key=lambda c: (others[c], c == "business"))
        need = others[heaviest] + card.compliance_risk_margin
        for cat in ("compliance", "risk"):
            if weights[cat] < need:
                yield (
                    f"the {cat} category weighs {weights[cat]}, less than the heaviest other "
                    f"category ({heaviest} {others[heaviest]}) + margin "
                    f"{card.compliance_risk_margin} = {need}; categories: "
                    + ", ".join(f"{c} {w}" for c, w in weights.items())
                    + " (P-02, 2012 guideline: compliance and risk weigh clearly more)",
                    ("lines",),
                )

    @rule("params_consistent")
    def params_consistent(card: Scorecard) -> Found:
        for i, ln in enumerate(card.lines):
            loc: Loc = ("lines", i)
            higher = line_direction(ln, library) == "higher"
            if ln.warning is not None:
                yield from _comparison_sound(ln.warning, (*loc, "warning"))
            if isinstance(ln, RatioLine):
                if ln.floor > ln.cap:
                    yield f"floor {ln.floor} is above cap {ln.cap}", (*loc, "floor")
                yield from _target_sound(ln.target, (*loc, "target"))
            elif isinstance(ln, BandsLine):
                yield from _bands_cover(ln.bands, (*loc, "bands"))
                yield from _bands_monotone(
                    ln.bands, higher or ln.basis == "completion", (*loc, "bands")
                )
                if ln.basis == "completion" and ln.target is None:
                    yield "bands on completion need a target", (*loc, "basis")
                if ln.target is not None:
                    yield from _target_sound(ln.target, (*loc, "target"))
            elif isinstance(ln, PercentileLine) and ln.bands is not None:
                yield from _bands_cover(ln.bands, (*loc, "bands"))
                yield from _bands_monotone(ln.bands, True, (*loc, "bands"))
            elif isinstance(ln, DeductionLine):
                if ln.floor > ln.weight:
                    yield f"floor {ln.floor} is above the weight {ln.weight}", (*loc, "floor")
                if higher:
                    yield (
                        f"{ln.key} is higher-is-better; deduct per occurrence only on counts "
                        "where fewer is better",
                        (*loc, "method"),
                    )
            elif isinstance(ln, VetoLine):
                yield from _comparison_sound(ln.breach, (*loc, "breach"))
                ops = {op for op, _ in ln.breach.bounds()}
                if ops and (ops <= {"gt", "ge"}) != (not higher):
                    yield (
                        "a breach must be a worse value: above a threshold when lower is "
                        "better, below one when higher is better",
                        (*loc, "breach"),
                    )
                if (ln.effect == "cap") != (ln.total_cap is not None):
                    yield "effect cap takes a total_cap; effect zero takes none", (*loc, "effect")
        for j, adj in enumerate(card.adjustments):
            info = library.get(adj.indicator or "")
            if info is None:
                continue
            if (adj.kind == "bonus") != (info.direction == "higher"):
                yield (
                    f"{adj.id}: a bonus needs a higher-is-better indicator and a deduction a "
                    f"lower-is-better one ({info.id} is {info.direction}-is-better)",
                    ("adjustments", j, "kind"),
                )

    return (
        rule("weights_sum_to_100")(_weights_sum_to_100),
        rule("subject_applies_to")(_subject_applies_to),
        rule("unit_lines_supported")(_unit_lines_supported),
        rule("line_ids_unique")(_line_ids_unique),
        indicator_exists,
        category_known,
        balance_daily_average,
        no_deposit_ranking,
        compliance_risk_share,
        unit_compliance_risk_weigh_more,
        params_consistent,
        rule("rating_bands_cover")(_rating_bands_cover),
        rule("forced_distribution_sound")(_forced_distribution_sound),
        rule("weight_range_sound")(_weight_range_sound),
        rule("perspectives_name_lines")(_perspectives_name_lines),
        rule("weight_positive", Severity.WARNING)(_weight_positive),
    )
