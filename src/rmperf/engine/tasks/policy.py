"""The reminders policy (DOMAIN §3): every window of every task kind, and the lifecycle.

Defaults come from seed 000 / 002 (birthday 3 days before, maturity 7 days before, a
request answered within 24 h, contact data re-verified after 6 months, a risk assessment
renewed in the 30 days before it expires, a weekly high-potential list) and seed 000 三.1
(the core customers' service calendar: a quarterly asset review in the first ten working
days of the quarter, a holiday benefit three days before each statutory holiday). None of them is a
constant in code: a bank changes them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field

from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.policy import LoadedPolicy, PolicyModel, load_policy, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.segmentation.policy import Text, Tier

DEFAULT_FILE = "tasks.yaml"


class TaskKind(StrEnum):
    """What a task asks the RM to do (the `kind` column of `rmperf tasks`)."""

    BIRTHDAY = "birthday"
    MATURITY = "maturity"
    WAKE_UP = "wake_up"
    REQUEST_SLA = "request_sla"
    CONTACT_REFRESH = "contact_refresh"
    RISK_ASSESSMENT = "risk_assessment"
    HIGH_POTENTIAL = "high_potential"
    CORE_REVIEW = "core_review"
    HOLIDAY_BENEFIT = "holiday_benefit"


#: Kinds tied to a date that passes (a birthday, a maturity, a week's list): once the date
#: is behind, the engine stops proposing them, which is not "the cause disappeared".
WINDOWED_KINDS = frozenset(
    {
        TaskKind.BIRTHDAY,
        TaskKind.MATURITY,
        TaskKind.HIGH_POTENTIAL,
        TaskKind.CORE_REVIEW,
        TaskKind.HOLIDAY_BENEFIT,
    }
)

CustomerKind = Literal["retail", "corporate"]


class KindRule(PolicyModel):
    """What every kind has: on/off and the suggested action shown with the task."""

    enabled: bool = True
    action: Text


class BirthdayRule(KindRule):
    """A birthday in D … D + days_before (both included): greeting and birthday benefit."""

    days_before: int = Field(3, ge=0, le=60)
    customer_kinds: tuple[CustomerKind, ...] = ("retail",)


class MaturityRule(KindRule):
    """A holding maturing in D … D + days_before that has not been renewed."""

    days_before: int = Field(7, ge=0, le=90)
    categories: tuple[str, ...] = ("time_deposit", "wealth", "fund", "insurance", "trust")


class WakeUpRule(KindRule):
    """A customer in a sleeping tier on D (segmentation policy), with that tier's offer."""

    tiers: tuple[Tier, ...] = (Tier.SLEEPING,)
    due_in_days: int = Field(7, ge=0, le=90)


class RequestSlaRule(KindRule):
    """A customer request still open at the end of D; due response_hours after receipt."""

    response_hours: int = Field(24, ge=1, le=24 * 30)


class ContactRefreshRule(KindRule):
    """Contact data verified more than `months` months before D (or never)."""

    months: int = Field(6, ge=1, le=120)
    due_in_days: int = Field(14, ge=0, le=180)


class RiskAssessmentRule(KindRule):
    """A risk assessment expiring in D … D + days_before, or already expired.

    How long an assessment stays valid is the segmentation policy's
    `risk_assessment_valid_months` (one number for the whole product, DOMAIN §9).
    """

    days_before: int = Field(30, ge=0, le=365)
    include_expired: bool = True


class HighPotentialRule(KindRule):
    """The weekly high-potential list (segmentation policy `high_potential`), on `weekday`."""

    weekday: int = Field(1, ge=1, le=7, description="ISO weekday: 1 = Monday")
    due_in_days: int = Field(6, ge=0, le=30)


class CoreReviewRule(KindRule):
    """The quarterly asset review of each core customer (seed 000 三.1 service calendar):
    from the quarter's first day until its `working_days`-th working day (mainland China
    calendar: statutory holidays off, make-up working days on), for customers whose tier
    on D is one of `tiers`. Due: that working day."""

    tiers: tuple[Tier, ...] = (Tier.CORE,)
    working_days: int = Field(10, ge=1, le=60)


class HolidayBenefitRule(KindRule):
    """The holiday benefit before each statutory holiday of mainland China (seed 000 三.1):
    due `days_before` days before the first day off of the holiday, proposed from
    `notice_days` before that due date, for customers whose tier on D is one of `tiers`,
    with the tier's benefit (`benefits`)."""

    tiers: tuple[Tier, ...] = (Tier.CORE, Tier.POTENTIAL)
    days_before: int = Field(3, ge=0, le=30)
    notice_days: int = Field(7, ge=0, le=30)
    benefits: dict[Tier, Text] = Field(default_factory=dict)


class Lifecycle(PolicyModel):
    """How the app treats tasks over time (docs/tasks.md "Lifecycle")."""

    expire_after_days: int = Field(
        30, ge=1, le=3660, description="an open task this many days past due closes as expired"
    )
    snooze_max_days: int = Field(90, ge=1, le=3660)


class TasksPolicy(PolicyModel):
    """Every reminder window (DOMAIN §3); dates are business dates in `time_zone`."""

    time_zone: str = "Asia/Shanghai"
    birthday: BirthdayRule
    maturity: MaturityRule
    wake_up: WakeUpRule
    request_sla: RequestSlaRule
    contact_refresh: ContactRefreshRule
    risk_assessment: RiskAssessmentRule
    high_potential: HighPotentialRule
    # Absent from a policy written before these kinds existed: off (that policy's
    # tasks stay what they were); the shipped default turns them on.
    core_review: CoreReviewRule = CoreReviewRule(
        enabled=False, action=Text(zh="季度资产检视", en="Quarterly asset review")
    )
    holiday_benefit: HolidayBenefitRule = HolidayBenefitRule(
        enabled=False, tiers=(), action=Text(zh="送上节日权益", en="Deliver the holiday benefit")
    )
    lifecycle: Lifecycle = Lifecycle()

    def rule_for(self, kind: TaskKind) -> KindRule:
        match kind:
            case TaskKind.BIRTHDAY:
                return self.birthday
            case TaskKind.MATURITY:
                return self.maturity
            case TaskKind.WAKE_UP:
                return self.wake_up
            case TaskKind.REQUEST_SLA:
                return self.request_sla
            case TaskKind.CONTACT_REFRESH:
                return self.contact_refresh
            case TaskKind.RISK_ASSESSMENT:
                return self.risk_assessment
            case TaskKind.HIGH_POTENTIAL:
                return self.high_potential
            case TaskKind.CORE_REVIEW:
                return self.core_review
            case TaskKind.HOLIDAY_BENEFIT:
                return self.holiday_benefit


@rule("maturity_categories_known")
def _maturity_categories_known(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    for i, cat in enumerate(p.maturity.categories):
        if cat not in PRODUCT_CATEGORIES:
            yield (
                f"{cat!r} is not a product category ({', '.join(PRODUCT_CATEGORIES)})",
                ("maturity", "categories", i),
            )
    if p.maturity.enabled and not p.maturity.categories:
        yield "categories is empty: no holding could ever mature", ("maturity", "categories")


@rule("birthday_kinds_given")
def _birthday_kinds_given(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    if p.birthday.enabled and not p.birthday.customer_kinds:
        yield "customer_kinds is empty: no birthday task could be made", ("birthday",)


@rule("wake_up_tiers_given")
def _wake_up_tiers_given(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    if p.wake_up.enabled and not p.wake_up.tiers:
        yield "tiers is empty: nobody could be woken up", ("wake_up", "tiers")
    if len(set(p.wake_up.tiers)) != len(p.wake_up.tiers):
        yield "a tier is listed twice", ("wake_up", "tiers")


@rule("calendar_tiers_given")
def _calendar_tiers_given(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    for name, tiers in (
        ("core_review", p.core_review.tiers),
        ("holiday_benefit", p.holiday_benefit.tiers),
    ):
        if p.rule_for(TaskKind(name)).enabled and not tiers:
            yield "tiers is empty: no customer could get this task", (name, "tiers")
        if len(set(tiers)) != len(tiers):
            yield "a tier is listed twice", (name, "tiers")


@rule("holiday_benefit_per_tier")
def _holiday_benefit_per_tier(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    rule_ = p.holiday_benefit
    if not rule_.enabled:
        return
    for i, tier in enumerate(rule_.tiers):
        if tier not in rule_.benefits:
            yield (
                f"no benefit for tier {tier.value!r}: each tier in tiers needs one",
                ("holiday_benefit", "tiers", i),
            )
    for tier in rule_.benefits:
        if tier not in rule_.tiers:
            yield (
                f"a benefit for tier {tier.value!r}, which is not in tiers",
                ("holiday_benefit", "benefits", tier.value),
            )


@rule("time_zone_known")
def _time_zone_known(p: TasksPolicy) -> Iterable[tuple[str, Loc]]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(p.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"unknown time zone {p.time_zone!r}", ("time_zone",)


RULES = (
    _maturity_categories_known,
    _birthday_kinds_given,
    _wake_up_tiers_given,
    _calendar_tiers_given,
    _holiday_benefit_per_tier,
    _time_zone_known,
)


def load_tasks_policy(path: Path | str | None = None) -> LoadedPolicy[TasksPolicy]:
    """The policy at `path`, or the shipped default (DOMAIN §3 windows)."""
    return load_policy(path, TasksPolicy, default=DEFAULT_FILE, rules=RULES)
