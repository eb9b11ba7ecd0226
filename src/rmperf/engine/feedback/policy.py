"""The 360 review policy: the questionnaire of each relation (peer, upward, self), the
answer scale, the anonymity threshold and which relation feeds which lake feedback kind.

A response's score is the mean of its answers on the scale, mapped to 0–100:
(mean − scale.min) × 100 ÷ (scale.max − scale.min), rounded once half up to 2 places.
Every number is here, none in code (docs/feedback.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from rmperf.engine.contract import FEEDBACK_KINDS
from rmperf.engine.policy import LoadedPolicy, PolicyModel, load_policy, rule
from rmperf.engine.policy.loader import Loc
from rmperf.engine.segmentation.policy import Text

DEFAULT_FILE = "feedback.yaml"
CENT = Decimal("0.01")


class Relation(StrEnum):
    """Who reviews whom: a peer (same team or branch), an RM their team leader (upward),
    the person themself (self)."""

    PEER = "peer"
    UPWARD = "upward"
    SELF = "self"


class Question(PolicyModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: Text


class Scale(PolicyModel):
    min: int = Field(1, ge=0, le=100)
    max: int = Field(5, ge=1, le=100)


class FeedbackPolicy(PolicyModel):
    """Questionnaires per relation; results of a group of responses are shown (and fed
    to scoring) only when it has at least `min_responses` (anonymity)."""

    min_responses: int = Field(3, ge=2, le=50)
    scale: Scale = Scale()
    questionnaires: dict[Relation, tuple[Question, ...]]
    #: Which relation's responses become which lake `feedback.kind` rows (scoring).
    feeds: dict[Relation, str] = Field(default_factory=lambda: {Relation.PEER: "peer"})


@rule("scale_ordered")
def _scale_ordered(p: FeedbackPolicy) -> Iterable[tuple[str, Loc]]:
    if p.scale.min >= p.scale.max:
        yield f"scale min {p.scale.min} must be below max {p.scale.max}", ("scale",)


@rule("questionnaire_per_relation")
def _questionnaire_per_relation(p: FeedbackPolicy) -> Iterable[tuple[str, Loc]]:
    for rel in Relation:
        questions = p.questionnaires.get(rel)
        if not questions:
            yield f"no questions for relation {rel.value!r}", ("questionnaires",)
            continue
        ids = [q.id for q in questions]
        for i, qid in enumerate(ids):
            if ids.index(qid) != i:
                yield f"question id {qid!r} is listed twice", ("questionnaires", rel.value, i)


@rule("feeds_known_kind")
def _feeds_known_kind(p: FeedbackPolicy) -> Iterable[tuple[str, Loc]]:
    for rel, kind in p.feeds.items():
        if kind not in FEEDBACK_KINDS or kind == "nps":
            yield (
                f"{rel.value} feeds {kind!r}, which is no 0-100 feedback kind "
                f"({', '.join(k for k in FEEDBACK_KINDS if k != 'nps')})",
                ("feeds", rel.value),
            )
        if rel is Relation.SELF:
            yield "self reviews never feed scoring (nobody scores themself)", ("feeds", rel.value)


RULES = (_scale_ordered, _questionnaire_per_relation, _feeds_known_kind)


def response_score(policy: FeedbackPolicy, answers: Mapping[str, int]) -> Decimal:
    """(mean answer − scale.min) × 100 ÷ (scale.max − scale.min), half up to 2 places.

    With a 1–5 scale, answers 4, 5, 4 → mean 13/3 → (13/3 − 1) × 25 = 83.333… → 83.33.
    """
    if not answers:
        raise ValueError("a response needs at least one answer")
    lo, hi = policy.scale.min, policy.scale.max
    for qid, value in answers.items():
        if not lo <= value <= hi:
            raise ValueError(f"answer to {qid!r} is {value}, outside the scale {lo}–{hi}")
    total = Decimal(sum(answers.values()))
    n = len(answers)
    score = (total - n * lo) * 100 / (n * (hi - lo))
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


def load_feedback_policy(path: Path | str | None = None) -> LoadedPolicy[FeedbackPolicy]:
    """The policy at `path`, or the shipped default (policies/defaults/feedback.yaml)."""
    return load_policy(path, FeedbackPolicy, default=DEFAULT_FILE, rules=RULES)
