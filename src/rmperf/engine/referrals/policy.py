"""The referral rule book (DOMAIN §4, seed 000 "客户转介标准手册"): who refers whom on what
trigger, the response SLA, the conversion window, the points formula and the catalogue of
what points buy. Every number is a policy default, none is a constant in code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field

from rmperf.engine.contract import EVENT_KIND_PATTERN, PRODUCT_CATEGORIES
from rmperf.engine.policy import LoadedPolicy, PolicyModel, load_policy, rule
from rmperf.engine.policy.loader import Loc

DEFAULT_FILE = "referrals.yaml"

#: Roles that refer or receive (the lake contract's staff roles that serve customers).
StaffRole = Literal["teller", "wealth_manager", "rm"]
CustomerKind = Literal["retail", "corporate"]


class Need(StrEnum):
    """What the customer needs; a rule names the needs it covers."""

    WEALTH = "wealth"  # 理财
    CORPORATE_LOAN = "corporate_loan"  # 企业贷款
    CORPORATE_SETTLEMENT = "corporate_settlement"  # 对公结算
    FAMILY_TRUST = "family_trust"  # 家族信托
    MEDICAL_INSURANCE = "medical_insurance"  # 高端医疗


class Text(PolicyModel):
    """A text shown to people, in both shipped languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Trigger(PolicyModel):
    """What must be true at the referral's business date D; absent parts do not constrain.

    opened_within_days: the customer's opened_on lies in D − n + 1 … D (a new account).
    deposit_min: credits to `deposit_categories` products from opened_on through D sum to at
      least this (inclusive); it needs opened_within_days (deposits since the account opened).
    event_kinds: at least one event of these kinds (or dotted sub-kinds) in D − window_days + 1
      … D. A referral entered by a person states the need instead (the person saw it).
    """

    opened_within_days: int | None = Field(None, ge=1, le=3660)
    deposit_min: Decimal | None = Field(None, ge=0, decimal_places=2)
    deposit_categories: tuple[str, ...] = ("deposit", "time_deposit")
    event_kinds: tuple[str, ...] = ()
    window_days: int = Field(30, ge=1, le=3660)


class ReferralRule(PolicyModel):
    """One line of the rule book: from which roles to which role, for which needs, when."""

    id: str
    names: Text
    from_roles: tuple[StaffRole, ...] = Field(min_length=1)
    to_role: StaffRole
    needs: tuple[Need, ...] = Field(min_length=1)
    customer_kinds: tuple[CustomerKind, ...] = ("retail", "corporate")
    trigger: Trigger
    conversion_categories: tuple[str, ...] = Field(min_length=1)


class PointsFormula(PolicyModel):
    """Points on conversion: base + ⌊contribution ÷ per_amount⌋, at most cap."""

    base: int = Field(ge=0)
    per_amount: Decimal = Field(gt=0, decimal_places=2)
    cap: int = Field(ge=0)

    def points_for(self, contribution: Decimal) -> int:
        """The referrer's points for a conversion worth `contribution` (never negative)."""
        if contribution < 0:
            raise ValueError("a contribution cannot be negative")
        steps = (contribution / self.per_amount).to_integral_value(rounding=ROUND_FLOOR)
        return min(self.base + int(steps), self.cap)


class RedemptionKind(StrEnum):
    TRAINING = "training"
    LEAVE = "leave"


class CatalogueItem(PolicyModel):
    """Something points buy; a manager approves each redemption (maker-checker)."""

    id: str
    names: Text
    kind: RedemptionKind
    points: int = Field(gt=0)


class ReferralPolicy(PolicyModel):
    """The whole rule book."""

    time_zone: str = "Asia/Shanghai"
    response_sla_hours: int = Field(24, ge=1, le=24 * 30)
    expire_after_hours: int = Field(48, ge=1, le=24 * 90)
    escalate_to: Literal["team_leader", "branch_manager"] = "team_leader"
    conversion_window_days: int = Field(90, ge=1, le=3660)
    rules: tuple[ReferralRule, ...] = Field(min_length=1)
    points: PointsFormula
    catalogue: tuple[CatalogueItem, ...] = ()

    def rule(self, rule_id: str) -> ReferralRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def item(self, item_id: str) -> CatalogueItem | None:
        return next((i for i in self.catalogue if i.id == item_id), None)


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@rule("ids_unique")
def _ids_unique(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    ids: dict[str, list[str]] = {
        "rules": [r.id for r in p.rules],
        "catalogue": [i.id for i in p.catalogue],
    }
    for field, values in ids.items():
        seen: set[str] = set()
        for i, value in enumerate(values):
            if not _ID.match(value):
                yield f"id {value!r} must be lower_snake_case", (field, i, "id")
            if value in seen:
                yield f"id {value!r} appears twice", (field, i, "id")
            seen.add(value)


@rule("no_self_role")
def _no_self_role(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        if r.to_role in r.from_roles:
            yield f"rule {r.id!r} refers {r.to_role} to {r.to_role}", ("rules", i, "to_role")


@rule("needs_one_rule_per_route")
def _needs_unambiguous(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    """A (from role, to role, need) picks one rule, so a referral names the rule it met."""
    seen: dict[tuple[str, str, str], str] = {}
    for i, r in enumerate(p.rules):
        for role in r.from_roles:
            for need in r.needs:
                key = (role, r.to_role, need)
                if key in seen:
                    yield (
                        f"{role} → {r.to_role} for {need} is already rule {seen[key]!r}",
                        ("rules", i, "needs"),
                    )
                seen[key] = r.id


@rule("categories_known")
def _categories_known(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        for field, cats in (
            ("conversion_categories", r.conversion_categories),
            ("deposit_categories", r.trigger.deposit_categories),
        ):
            for c in cats:
                if c not in PRODUCT_CATEGORIES:
                    loc: Loc = ("rules", i, field)
                    if field == "deposit_categories":
                        loc = ("rules", i, "trigger", field)
                    yield f"unknown product category {c!r}", loc


@rule("event_kinds_valid")
def _event_kinds_valid(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    pattern = re.compile(EVENT_KIND_PATTERN)
    for i, r in enumerate(p.rules):
        for k in r.trigger.event_kinds:
            if not pattern.match(k):
                yield f"{k!r} is not an event kind", ("rules", i, "trigger", "event_kinds")


@rule("deposit_needs_new_account")
def _deposit_needs_opening(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        if r.trigger.deposit_min is not None and r.trigger.opened_within_days is None:
            yield (
                "deposit_min counts deposits since the account opened: set opened_within_days",
                ("rules", i, "trigger", "deposit_min"),
            )


@rule("event_kinds_pair_needs")
def _event_kinds_pair_needs(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    """With several needs, the i-th event kind signals the i-th need (candidates name it)."""
    for i, r in enumerate(p.rules):
        t = r.trigger
        if len(r.needs) > 1 and t.event_kinds and len(t.event_kinds) != len(r.needs):
            yield (
                f"rule {r.id!r} has {len(r.needs)} needs and {len(t.event_kinds)} event kinds: "
                "with several needs, give one event kind per need, in the same order",
                ("rules", i, "trigger", "event_kinds"),
            )


@rule("trigger_not_empty")
def _trigger_not_empty(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        t = r.trigger
        if t.opened_within_days is None and t.deposit_min is None and not t.event_kinds:
            yield (
                f"rule {r.id!r} has no trigger: it would propose every customer",
                (
                    "rules",
                    i,
                    "trigger",
                ),
            )


@rule("expiry_after_sla")
def _expiry_after_sla(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    if p.expire_after_hours < p.response_sla_hours:
        yield (
            "expire_after_hours must not be shorter than response_sla_hours (escalation "
            "comes before expiry)",
            ("expire_after_hours",),
        )


@rule("points_cap_reaches_base")
def _cap(p: ReferralPolicy) -> Iterable[tuple[str, Loc]]:
    if p.points.cap < p.points.base:
        yield "cap is below base: every conversion would earn the cap", ("points", "cap")


RULES = (
    _ids_unique,
    _no_self_role,
    _needs_unambiguous,
    _categories_known,
    _event_kinds_valid,
    _deposit_needs_opening,
    _event_kinds_pair_needs,
    _trigger_not_empty,
    _expiry_after_sla,
    _cap,
)


def load_referral_policy(path: Path | str | None = None) -> LoadedPolicy[ReferralPolicy]:
    """The rule book at `path`, or the shipped default (DOMAIN §4)."""
    return load_policy(path, ReferralPolicy, default=DEFAULT_FILE, rules=RULES)
