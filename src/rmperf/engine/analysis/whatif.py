"""What-if before adoption (issue #15): a draft scorecard, target sheet or pay plan run
against a past period side by side with the version in force. Nothing is stored.

A side is a complete set of the policies that score and pay: the scorecards, the target
sheet (一人一表) and the pay plan. The in-force side is the shipped defaults or the files
given; the draft side is the in-force side with the draft in place of its kind:
- a scorecard draft replaces the in-force card of each business line it covers (or of the
  same name); the other cards stay, so their RMs come out the same on both sides;
- a target-sheet draft replaces the in-force sheet as a whole;
- a pay-plan draft replaces the in-force plan.

Each side is scored with `score_lake` (what `rmperf score` does) and, for a quarter, paid
with `pay_lake` (what `rmperf pay` does), the ratings coming from that side's scoring of
every quarter the pay history needs, the period itself included; so a pay-plan draft is
compared on the same ratings, and a scorecard or target-sheet draft on its own. Given a
ratings file, the quarters before the period take the file's ratings on both sides and
only the period is rated by each side's scoring. The pay engine carries its state from
the first loan under one plan and one target sheet, so each side's pay is what that side's
policies would pay in the period had they always been in force. Scoring and pay are never
restated here: the engine's own functions compute both.

Besides the lake and a side's cards and targets, scoring reads a period's other inputs
(`ScoreInputs`: manual scores, offers, 360 feedback and proposals recorded outside the lake,
the indicators' parameters). `what_if` takes them per period (`inputs`), the same on both
sides and for every quarter it scores, so the in-force side is the stored period run
exactly when given that run's inputs (the app does: analysis/whatif_services.py), and the
draft side differs from it only by the draft. Without them (the stateless CLI) every period
is scored on the lake alone, as `rmperf score` without `--manual`/`--offers` is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.indicators.feedback import FeedbackRow
from rmperf.engine.indicators.offers import Offers
from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams
from rmperf.engine.indicators.proposals import ProposalRow
from rmperf.engine.lake import Lake
from rmperf.engine.pay.compute import Statement
from rmperf.engine.pay.plan import PayPlan, load_pay_plan
from rmperf.engine.pay.quarters import quarter_index, quarter_period
from rmperf.engine.pay.run import LakeData, Ratings, pay_lake, read_lake
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import LoadedPolicy, PolicyError, PolicyIssue, Severity
from rmperf.engine.scoring.library import Library, default_library
from rmperf.engine.scoring.load import Cards, load_scorecards, load_scorecards_text
from rmperf.engine.scoring.policy import TIER_ORDER, Tier
from rmperf.engine.scoring.run import LakeScore, score_lake
from rmperf.engine.scoring.score import ManualScores
from rmperf.engine.scoring.targets import EMPTY_SHEET, TargetSheet, load_target_sheet


class DraftKind(StrEnum):
    """What a draft is: the three policies a what-if can try."""

    SCORECARD = "scorecard"
    TARGETS = "targets"
    PAY_PLAN = "pay_plan"


#: Top-level keys only a scorecard has (docs/scorecards.md) …
SCORECARD_KEYS = frozenset(
    {"lines", "applies_to", "rating", "adjustments", "bonus_cap", "min_compliance_risk_share"}
)
#: … and only a pay plan has (docs/pay.md).
PAY_PLAN_KEYS = frozenset(
    {"base_monthly", "loan_pay", "coefficients", "excess_reward", "deferral", "npl", "clawback"}
)


def _issue(rule: str, message: str, source: str, line: int | None) -> PolicyError:
    return PolicyError([PolicyIssue(Severity.ERROR, rule, message, source, line)])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _issue("file", f"cannot read: {exc.strerror}", str(path), None) from None
    except UnicodeDecodeError:
        raise _issue("file", "not UTF-8 text", str(path), None) from None


def _key_lines(node: yaml.Node) -> dict[str, int]:
    """Line (1-based) of each top-level key of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def detect_kind(path: Path) -> DraftKind:
    """The kind of the draft at `path`, told from the document itself.

    A folder is a scorecard set (as `rmperf score --scorecard` takes); a CSV file is a
    target sheet; a YAML list of rows, or a mapping holding `targets:`, is a target sheet;
    a mapping with a scorecard's keys (`lines`, `applies_to`, …) is a scorecard, and one
    with a pay plan's keys (`loan_pay`, `base_monthly`, …) a pay plan; several documents
    separated by `---` are a scorecard set. Anything else, or a document with the keys of
    two kinds, is refused with rule `draft.kind` (give `--kind` to say which it is).
    """
    source = str(path)
    if path.is_dir():
        return DraftKind.SCORECARD
    text = _read(path)
    if path.suffix.lower() == ".csv":
        return DraftKind.TARGETS
    try:
        nodes = [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _issue("yaml_syntax", str(exc).splitlines()[0], source, line) from None
    if not nodes:
        raise _issue("draft.kind", "the draft is empty", source, 1)
    kinds: list[tuple[DraftKind, int]] = []
    for node in nodes:
        start = node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            kinds.append((DraftKind.TARGETS, start))
            continue
        keys = _key_lines(node)
        found = [
            (kind, min(line for key, line in keys.items() if key in marks))
            for kind, marks in (
                (DraftKind.SCORECARD, SCORECARD_KEYS),
                (DraftKind.PAY_PLAN, PAY_PLAN_KEYS),
                (DraftKind.TARGETS, frozenset({"targets"})),
            )
            if marks & keys.keys()
        ]
        if len(found) > 1:
            (first, _), (second, line) = sorted(found, key=lambda f: f[1])[:2]
            raise _issue(
                "draft.kind",
                f"the document has the keys of a {first} and of a {second}: a draft is one "
                "policy (or give --kind)",
                source,
                line,
            )
        if not found:
            raise _issue(
                "draft.kind",
                "cannot tell what the draft is: a scorecard has `lines` and `applies_to`, a "
                "pay plan `loan_pay` and `base_monthly`, a target sheet is a list of rows or "
                "`targets:` (or give --kind)",
                source,
                start,
            )
        kinds.append((found[0][0], start))
    if len(kinds) > 1:
        for kind, line in kinds:
            if kind is not DraftKind.SCORECARD:
                raise _issue(
                    "draft.kind",
                    f"a file of several documents is a scorecard set, but this one is a {kind}",
                    source,
                    line,
                )
    return kinds[0][0]


@dataclass(frozen=True)
class Draft:
    """A loaded draft (or in-force file): its kind, where it came from, and the policy."""

    kind: DraftKind
    source: str
    cards: Cards | None = None
    targets: TargetSheet | None = None
    plan: LoadedPolicy[PayPlan] | None = None

    @property
    def version(self) -> str:
        """The policy digest(s) shown beside results; a target sheet has none (its file)."""
        if self.cards is not None:
            return ", ".join(f"{n} {c.version}" for n, c in sorted(self.cards.items()))
        if self.plan is not None:
            return f"{self.plan.policy.name} {self.plan.version}"
        return self.source


def load_draft(
    path: Path, *, kind: DraftKind | None = None, library: Library | None = None
) -> Draft:
    """Load and validate a draft of `kind` (detected when None); PolicyError names file,
    line and rule of every problem."""
    lib = library if library is not None else default_library()
    found = kind if kind is not None else detect_kind(path)
    match found:
        case DraftKind.SCORECARD:
            if path.is_dir():
                cards = load_scorecards(path, library=lib)
            else:
                cards = load_scorecards_text(_read(path), source=str(path), library=lib)
            return Draft(found, str(path), cards=cards)
        case DraftKind.TARGETS:
            if path.is_dir():
                raise _issue(
                    "draft.kind", "a target sheet is one file, not a folder", str(path), None
                )
            return Draft(found, str(path), targets=load_target_sheet(path, indicators=lib))
        case DraftKind.PAY_PLAN:
            if path.is_dir():
                raise _issue("draft.kind", "a pay plan is one file, not a folder", str(path), None)
            return Draft(found, str(path), plan=load_pay_plan(path))


@dataclass(frozen=True)
class Side:
    """The policies that score and pay one side of the comparison."""

    cards: Cards
    targets: TargetSheet
    plan: LoadedPolicy[PayPlan]


def in_force_side(
    *,
    cards: Cards | None = None,
    targets: TargetSheet | None = None,
    plan: LoadedPolicy[PayPlan] | None = None,
    library: Library | None = None,
) -> Side:
    """The side in force: the given policies, the shipped defaults for the rest (no target
    sheet: the cards' default targets)."""
    return Side(
        cards=cards if cards is not None else load_scorecards(None, library=library),
        targets=targets if targets is not None else EMPTY_SHEET,
        plan=plan if plan is not None else load_pay_plan(None),
    )


def merge_cards(in_force: Cards, draft: Cards) -> Cards:
    """The in-force cards with each draft card in place of the one of its business line
    (or of its name); cards the draft does not touch stay."""
    lines = {c.policy.applies_to.business_line for c in draft.values()}
    kept = {
        name: card
        for name, card in in_force.items()
        if name not in draft and card.policy.applies_to.business_line not in lines
    }
    return {**kept, **draft}


def draft_side(in_force: Side, draft: Draft) -> Side:
    """The in-force side with the draft in place of its kind."""
    if draft.cards is not None:
        return replace(in_force, cards=merge_cards(in_force.cards, draft.cards))
    if draft.targets is not None:
        return replace(in_force, targets=draft.targets)
    if draft.plan is not None:
        return replace(in_force, plan=draft.plan)
    raise ValueError(f"{draft.source}: the draft holds no policy")


# -- the comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInputs:
    """A period's scoring inputs other than the lake, the cards and the targets: what
    `score_lake` reads beside them (a stored period run passes the same)."""

    manual: ManualScores | None = None
    offers: Offers | None = None
    feedback: Sequence[FeedbackRow] = ()
    proposals: Sequence[ProposalRow] = ()
    params: IndicatorParams = DEFAULT_PARAMS


#: No inputs beyond the lake (the stateless CLI).
NO_INPUTS = ScoreInputs()


@dataclass(frozen=True)
class WhatIfRow:
    """One RM under both sides; pay fields are None outside a quarter or without a
    statement."""

    staff_id: str
    scorecard: str | None
    scorecard_draft: str | None
    total_in_force: Decimal | None
    total_draft: Decimal | None
    tier_in_force: Tier | None
    tier_draft: Tier | None
    performance_pay_in_force: Decimal | None
    performance_pay_draft: Decimal | None
    pay_in_force: Decimal | None
    pay_draft: Decimal | None

    @property
    def tier_changed(self) -> bool:
        return self.tier_in_force != self.tier_draft

    @property
    def pay_change(self) -> Decimal | None:
        return _change(self.pay_in_force, self.pay_draft)

    @property
    def performance_pay_change(self) -> Decimal | None:
        return _change(self.performance_pay_in_force, self.performance_pay_draft)


def _change(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    if before is None and after is None:
        return None
    return (after or Decimal("0.00")) - (before or Decimal("0.00"))


@dataclass(frozen=True)
class WhatIf:
    """The comparison: one row per RM, and what was left out of scoring on each side."""

    period: Period
    rows: tuple[WhatIfRow, ...]
    paid: bool
    skipped_in_force: Mapping[str, str]
    skipped_draft: Mapping[str, str]
    #: scoring runs made (periods × sides; a side shared by both counts once)
    scorings: int = 0


class _Rater:
    """Scores a side quarter by quarter on demand, each quarter once. Only the tiers of a
    history quarter are kept (a long history would otherwise hold every quarter's lines)."""

    def __init__(self, score: Callable[[Period], LakeScore]) -> None:
        self._score = score
        self._results: dict[str, LakeScore] = {}
        self._tiers: dict[str, dict[str, Tier]] = {}

    def result(self, period: Period) -> LakeScore:
        """The whole result of the what-if's own period (kept)."""
        if period.key not in self._results:
            scored = self._score(period)
            self._results[period.key] = scored
            self._tiers[period.key] = {t.staff_id: t.tier for t in scored.result.totals}
        return self._results[period.key]

    def tiers(self, quarter: int) -> dict[str, Tier]:
        """staff_id → tier of a quarter (the pay engine's Scorer)."""
        key = quarter_period(quarter)
        if key.key not in self._tiers:
            scored = self._score(key)
            self._tiers[key.key] = {t.staff_id: t.tier for t in scored.result.totals}
        return self._tiers[key.key]

    @property
    def quarters(self) -> set[str]:
        return set(self._tiers)


def what_if(
    lake: Lake,
    *,
    period: Period,
    in_force: Side,
    draft: Side,
    history: Ratings | None = None,
    library: Library | None = None,
    inputs: Callable[[Period], ScoreInputs] | None = None,
) -> WhatIf:
    """Score (and for a quarter, pay) every RM under both sides; nothing is stored.

    `history`: ratings of the quarters before `period`, the same on both sides (from a
    ratings file); without it each side rates those quarters with its own scoring.
    `inputs`: a period's other scoring inputs (manual scores, offers, feedback, proposals,
    parameters), asked once per period scored and used on both sides; None: none.
    """
    lib = library if library is not None else default_library()
    asked: dict[str, ScoreInputs] = {}

    def period_inputs(p: Period) -> ScoreInputs:
        if inputs is None:
            return NO_INPUTS
        if p.key not in asked:
            asked[p.key] = inputs(p)
        return asked[p.key]

    def rater(side: Side) -> _Rater:
        def score(p: Period) -> LakeScore:
            extra = period_inputs(p)
            return score_lake(
                lake,
                period=p,
                cards=side.cards,
                targets=side.targets,
                library=lib,
                manual=extra.manual,
                offers=extra.offers,
                feedback=extra.feedback,
                proposals=extra.proposals,
                params=extra.params,
            )

        return _Rater(score)

    before = rater(in_force)
    # Same cards and sheet (a pay-plan draft): the same ratings, scored once.
    same = in_force.cards is draft.cards and in_force.targets is draft.targets
    after = before if same else rater(draft)
    scored_before, scored_after = before.result(period), after.result(period)

    paid = period.kind is PeriodKind.QUARTER
    pay_before: dict[str, Statement] = {}
    pay_after: dict[str, Statement] = {}
    if paid:
        data: dict[tuple[str, ...], LakeData] = {}

        def pay(side: Side, side_rater: _Rater) -> dict[str, Statement]:
            grades = side.plan.policy.npl.grades
            if grades not in data:
                data[grades] = read_lake(lake, side.plan.policy)
            last = quarter_index(period)
            if history is not None:
                ratings: Ratings = {k: t for k, t in history.items() if k[1] < last}
                ratings.update({(s, last): t for s, t in side_rater.tiers(last).items()})
                result = pay_lake(
                    lake,
                    period=period,
                    plan=side.plan.policy,
                    ratings=ratings,
                    targets=side.targets,
                    data=data[grades],
                )
            else:
                result = pay_lake(
                    lake,
                    period=period,
                    plan=side.plan.policy,
                    scorer=side_rater.tiers,
                    targets=side.targets,
                    data=data[grades],
                )
            return {s.staff_id: s for s in result.statements}

        pay_before = pay(in_force, before)
        pay_after = pay(draft, after)

    totals_before = {t.staff_id: t for t in scored_before.result.totals}
    totals_after = {t.staff_id: t for t in scored_after.result.totals}
    staff = sorted({*totals_before, *totals_after, *pay_before, *pay_after})
    rows = []
    for sid in staff:
        tb, ta = totals_before.get(sid), totals_after.get(sid)
        pb, pa_ = pay_before.get(sid), pay_after.get(sid)
        rows.append(
            WhatIfRow(
                staff_id=sid,
                scorecard=tb.scorecard if tb else None,
                scorecard_draft=ta.scorecard if ta else None,
                total_in_force=tb.total if tb else None,
                total_draft=ta.total if ta else None,
                tier_in_force=tb.tier if tb else None,
                tier_draft=ta.tier if ta else None,
                performance_pay_in_force=pb.performance_pay if pb else None,
                performance_pay_draft=pa_.performance_pay if pa_ else None,
                pay_in_force=pb.total_paid if pb else None,
                pay_draft=pa_.total_paid if pa_ else None,
            )
        )
    return WhatIf(
        period=period,
        rows=tuple(rows),
        paid=paid,
        skipped_in_force=dict(scored_before.skipped),
        skipped_draft=dict(scored_after.skipped),
        scorings=len(before.quarters) + (0 if after is before else len(after.quarters)),
    )


# -- result tables -------------------------------------------------------------------------

MONEY = pa.decimal128(18, 2)

WHATIF_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("scorecard", pa.string()),
        ("total_in_force", MONEY),
        ("total_draft", MONEY),
        ("tier_in_force", pa.string()),
        ("tier_draft", pa.string()),
        ("tier_changed", pa.bool_()),
        ("pay_in_force", MONEY),
        ("pay_draft", MONEY),
        ("pay_change", MONEY),
        ("performance_pay_in_force", MONEY),
        ("performance_pay_draft", MONEY),
        ("performance_pay_change", MONEY),
        ("scorecard_draft", pa.string()),
    ]
)

SUMMARY_SCHEMA = pa.schema(
    [
        ("measure", pa.string()),
        ("in_force", pa.decimal128(20, 2)),
        ("draft", pa.decimal128(20, 2)),
        ("change", pa.decimal128(20, 2)),
    ]
)

#: The row of RMs with no tier on a side (no card for their business line).
UNRATED = "unrated"


def _tier(t: Tier | None) -> str | None:
    return None if t is None else str(t)


def whatif_table(result: WhatIf) -> pa.Table:
    """One row per RM, ordered by staff_id (columns: WHATIF_SCHEMA)."""
    rows: list[dict[str, Any]] = [
        {
            "staff_id": r.staff_id,
            "scorecard": r.scorecard,
            "total_in_force": r.total_in_force,
            "total_draft": r.total_draft,
            "tier_in_force": _tier(r.tier_in_force),
            "tier_draft": _tier(r.tier_draft),
            "tier_changed": r.tier_changed,
            "pay_in_force": r.pay_in_force,
            "pay_draft": r.pay_draft,
            "pay_change": r.pay_change,
            "performance_pay_in_force": r.performance_pay_in_force,
            "performance_pay_draft": r.performance_pay_draft,
            "performance_pay_change": r.performance_pay_change,
            "scorecard_draft": r.scorecard_draft,
        }
        for r in result.rows
    ]
    return table_from_rows(rows, WHATIF_SCHEMA)


def tier_moves(result: WhatIf) -> tuple[int, int]:
    """(RMs rated higher under the draft, RMs rated lower); unrated counts below any tier."""
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    worst = len(TIER_ORDER)
    up = down = 0
    for r in result.rows:
        b = worst if r.tier_in_force is None else rank[r.tier_in_force]
        a = worst if r.tier_draft is None else rank[r.tier_draft]
        up += a < b
        down += a > b
    return up, down


def summary_rows(result: WhatIf) -> list[tuple[str, str, str, str]]:
    """(measure, in force, draft, change): RMs per tier, pay cost, tier changes."""
    out: list[tuple[str, str, str, str]] = []
    before = Counter(_tier(r.tier_in_force) or UNRATED for r in result.rows)
    after = Counter(_tier(r.tier_draft) or UNRATED for r in result.rows)
    for tier in [*(str(t) for t in TIER_ORDER), UNRATED]:
        b, a = before[tier], after[tier]
        out.append((f"tier.{tier}", str(b), str(a), f"{a - b:d}"))
    if result.paid:
        for measure, pairs in (
            ("pay.total_paid", [(r.pay_in_force, r.pay_draft) for r in result.rows]),
            (
                "pay.performance_pay",
                [(r.performance_pay_in_force, r.performance_pay_draft) for r in result.rows],
            ),
        ):
            b_sum = sum((b or Decimal("0.00") for b, _ in pairs), Decimal("0.00"))
            a_sum = sum((a or Decimal("0.00") for _, a in pairs), Decimal("0.00"))
            out.append((measure, f"{b_sum:.2f}", f"{a_sum:.2f}", f"{a_sum - b_sum:.2f}"))
    changed = sum(r.tier_changed for r in result.rows)
    up, down = tier_moves(result)
    out.append(("tier_changed", "", "", str(changed)))
    out.append(("tier_changed.up", "", "", str(up)))
    out.append(("tier_changed.down", "", "", str(down)))
    return out


def summary_table(result: WhatIf) -> pa.Table:
    """The summary as a table (columns: SUMMARY_SCHEMA): exact decimals to 2 places, counts
    too, so a spreadsheet reads numbers (a signed text cell would be made formula-safe)."""
    rows = [
        {
            "measure": m,
            "in_force": Decimal(b) if b else None,
            "draft": Decimal(a) if a else None,
            "change": Decimal(c),
        }
        for m, b, a, c in summary_rows(result)
    ]
    return table_from_rows(rows, SUMMARY_SCHEMA)
