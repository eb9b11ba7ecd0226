"""360 reviews (DOMAIN §5, §7): the questionnaire policy and the scoring of a response."""

from rmperf.engine.feedback.policy import (
    DEFAULT_FILE,
    RULES,
    FeedbackPolicy,
    Relation,
    load_feedback_policy,
    response_score,
)

__all__ = [
    "DEFAULT_FILE",
    "RULES",
    "FeedbackPolicy",
    "Relation",
    "load_feedback_policy",
    "response_score",
]
