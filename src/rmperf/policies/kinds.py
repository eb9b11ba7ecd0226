"""The kinds of policy the app stores, each with the engine loader that validates it.

A kind's stored text is one YAML document, except the scorecards: one version is the
whole set of cards as one YAML stream (cards separated by `---` lines), because the
set has rules of its own (one card per business line, card names unique) and a run
scores every RM with the set in force (docs/policies.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.engine.acceptance import DEFAULT_FILE as LAKE_FILE
from rmperf.engine.acceptance import RULES as LAKE_RULES
from rmperf.engine.acceptance import AcceptancePolicy
from rmperf.engine.analysis.policy import (
    FISHBONE_FILE,
    FISHBONE_RULES,
    GAMING_FILE,
    GAMING_RULES,
    WORKLOAD_FILE,
    WORKLOAD_RULES,
    FishbonePolicy,
    GamingPolicy,
    WorkloadPolicy,
)
from rmperf.engine.career.policy import DEFAULT_FILE as CAREER_FILE
from rmperf.engine.career.policy import RULES as CAREER_RULES
from rmperf.engine.career.policy import CareerPolicy
from rmperf.engine.feedback.policy import DEFAULT_FILE as FEEDBACK_FILE
from rmperf.engine.feedback.policy import RULES as FEEDBACK_RULES
from rmperf.engine.feedback.policy import FeedbackPolicy
from rmperf.engine.pay.plan import DEFAULT_FILE as PAY_FILE
from rmperf.engine.pay.plan import RULES as PAY_RULES
from rmperf.engine.pay.plan import PayPlan
from rmperf.engine.policy import LoadedPolicy, PolicyModel, Rule, load_policy_text
from rmperf.engine.recommend.policy import DEFAULT_FILE as RECOMMEND_FILE
from rmperf.engine.recommend.policy import RULES as RECOMMEND_RULES
from rmperf.engine.recommend.policy import RecommendPolicy
from rmperf.engine.referrals.policy import DEFAULT_FILE as REFERRALS_FILE
from rmperf.engine.referrals.policy import RULES as REFERRALS_RULES
from rmperf.engine.referrals.policy import ReferralPolicy
from rmperf.engine.reviews.policy import DEFAULT_FILE as REVIEWS_FILE
from rmperf.engine.reviews.policy import RULES as REVIEWS_RULES
from rmperf.engine.reviews.policy import ReviewsPolicy
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.load import DEFAULT_DIR as SCORECARDS_DIR
from rmperf.engine.scoring.load import Cards, load_scorecards_text, scorecard_set_text
from rmperf.engine.segmentation.policy import DEFAULT_FILE as SEGMENTATION_FILE
from rmperf.engine.segmentation.policy import RULES as SEGMENTATION_RULES
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.tasks.policy import DEFAULT_FILE as TASKS_FILE
from rmperf.engine.tasks.policy import RULES as TASKS_RULES
from rmperf.engine.tasks.policy import TasksPolicy


class PolicyKind(models.TextChoices):
    """What a policy governs; one version of each kind is active at a time."""

    SEGMENTATION = "segmentation", _("Customer segmentation")
    SCORECARDS = "scorecards", _("RM scorecards")
    RECOMMEND = "recommend", _("Recommendation and suitability rules")
    REFERRALS = "referrals", _("Referral rule book")
    TASKS = "tasks", _("Task and reminder rules")
    CAREER = "career", _("Career ladder and negative list")
    PAY = "pay", _("Pay plan")
    LAKE = "lake", _("Lake delivery acceptance")
    WORKLOAD = "workload", _("Workload standards and rebalancing bounds")
    GAMING = "gaming", _("Gaming-detection thresholds")
    FEEDBACK = "feedback", _("360 review questionnaires")
    REVIEWS = "reviews", _("Talks and 述职 panels")
    FISHBONE = "fishbone", _("Gap attribution (fishbone) rules")


@dataclass(frozen=True)
class KindSpec:
    """How to validate a kind's YAML, what identifies a valid text (its digest) and where
    its shipped default lives."""

    default_file: str
    load: Callable[[str, str], Any]
    digest_of: Callable[[Any], str]
    read_default: Callable[[], str]

    def default_text(self) -> str:
        return self.read_default()


def _shipped(name: str) -> Callable[[], str]:
    def read() -> str:
        ref = resources.files("rmperf.policies").joinpath("defaults", name)
        return ref.read_text(encoding="utf-8")

    return read


def _document[P: PolicyModel](
    model: type[P], rules: tuple[Rule[P], ...]
) -> Callable[[str, str], LoadedPolicy[P]]:
    def load(text: str, source: str) -> LoadedPolicy[P]:
        return load_policy_text(text, model, source=source, rules=rules)

    return load


def _document_digest(loaded: LoadedPolicy[Any]) -> str:
    return loaded.digest


def _load_scorecards(text: str, source: str) -> Cards:
    return load_scorecards_text(text, source=source, library=default_library())


def scorecards_digest(cards: Cards) -> str:
    """The set's digest: the same value performance runs record as `policy_digest`."""
    payload = {name: c.digest for name, c in sorted(cards.items())}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


KINDS: dict[str, KindSpec] = {
    PolicyKind.SEGMENTATION: KindSpec(
        default_file=SEGMENTATION_FILE,
        load=_document(SegmentationPolicy, tuple(SEGMENTATION_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(SEGMENTATION_FILE),
    ),
    PolicyKind.SCORECARDS: KindSpec(
        default_file=f"{SCORECARDS_DIR}/",
        load=_load_scorecards,
        digest_of=scorecards_digest,
        read_default=scorecard_set_text,
    ),
    PolicyKind.RECOMMEND: KindSpec(
        default_file=RECOMMEND_FILE,
        load=_document(RecommendPolicy, tuple(RECOMMEND_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(RECOMMEND_FILE),
    ),
    PolicyKind.REFERRALS: KindSpec(
        default_file=REFERRALS_FILE,
        load=_document(ReferralPolicy, tuple(REFERRALS_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(REFERRALS_FILE),
    ),
    PolicyKind.TASKS: KindSpec(
        default_file=TASKS_FILE,
        load=_document(TasksPolicy, tuple(TASKS_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(TASKS_FILE),
    ),
    PolicyKind.CAREER: KindSpec(
        default_file=CAREER_FILE,
        load=_document(CareerPolicy, tuple(CAREER_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(CAREER_FILE),
    ),
    PolicyKind.PAY: KindSpec(
        default_file=PAY_FILE,
        load=_document(PayPlan, tuple(PAY_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(PAY_FILE),
    ),
    PolicyKind.LAKE: KindSpec(
        default_file=LAKE_FILE,
        load=_document(AcceptancePolicy, tuple(LAKE_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(LAKE_FILE),
    ),
    PolicyKind.WORKLOAD: KindSpec(
        default_file=WORKLOAD_FILE,
        load=_document(WorkloadPolicy, tuple(WORKLOAD_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(WORKLOAD_FILE),
    ),
    PolicyKind.GAMING: KindSpec(
        default_file=GAMING_FILE,
        load=_document(GamingPolicy, tuple(GAMING_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(GAMING_FILE),
    ),
    PolicyKind.FEEDBACK: KindSpec(
        default_file=FEEDBACK_FILE,
        load=_document(FeedbackPolicy, tuple(FEEDBACK_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(FEEDBACK_FILE),
    ),
    PolicyKind.FISHBONE: KindSpec(
        default_file=FISHBONE_FILE,
        load=_document(FishbonePolicy, tuple(FISHBONE_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(FISHBONE_FILE),
    ),
    PolicyKind.REVIEWS: KindSpec(
        default_file=REVIEWS_FILE,
        load=_document(ReviewsPolicy, tuple(REVIEWS_RULES)),
        digest_of=_document_digest,
        read_default=_shipped(REVIEWS_FILE),
    ),
}
