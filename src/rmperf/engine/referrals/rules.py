"""Checking one referral against the rule book: which rule it meets, or every reason why not.

A referral entered by a person states the need (the person heard the customer ask), so the
rule's event trigger counts as met; the account age and the deposit are facts checked
against the thresholds (both bounds inclusive: a deposit of exactly 50,000 meets "≥ 50,000").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from rmperf.engine.referrals.policy import ReferralPolicy, ReferralRule


class Reason(StrEnum):
    """Why a referral meets no rule; `params` of the Finding carry the numbers."""

    NO_ROUTE = "no_route"  # no rule from this role to that role for this need
    CUSTOMER_KIND = "customer_kind"  # the rule does not cover this kind of customer
    NOT_NEW_ACCOUNT = "not_new_account"  # opened too long before the referral
    DEPOSIT_MISSING = "deposit_missing"  # the rule needs the deposit amount
    DEPOSIT_BELOW = "deposit_below"  # deposit under the threshold


@dataclass(frozen=True)
class Finding:
    reason: Reason
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferralFacts:
    """What is known about a referral when it is made (D = `referred_on`, bank date)."""

    from_role: str
    to_role: str
    need: str
    customer_kind: str
    referred_on: dt.date
    opened_on: dt.date | None = None
    deposit: Decimal | None = None


@dataclass(frozen=True)
class RuleCheck:
    """The rule met, or None with every finding against the candidate rule."""

    rule: ReferralRule | None
    findings: tuple[Finding, ...] = ()

    @property
    def met(self) -> bool:
        return self.rule is not None and not self.findings


def route_rule(
    policy: ReferralPolicy, *, from_role: str, to_role: str, need: str
) -> ReferralRule | None:
    """The one rule for (from role, to role, need); the policy guarantees at most one."""
    for r in policy.rules:
        if from_role in r.from_roles and r.to_role == to_role and need in r.needs:
            return r
    return None


def check_referral(policy: ReferralPolicy, facts: ReferralFacts) -> RuleCheck:
    """Which rule the referral meets, or why it meets none."""
    r = route_rule(policy, from_role=facts.from_role, to_role=facts.to_role, need=facts.need)
    if r is None:
        return RuleCheck(
            None,
            (
                Finding(
                    Reason.NO_ROUTE,
                    {"from_role": facts.from_role, "to_role": facts.to_role, "need": facts.need},
                ),
            ),
        )
    findings: list[Finding] = []
    if facts.customer_kind not in r.customer_kinds:
        findings.append(Finding(Reason.CUSTOMER_KIND, {"kind": facts.customer_kind}))
    t = r.trigger
    if t.opened_within_days is not None:
        earliest = facts.referred_on - dt.timedelta(days=t.opened_within_days - 1)
        if facts.opened_on is None or not (earliest <= facts.opened_on <= facts.referred_on):
            findings.append(
                Finding(
                    Reason.NOT_NEW_ACCOUNT,
                    {
                        "opened_on": facts.opened_on.isoformat() if facts.opened_on else "",
                        "days": str(t.opened_within_days),
                    },
                )
            )
    if t.deposit_min is not None:
        if facts.deposit is None:
            findings.append(Finding(Reason.DEPOSIT_MISSING, {"minimum": f"{t.deposit_min:,.2f}"}))
        elif facts.deposit < t.deposit_min:
            findings.append(
                Finding(
                    Reason.DEPOSIT_BELOW,
                    {"deposit": f"{facts.deposit:,.2f}", "minimum": f"{t.deposit_min:,.2f}"},
                )
            )
    return RuleCheck(r, tuple(findings))
