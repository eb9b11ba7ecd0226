"""The career policy (DOMAIN §6): the ladder's rules, grade steps, honours, negative list.

Every number of §6 "Career ladder" and "Negative list" is a default here, never a
constant in code: a bank changes them in a new version (maker-checker like scorecards).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field

from rmperf.engine.policy import LoadedPolicy, PolicyModel, load_policy, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.scoring.policy import TIER_ORDER, Tier

DEFAULT_FILE = "career.yaml"

#: The ladder, lowest first (staff.rank vocabulary, contract.RANKS).
LADDER: tuple[str, ...] = ("assistant", "junior", "intermediate", "senior")


class Step(PolicyModel):
    """What the next rank asks; a rule left out (None) is not asked."""

    min_years_since_hire: Annotated[int, Field(ge=0, le=60)] | None = None
    min_managed_loans: Annotated[int, Field(ge=0)] | None = None
    max_overdue_rate: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    min_rating: Tier | None = None
    rating_years: Annotated[int, Field(ge=1, le=10)] = 1


class Ladder(PolicyModel):
    """The rules of each rank above assistant (the rank an RM can be proposed for)."""

    junior: Step
    intermediate: Step
    senior: Step

    def step_to(self, rank: str) -> Step:
        match rank:
            case "junior":
                return self.junior
            case "intermediate":
                return self.intermediate
            case "senior":
                return self.senior
        raise KeyError(rank)


class GradeSteps(PolicyModel):
    """职等晋升: grade steps per annual rating."""

    outstanding: Annotated[int, Field(ge=0, le=20)]
    good: Annotated[int, Field(ge=0, le=20)]
    competent: Annotated[int, Field(ge=0, le=20)]
    not_competent: Annotated[int, Field(ge=0, le=20)]

    def of(self, tier: Tier) -> int:
        match tier:
            case Tier.OUTSTANDING:
                return self.outstanding
            case Tier.GOOD:
                return self.good
            case Tier.COMPETENT:
                return self.competent
            case Tier.NOT_COMPETENT:
                return self.not_competent


class NegativeListRules(PolicyModel):
    """负面清单: who can be "lowest among" peers and how recovery is counted."""

    min_peers: Annotated[int, Field(ge=1, le=1000)] = 2
    recovery_quarters: Annotated[int, Field(ge=1, le=8)] = 2


class CareerPolicy(PolicyModel):
    """The ladder checked at a year end, grade steps, honours and the negative list."""

    as_of_month: Annotated[int, Field(ge=1, le=12)] = 12
    ladder: Ladder
    grade_steps: GradeSteps
    honours: tuple[Tier, ...] = (Tier.OUTSTANDING,)
    training_priority: tuple[Tier, ...] = (Tier.OUTSTANDING,)
    negative_list: NegativeListRules = NegativeListRules()


def at_least(tier: Tier | None, minimum: Tier) -> bool:
    """`tier` is `minimum` or better (TIER_ORDER is best first); no rating is not."""
    return tier is not None and TIER_ORDER.index(tier) <= TIER_ORDER.index(minimum)


@rule("step_asks_something")
def _step_asks_something(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    for rank in LADDER[1:]:
        s = p.ladder.step_to(rank)
        if (
            s.min_years_since_hire is None
            and s.min_managed_loans is None
            and s.max_overdue_rate is None
            and s.min_rating is None
        ):
            yield f"{rank} asks nothing: every RM would be proposed", ("ladder", rank)


@rule("overdue_needs_loans")
def _overdue_needs_loans(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    # An overdue rate over no loans is 0 and always passes: it must come with a loan count.
    for rank in LADDER[1:]:
        s = p.ladder.step_to(rank)
        if s.max_overdue_rate is not None and not s.min_managed_loans:
            yield (
                f"{rank} limits the overdue rate without asking for managed loans",
                ("ladder", rank, "max_overdue_rate"),
            )


@rule("rating_years_need_rating")
def _rating_years_need_rating(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    for rank in LADDER[1:]:
        s = p.ladder.step_to(rank)
        if s.rating_years > 1 and s.min_rating is None:
            yield (
                f"{rank} counts {s.rating_years} rating years but asks no rating",
                ("ladder", rank, "rating_years"),
            )


@rule("ladder_rises")
def _ladder_rises(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    # A higher rank asking fewer loans than the one below would let RMs skip nothing but
    # reads as a typing mistake.
    lower = p.ladder.intermediate.min_managed_loans
    upper = p.ladder.senior.min_managed_loans
    if lower is not None and upper is not None and upper < lower:
        yield (
            f"senior asks fewer managed loans ({upper}) than intermediate ({lower})",
            ("ladder", "senior", "min_managed_loans"),
        )


@rule("grade_steps_follow_tiers")
def _grade_steps_follow_tiers(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    steps = [p.grade_steps.of(t) for t in TIER_ORDER]
    for better, worse, tier in zip(steps, steps[1:], TIER_ORDER[1:], strict=False):
        if worse > better:
            yield (
                f"{tier} earns more grade steps ({worse}) than the tier above ({better})",
                ("grade_steps", str(tier)),
            )


@rule("tiers_listed_once")
def _tiers_listed_once(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    for key in ("honours", "training_priority"):
        tiers: tuple[Tier, ...] = getattr(p, key)
        if len(set(tiers)) != len(tiers):
            yield "a tier is listed twice", (key,)


@rule("negative_list_needs_comparison")
def _negative_list_needs_comparison(p: CareerPolicy) -> Iterable[tuple[str, Loc]]:
    # "Lowest among the RMs" compares an RM with others: one RM alone is nobody's lowest.
    if p.negative_list.min_peers < 2:
        yield (
            "min_peers must be at least 2: a sole RM cannot be the lowest among peers",
            ("negative_list", "min_peers"),
        )


RULES = (
    _step_asks_something,
    _overdue_needs_loans,
    _rating_years_need_rating,
    _ladder_rises,
    _grade_steps_follow_tiers,
    _tiers_listed_once,
    _negative_list_needs_comparison,
)


def load_career_policy(path: Path | str | None = None) -> LoadedPolicy[CareerPolicy]:
    """The policy at `path`, or the shipped default (DOMAIN §6 numbers)."""
    return load_policy(path, CareerPolicy, default=DEFAULT_FILE, rules=RULES)
