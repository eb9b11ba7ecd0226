"""The one rule for referral points (DOMAIN §4, seed 000): what the ledger pays and what
the `referral_points` scorecard indicator counts.

A referral earns its referrer points once, when it converts: the converting purchase is
the first new holding of the referred customer in one of the rule's
`conversion_categories` from the referral's business date D through D +
`conversion_window_days` (conversion.py), and the points are the policy's
`points.points_for(amount)` = min(base + ⌊amount ÷ per_amount⌋, cap). The app's ledger
pays exactly that when its sweep or the receiver converts a referral
(rmperf.referrals.services); the indicator applies the same rule to the lake's
`referrals` rows (status converted, credited in the period of `converted_at`), finding the
purchase in the lake's holdings the same way, so `rmperf score` stays stateless.

A referral whose (referrer's role, receiver's role, need) matches no rule of the book, or
whose customer bought nothing that converts it, earns nothing: the ledger would never
have paid it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from rmperf.engine.referrals.policy import PointsFormula, ReferralPolicy


@dataclass(frozen=True)
class Route:
    """One (from role, to role, need) of the rule book and the categories that convert it."""

    from_role: str
    to_role: str
    need: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ReferralPointsRule:
    """The points rule of a referrals policy, as the indicator reads it."""

    base: int
    per_amount: Decimal
    cap: int
    window_days: int
    routes: tuple[Route, ...]

    @classmethod
    def from_policy(cls, policy: ReferralPolicy) -> ReferralPointsRule:
        routes = tuple(
            Route(role, r.to_role, str(need), tuple(r.conversion_categories))
            for r in policy.rules
            for role in r.from_roles
            for need in r.needs
        )
        return cls(
            base=policy.points.base,
            per_amount=policy.points.per_amount,
            cap=policy.points.cap,
            window_days=policy.conversion_window_days,
            routes=routes,
        )

    def points_for(self, amount: Decimal) -> int:
        """The referrer's points for a converting purchase of `amount` (the policy's own
        `PointsFormula.points_for`, so ledger and indicator cannot drift apart)."""
        formula = PointsFormula(base=self.base, per_amount=self.per_amount, cap=self.cap)
        return formula.points_for(amount)


@cache
def default_points_rule() -> ReferralPointsRule:
    """The rule of the shipped referrals policy (policies/defaults/referrals.yaml)."""
    from rmperf.engine.referrals.policy import load_referral_policy

    return ReferralPointsRule.from_policy(load_referral_policy().policy)
