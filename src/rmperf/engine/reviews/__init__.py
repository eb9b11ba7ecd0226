"""Talks and 述职 panels (DOMAIN §7): the reviews policy and the panel's score."""

from rmperf.engine.reviews.panel import panel_score, trimmed
from rmperf.engine.reviews.policy import ReviewsPolicy, load_reviews_policy

__all__ = ["ReviewsPolicy", "load_reviews_policy", "panel_score", "trimmed"]
