"""Referrals (转介, DOMAIN §4): the rule book, checking a referral against it, proposing
referrals from the lake, and linking a referral to the purchase that converts it."""

from rmperf.engine.referrals.candidates import CANDIDATE_SCHEMA, referral_candidates
from rmperf.engine.referrals.conversion import OpenReferral, Purchase, match_purchases, window_end
from rmperf.engine.referrals.policy import (
    Need,
    ReferralPolicy,
    ReferralRule,
    load_referral_policy,
)
from rmperf.engine.referrals.rules import (
    Finding,
    Reason,
    ReferralFacts,
    RuleCheck,
    check_referral,
    route_rule,
)

__all__ = [
    "CANDIDATE_SCHEMA",
    "Finding",
    "Need",
    "OpenReferral",
    "Purchase",
    "Reason",
    "ReferralFacts",
    "ReferralPolicy",
    "ReferralRule",
    "RuleCheck",
    "check_referral",
    "load_referral_policy",
    "match_purchases",
    "referral_candidates",
    "route_rule",
    "window_end",
]
