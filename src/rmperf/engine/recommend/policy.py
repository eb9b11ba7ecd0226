"""The recommendation policy (DOMAIN §2): candidate rules in three families, the
suitability rules that filter them, and the figures used to rank by expected value.

Every number here is a default the bank may change; none is a constant in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, model_validator

from rmperf.engine.contract import EVENT_KIND_PATTERN, PRODUCT_CATEGORIES
from rmperf.engine.policy import (
    LoadedPolicy,
    PolicyError,
    PolicyIssue,
    PolicyModel,
    Severity,
    load_policy,
    rule,
)
from rmperf.engine.policy.loader import Loc

DEFAULT_FILE = "recommend.yaml"
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
TOLERANCES = ("C1", "C2", "C3", "C4", "C5")
CustomerKind = Literal["retail", "corporate"]
RiskLevel = Literal["R1", "R2", "R3", "R4", "R5"]


class Family(StrEnum):
    """Where a candidate comes from (DOMAIN §2)."""

    BEHAVIOUR = "behaviour"  # what the customer did: page views, inquiries
    GAP = "gap"  # what the customer holds and lacks
    SCENE = "scene"  # a moment: payroll day, a disbursed mortgage, a maturity


class Scene(StrEnum):
    """Moments computed from the lake rather than from one event count."""

    PAYROLL_DAY = "payroll_day"  # the next payroll day falls in D … D + days_ahead
    MATURITY = "maturity"  # a holding matures in D … D + days_ahead


class Text(PolicyModel):
    """A text shown to people, in both shipped languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class EventCondition(PolicyModel):
    """At least `min_count` events of `kinds` (or a dotted sub-kind) in D − window + 1 … D.

    With `tag`, the condition is the segmentation policy's events tag of that id: its
    kinds, window and min_count, filled in when the policy is validated. The tag is then
    the one place the threshold is set, and changing it changes the tag and the rule.
    """

    tag: str | None = None
    kinds: tuple[str, ...] = ()
    min_count: int = Field(1, ge=1)
    window_days: int = Field(30, ge=1, le=3660)

    @model_validator(mode="after")
    def _kinds_or_tag(self, info: ValidationInfo) -> EventCondition:
        if self.tag is None and not self.kinds:
            raise ValueError("an events condition names its kinds or a segmentation tag")
        if self.tag is None:
            return self
        given = self.model_fields_set & set(TAG_FIELDS)
        if given:
            raise ValueError(
                f"{', '.join(sorted(given))}: a tag condition takes its kinds, window_days "
                f"and min_count from the segmentation tag {self.tag!r}; do not set them here"
            )
        context = info.context if isinstance(info.context, dict) else {}
        given_tags = context.get("segmentation_tags")
        tags = given_tags if given_tags is not None else _default_segmentation_tags()
        tag = next((t for t in tags if t.id == self.tag), None)
        if tag is None or tag.source != "events" or not tag.kinds or tag.window_days is None:
            where = "the given" if given_tags is not None else "the shipped"
            raise ValueError(f"no events tag {self.tag!r} in {where} segmentation policy")
        # Filled in place: the model is frozen, and these fields stay unset (a dump with
        # exclude_unset keeps only the tag, so the tag can be filled again from others).
        object.__setattr__(self, "kinds", tuple(tag.kinds))
        object.__setattr__(self, "min_count", tag.min_count if tag.min_count is not None else 1)
        object.__setattr__(self, "window_days", tag.window_days)
        return self


#: What an events condition with `tag` takes from the segmentation tag.
TAG_FIELDS = ("kinds", "min_count", "window_days")


class SceneCondition(PolicyModel):
    scene: Scene
    days_ahead: int = Field(7, ge=0, le=366)


class Condition(PolicyModel):
    """Everything a candidate rule asks of a customer at D; absent parts do not constrain."""

    customer_kinds: tuple[CustomerKind, ...] = ("retail", "corporate")
    events: EventCondition | None = None
    holds_any: tuple[str, ...] = ()  # holds a product of at least one of these categories
    holds_none: tuple[str, ...] = ()  # holds no product of any of these categories
    min_aum: Decimal | None = Field(None, ge=0, decimal_places=2)
    scene: SceneCondition | None = None
    #: The customer profile's industry is one of these (compared without case; a customer
    #: with no industry recorded never matches). Only a rule that names it reads it.
    industries: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = ()

    @model_validator(mode="after")
    def _says_something(self) -> Condition:
        if not (
            self.events or self.holds_any or self.holds_none or self.scene or self.industries
        ) and (self.min_aum is None):
            raise ValueError("a condition needs events, holdings, min_aum, a scene or industries")
        return self


class Offer(PolicyModel):
    """What a rule offers: named products, every product of some categories, or (scene
    maturity only) the maturing product itself."""

    product_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    renew_maturing: bool = False

    @model_validator(mode="after")
    def _offers_something(self) -> Offer:
        if not (self.product_ids or self.categories or self.renew_maturing):
            raise ValueError("an offer names product_ids, categories or renew_maturing")
        return self


class CandidateRule(PolicyModel):
    """One candidate rule: when the condition holds the offer becomes a candidate, with
    `reason` (the rule in words) and `prior`, the purchase probability used when no
    propensity model is given."""

    id: str
    family: Family
    when: Condition
    offer: Offer
    reason: Text
    prior: Decimal = Field(gt=0, le=1, decimal_places=4)

    def reason_text(self, lang: Literal["zh", "en"]) -> str:
        """The reason in `lang`, with `{min_count}` and `{window_days}` replaced by the
        events condition's figures (so a reason follows its threshold)."""
        text = self.reason.zh if lang == "zh" else self.reason.en
        if self.when.events is not None:
            text = text.replace("{min_count}", str(self.when.events.min_count))
            text = text.replace("{window_days}", str(self.when.events.window_days))
        return text


class Action(StrEnum):
    BLOCK = "block"  # never shown as a recommendation
    FLAG = "flag"  # shown, with the safeguard the RM must follow


class ExtraCondition(PolicyModel):
    """Who an extra suitability rule applies to; every given part must hold."""

    min_age: int | None = Field(None, ge=0, le=130)
    first_purchase_of: tuple[str, ...] = ()  # never held a product of these categories
    marketing_opt_out: bool | None = None
    customer_kinds: tuple[CustomerKind, ...] = ("retail", "corporate")


class ExtraRule(PolicyModel):
    """A further suitability rule: products above `above_risk` (R0 = every product) of
    the customers it applies to are blocked or flagged."""

    id: str
    when: ExtraCondition
    above_risk: Literal["R0", "R1", "R2", "R3", "R4"] = "R0"
    categories: tuple[str, ...] = ()  # empty: every category
    action: Action
    reason: Text


class Suitability(PolicyModel):
    """Suitability is a hard filter, applied after ranking inputs are known and before
    anything is shown (DOMAIN §2): risk above tolerance is blocked; without a current
    assessment only products up to `unassessed_max_risk` may be offered."""

    assessment_valid_months: int = Field(12, ge=1, le=60)
    unassessed_max_risk: RiskLevel = "R1"
    extra: tuple[ExtraRule, ...] = ()


class Ranking(PolicyModel):
    """Expected value = propensity × revenue_rate × typical ticket of the category."""

    typical_ticket: dict[str, Decimal]
    top_n: int = Field(5, ge=1, le=100)
    max_per_category: int = Field(1, ge=1, le=100)


class Training(PolicyModel):
    """The propensity model: a purchase is a new holding of a category within the horizon."""

    horizon_days: int = Field(30, ge=1, le=366)
    snapshots: int = Field(6, ge=1, le=36)
    snapshot_step_days: int = Field(30, ge=1, le=366)
    categories: tuple[str, ...]
    eval_k: int = Field(3, ge=1, le=20)
    negative_share: float = Field(0.2, gt=0, le=1)


class AttributionPolicy(PolicyModel):
    """An accepted offer is attributed when the product shows up in holdings in time."""

    window_days: int = Field(60, ge=1, le=366)


class RecommendPolicy(PolicyModel):
    time_zone: str = "Asia/Shanghai"
    rules: tuple[CandidateRule, ...] = Field(min_length=1)
    suitability: Suitability = Suitability()
    ranking: Ranking
    training: Training
    attribution: AttributionPolicy = AttributionPolicy()

    def with_segmentation_tags(self, tags: Sequence[Any]) -> RecommendPolicy:
        """This policy with its tag conditions filled from `tags` (a segmentation policy's
        tags) instead of the shipped ones."""
        data = self.model_dump(mode="json", exclude_unset=True)
        return RecommendPolicy.model_validate(data, context={"segmentation_tags": tuple(tags)})


@cache
def _default_segmentation_tags() -> tuple[Any, ...]:
    from rmperf.engine.segmentation.policy import load_segmentation_policy

    return tuple(load_segmentation_policy().policy.tags)


def _categories(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        for field_name, cats in (
            ("holds_any", r.when.holds_any),
            ("holds_none", r.when.holds_none),
        ):
            for j, c in enumerate(cats):
                yield c, ("rules", i, "when", field_name, j)
        for j, c in enumerate(r.offer.categories):
            yield c, ("rules", i, "offer", "categories", j)
    for i, x in enumerate(p.suitability.extra):
        for j, c in enumerate(x.when.first_purchase_of):
            yield c, ("suitability", "extra", i, "when", "first_purchase_of", j)
        for j, c in enumerate(x.categories):
            yield c, ("suitability", "extra", i, "categories", j)
    for c in p.ranking.typical_ticket:
        yield c, ("ranking", "typical_ticket", c)
    for j, c in enumerate(p.training.categories):
        yield c, ("training", "categories", j)


@rule("categories_known")
def _categories_known(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    for cat, loc in _categories(p):
        if cat not in PRODUCT_CATEGORIES:
            yield f"{cat!r} is not a product category ({', '.join(PRODUCT_CATEGORIES)})", loc


@rule("rule_ids_unique")
def _rule_ids_unique(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    seen: set[str] = set()
    for i, r in enumerate(p.rules):
        if r.id in seen:
            yield f"rule id {r.id!r} is used twice", ("rules", i, "id")
        seen.add(r.id)
    for i, x in enumerate(p.suitability.extra):
        if x.id in seen or x.id in ("risk_above_tolerance", "assessment_missing_or_expired"):
            yield f"rule id {x.id!r} is used twice", ("suitability", "extra", i, "id")
        seen.add(x.id)


@rule("event_kinds_well_formed")
def _event_kinds(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    pattern = re.compile(EVENT_KIND_PATTERN)
    for i, r in enumerate(p.rules):
        if r.when.events is not None:
            for j, k in enumerate(r.when.events.kinds):
                if not pattern.match(k):
                    yield f"{k!r} is not an event kind", ("rules", i, "when", "events", "kinds", j)


@rule("renewal_needs_maturity")
def _renewal_scene(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        maturity = r.when.scene is not None and r.when.scene.scene is Scene.MATURITY
        if r.offer.renew_maturing and not maturity:
            yield "renew_maturing needs the scene maturity", ("rules", i, "offer")


@rule("ticket_for_every_offer", Severity.WARNING)
def _tickets(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    for i, r in enumerate(p.rules):
        for j, c in enumerate(r.offer.categories):
            if c not in p.ranking.typical_ticket:
                yield (
                    f"no typical ticket for {c!r}: its value counts as 0",
                    (
                        "rules",
                        i,
                        "offer",
                        "categories",
                        j,
                    ),
                )


@rule("time_zone_known")
def _time_zone_known(p: RecommendPolicy) -> Iterable[tuple[str, Loc]]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(p.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"unknown time zone {p.time_zone!r}", ("time_zone",)


RULES = (
    _categories_known,
    _rule_ids_unique,
    _event_kinds,
    _renewal_scene,
    _tickets,
    _time_zone_known,
)


def load_recommend_policy(
    path: Path | str | None = None, *, segmentation_tags: Sequence[Any] | None = None
) -> LoadedPolicy[RecommendPolicy]:
    """The policy at `path`, or the shipped default (DOMAIN §2). A rule's events condition
    with `tag` is filled from `segmentation_tags` (a segmentation policy's tags), by
    default the shipped segmentation policy's."""
    loaded = load_policy(path, RecommendPolicy, default=DEFAULT_FILE, rules=RULES)
    if segmentation_tags is None:
        return loaded
    try:
        policy = loaded.policy.with_segmentation_tags(segmentation_tags)
    except ValidationError as exc:
        # Only the tag conditions can fail here (the policy was valid with the shipped
        # tags); pydantic then also reports the rules tuple as short of the refused rule.
        errors = [e for e in exc.errors() if "events" in e["loc"]] or exc.errors()
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR,
                    "event_tag_known",
                    str(err["msg"]).removeprefix("Value error, "),
                    loaded.source,
                    _tag_line(path, err["loc"], loaded.policy),
                    tuple(err["loc"]),
                )
                for err in errors
            ]
        ) from None
    return replace(loaded, policy=policy)


def _tag_line(path: Path | str | None, loc: tuple[Any, ...], policy: RecommendPolicy) -> int | None:
    """The line of the failing rule's `tag:` in the policy file (None when not found)."""
    if path is None or len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
        return None
    events = policy.rules[loc[1]].when.events
    if events is None or events.tag is None:
        return None
    seen = -1
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if re.search(r"^\s*-\s*id:", line):
            seen += 1
        if seen == loc[1] and re.search(rf"\btag:\s*{re.escape(events.tag)}\b", line):
            return number
    return None
