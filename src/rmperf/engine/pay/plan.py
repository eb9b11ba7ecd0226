"""The pay plan policy (DOMAIN §6 "Pay statement", §9 "Deferral floor").

One YAML document: monthly base by rank, the loan-pay brackets and their rates (‱,
per ten thousand), the rating coefficients, the excess-reward rate, the deferral shares
and schedule, the NPL gate and the clawback window. The checks that span fields are the
named rules in RULES; each error names the file, the line and the rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from rmperf.engine.contract import LOAN_GRADES, RANKS
from rmperf.engine.policy import LoadedPolicy, PolicyModel, Rule, load_policy, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.scoring.policy import TIER_ORDER, Tier

DEFAULT_FILE = "pay.yaml"
Found = Iterable[tuple[str, Loc]]
Fraction = Annotated[Decimal, Field(ge=0, le=1)]
_QUARTER = re.compile(r"^\d{4}Q[1-4]$")

#: §9 (2010 sound-compensation guideline): a material-risk role defers at least 40 % …
MATERIAL_RISK_MIN_SHARE = Decimal("0.40")
#: … over at least three years.
MATERIAL_RISK_MIN_QUARTERS = 12


class BracketMode(StrEnum):
    """How the quarter's volume brackets apply to the loans."""

    MARGINAL = "marginal"  # each slice of volume at its own bracket's rate (§6)
    WHOLE = "whole"  # every loan at the rate of the bracket holding the quarter's volume


class Names(PolicyModel):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Bracket(PolicyModel):
    """Quarterly new-loan volume up to `up_to` (inclusive; empty: open) at `rate` ‱."""

    up_to: Decimal | None = None
    rate: Decimal = Field(description="‱ (per ten thousand) of the volume in the bracket")


class LoanPay(PolicyModel):
    """绩效计价: new loans of the quarter fill volume brackets."""

    mode: BracketMode = BracketMode.MARGINAL
    brackets: tuple[Bracket, ...] = Field(min_length=1)


class ExcessReward(PolicyModel):
    """超额奖励: (V − T) × rate ‱ when the quarter's new-loan volume V beats the target T."""

    rate: Decimal = Field(description="‱ of the volume above the target")
    indicator: str = Field("new_loans", description="the target sheet's indicator for T")
    tiers: tuple[Tier, ...] = Field(
        (Tier.OUTSTANDING, Tier.GOOD, Tier.COMPETENT),
        description="the quarterly ratings that earn the reward",
    )


class Deferral(PolicyModel):
    """延期支付: a share of performance pay released in equal parts after some quarters."""

    share: Fraction
    material_risk_share: Fraction
    schedule: tuple[int, ...] = Field(
        min_length=1, description="quarters after the paying quarter when each part is released"
    )


class NplGate(PolicyModel):
    """不良率超阈值暂停发放: the immediate part is held while the NPL ratio is above."""

    threshold: Fraction
    hold_quarters: int = Field(ge=1, description="quarters a held part waits before forfeit")
    grades: tuple[str, ...] = ("substandard", "doubtful", "loss")


class Clawback(PolicyModel):
    """追索扣回: a loan going bad within `window_months` after its quarter costs its pay."""

    window_months: int = Field(ge=0)


class PayPlan(PolicyModel):
    """A pay plan: base, loan pay, excess reward, deferral, NPL gate and clawback."""

    name: str = Field(min_length=1)
    names: Names
    description: str = ""
    start: str | None = Field(
        None, description="first quarter to compute (e.g. 2023Q1) when before the first loan"
    )
    base_monthly: dict[str, Decimal] = Field(description="monthly base pay by RM rank")
    loan_pay: LoanPay
    coefficients: dict[Tier, Decimal] = Field(description="rating coefficient per tier")
    excess_reward: ExcessReward
    deferral: Deferral
    npl: NplGate
    clawback: Clawback

    @field_validator("start")
    @classmethod
    def _quarter(cls, value: str | None) -> str | None:
        if value is not None and not _QUARTER.match(value):
            raise ValueError(f"{value!r} is not a quarter (e.g. 2023Q1)")
        return value


# -- named rules ---------------------------------------------------------------------------


@rule("ranks_complete")
def ranks_complete(plan: PayPlan) -> Found:
    for rank in RANKS:
        if rank not in plan.base_monthly:
            yield f"no monthly base for rank {rank!r}", ("base_monthly",)
    for rank, amount in plan.base_monthly.items():
        if rank not in RANKS:
            yield f"unknown rank {rank!r} (one of {', '.join(RANKS)})", ("base_monthly", rank)
        elif amount < 0 or amount != amount.quantize(Decimal("0.01")):
            yield f"base {amount} is not an amount ≥ 0 in cents", ("base_monthly", rank)


@rule("brackets_sorted")
def brackets_sorted(plan: PayPlan) -> Found:
    brackets = plan.loan_pay.brackets
    loc: Loc = ("loan_pay", "brackets")
    for i, b in enumerate(brackets[:-1]):
        if b.up_to is None:
            yield "only the last bracket may be open (no up_to)", (*loc, i)
    if brackets[-1].up_to is not None:
        yield "the last bracket must be open: leave its up_to empty", (*loc, len(brackets) - 1)
    bounds = [(i, b.up_to) for i, b in enumerate(brackets) if b.up_to is not None]
    if bounds and bounds[0][1] is not None and bounds[0][1] <= 0:
        yield f"the first bound {bounds[0][1]} is not above 0", (*loc, bounds[0][0], "up_to")
    for (_, lo), (j, hi) in itertools.pairwise(bounds):
        if lo is not None and hi is not None and hi <= lo:
            yield f"bound {hi} is not above the previous bound {lo}", (*loc, j, "up_to")


@rule("rate_non_negative")
def rate_non_negative(plan: PayPlan) -> Found:
    for i, b in enumerate(plan.loan_pay.brackets):
        if b.rate < 0:
            yield f"rate {b.rate}‱ is negative", ("loan_pay", "brackets", i, "rate")
    if plan.excess_reward.rate < 0:
        yield f"rate {plan.excess_reward.rate}‱ is negative", ("excess_reward", "rate")
    for tier, c in plan.coefficients.items():
        if c < 0:
            yield f"coefficient {c} of {tier} is negative", ("coefficients", str(tier))


@rule("coefficients_complete")
def coefficients_complete(plan: PayPlan) -> Found:
    for tier in TIER_ORDER:
        if tier not in plan.coefficients:
            yield f"no coefficient for {tier}", ("coefficients",)


@rule("deferral_schedule_sorted")
def deferral_schedule_sorted(plan: PayPlan) -> Found:
    schedule = plan.deferral.schedule
    loc: Loc = ("deferral", "schedule")
    if schedule[0] < 1:
        yield "a deferred part is released at least one quarter after it is earned", loc
    for a, b in itertools.pairwise(schedule):
        if b <= a:
            yield f"the schedule must grow: {b} after {a}", loc


@rule("material_risk_deferral_floor")
def material_risk_deferral_floor(plan: PayPlan) -> Found:
    d = plan.deferral
    if d.material_risk_share < MATERIAL_RISK_MIN_SHARE:
        yield (
            f"material-risk roles defer {d.material_risk_share}, under the floor of "
            f"{MATERIAL_RISK_MIN_SHARE} (DOMAIN §9, 2010 sound-compensation guideline)",
            ("deferral", "material_risk_share"),
        )
    if d.schedule[-1] < MATERIAL_RISK_MIN_QUARTERS:
        yield (
            f"the deferral runs {d.schedule[-1]} quarters, under the floor of 3 years "
            f"({MATERIAL_RISK_MIN_QUARTERS} quarters) for material-risk roles (DOMAIN §9)",
            ("deferral", "schedule"),
        )
    if d.material_risk_share < d.share:
        yield (
            "material-risk roles must defer at least the ordinary share",
            ("deferral", "material_risk_share"),
        )


@rule("npl_grades_known")
def npl_grades_known(plan: PayPlan) -> Found:
    for i, g in enumerate(plan.npl.grades):
        if g not in LOAN_GRADES:
            yield f"unknown loan grade {g!r}", ("npl", "grades", i)
    if not plan.npl.grades:
        yield "name at least one non-performing grade", ("npl", "grades")


RULES: tuple[Rule[PayPlan], ...] = (
    ranks_complete,
    brackets_sorted,
    rate_non_negative,
    coefficients_complete,
    deferral_schedule_sorted,
    material_risk_deferral_floor,
    npl_grades_known,
)


def load_pay_plan(path: Path | str | None = None) -> LoadedPolicy[PayPlan]:
    """The pay plan at `path`, or the shipped default (DOMAIN §6)."""
    return load_policy(path, PayPlan, default=DEFAULT_FILE, rules=RULES)
