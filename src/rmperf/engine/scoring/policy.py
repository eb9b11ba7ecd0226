"""The scorecard policy: who a card applies to, its weighted lines, adjustments and ratings.

DOMAIN §5 (100-point composite, four tiers, forced distribution), §7 (targets co-set per
person) and §9 (daily-average deposits, compliance and risk weigh more). A scorecard is
one YAML file; the checks that span lines are the named rules in `rules.py`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from rmperf.engine.policy import PolicyModel

Snake = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
NonNeg = Annotated[Decimal, Field(ge=0)]
#: The balanced scorecard's four perspectives (DOMAIN §5).
Perspective = Literal["financial", "customer", "process", "learning"]


class Tier(StrEnum):
    """Rating tiers, best first (P-13: a fixed, ordered set)."""

    OUTSTANDING = "outstanding"  # 优秀
    GOOD = "good"  # 良好
    COMPETENT = "competent"  # 称职
    NOT_COMPETENT = "not_competent"  # 不称职


TIER_ORDER: tuple[Tier, ...] = tuple(Tier)
TIER_ZH = {
    Tier.OUTSTANDING: "优秀",
    Tier.GOOD: "良好",
    Tier.COMPETENT: "称职",
    Tier.NOT_COMPETENT: "不称职",
}


class BusinessLine(StrEnum):
    RETAIL = "retail"
    CORPORATE = "corporate"
    SCI_TECH = "sci_tech"


class PeerGroup(StrEnum):
    """Whom an RM is compared with: every RM on the same card, their team, or their branch."""

    SCORECARD = "scorecard"
    TEAM = "team"
    BRANCH = "branch"


class Undefined(StrEnum):
    """What a line does for an RM whose indicator is undefined (e.g. no loans)."""

    RENORMALISE = "renormalise"  # left out; the other lines' weights scale up to 100
    ZERO = "zero"  # counts, with 0 points


class Names(PolicyModel):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Subject(StrEnum):
    """What a card scores: relationship managers, or org units from their RMs' roll-up."""

    RM = "rm"
    UNIT = "unit"


class UnitKind(StrEnum):
    """The org units a unit card scores (seed 003 §五: branches and teams, by line)."""

    BRANCH = "branch"
    TEAM = "team"


class AppliesTo(PolicyModel):
    """Which staff a card scores (an RM card: a role and a business line), or which org
    units (a unit card: `unit_kind`)."""

    role: Literal["rm"] = "rm"
    business_line: BusinessLine | None = Field(
        None, description="an RM card's business line (required on an RM card)"
    )
    unit_kind: UnitKind | None = Field(
        None, description="a unit card's kind of org unit (required on a unit card)"
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Left out while unset, so an RM card's digest (its policy version) is what it
        # was before unit cards existed.
        data: dict[str, Any] = handler(self)
        if self.unit_kind is None:
            data.pop("unit_kind", None)
        return data


class TargetSource(StrEnum):
    FIXED = "fixed"  # the card's value for everyone
    PER_PERSON = "per_person"  # from the annual target sheet (一人一表); `value` is the default


class TargetBasis(StrEnum):
    ANNUAL = "annual"  # an amount for the year, split into quarters (and months)
    LEVEL = "level"  # a rate or level, the same in every period


class TargetSpec(PolicyModel):
    """Where a line's target comes from and how an annual figure becomes a period's."""

    source: TargetSource = TargetSource.FIXED
    basis: TargetBasis = TargetBasis.ANNUAL
    value: NonNeg | None = Field(
        None, description="the target (fixed), or the default when a person has no sheet row"
    )
    seasonality: tuple[NonNeg, NonNeg, NonNeg, NonNeg] | None = Field(
        None, description="shares of the annual target per quarter (sum 1); default equal"
    )


class Band(PolicyModel):
    """`min` ≤ x < `max` scores `share` of the line's weight; an absent bound is open."""

    min: Decimal | None = None
    max: Decimal | None = None
    share: NonNeg


class Comparison(PolicyModel):
    """A threshold test on a value: exactly one of gt, ge, lt, le."""

    gt: Decimal | None = None
    ge: Decimal | None = None
    lt: Decimal | None = None
    le: Decimal | None = None

    def holds(self, value: Decimal) -> bool:
        return (
            (self.gt is None or value > self.gt)
            and (self.ge is None or value >= self.ge)
            and (self.lt is None or value < self.lt)
            and (self.le is None or value <= self.le)
        )

    def bounds(self) -> list[tuple[str, Decimal]]:
        return [
            (op, v)
            for op, v in (("gt", self.gt), ("ge", self.ge), ("lt", self.lt), ("le", self.le))
            if v is not None
        ]

    def __str__(self) -> str:
        symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
        return " and ".join(f"{symbols[op]} {v}" for op, v in self.bounds())


class _Line(PolicyModel):
    id: Snake | None = Field(None, description="line id; default: the indicator id")
    indicator: Snake | None = None
    weight: NonNeg
    weight_range: tuple[NonNeg, NonNeg] | None = Field(
        None,
        description=(
            "[min, max] a per-person weight in the target sheet may take (一人一表); "
            "without it the line's weight is fixed"
        ),
    )
    when_undefined: Undefined = Undefined.RENORMALISE
    warning: Comparison | None = Field(
        None, description="flag the line (not the score) when the value meets this test"
    )

    @property
    def key(self) -> str:
        """The line's id (its indicator unless named otherwise)."""
        return self.id or self.indicator or ""


class RatioLine(_Line):
    """completion = value / target (higher is better) or target / value (lower), clamped."""

    method: Literal["ratio"]
    target: TargetSpec
    floor: NonNeg = Decimal(0)
    cap: NonNeg = Decimal(1)


class BandsLine(_Line):
    """The band the value (or its completion) falls in gives a share of the weight."""

    method: Literal["bands"]
    basis: Literal["value", "completion"] = "value"
    target: TargetSpec | None = None
    bands: tuple[Band, ...] = Field(min_length=1)


class DeductionLine(_Line):
    """Full weight less `per_occurrence` points per occurrence, down to `floor` points."""

    method: Literal["deduction"]
    per_occurrence: Annotated[Decimal, Field(gt=0)]
    floor: NonNeg = Decimal(0)


class VetoLine(_Line):
    """一票否决: a breach gives the line 0 and zeroes or caps the whole total."""

    method: Literal["veto"]
    breach: Comparison
    effect: Literal["zero", "cap"] = "zero"
    total_cap: NonNeg | None = Field(None, description="the total's cap when effect is cap")


class RankLine(_Line):
    """Share by rank among peers: best 1, worst `min_share`, linear between (ties: 1224)."""

    method: Literal["rank"]
    peer_group: PeerGroup = PeerGroup.SCORECARD
    min_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal(0)


class PercentileLine(_Line):
    """Percentile among peers (ties count half) → share, through `bands` if given."""

    method: Literal["percentile"]
    peer_group: PeerGroup = PeerGroup.SCORECARD
    bands: tuple[Band, ...] | None = None


class ManualLine(_Line):
    """A qualitative score 0–100 (e.g. the self-review panel), from the manual-scores file."""

    method: Literal["manual"]
    manual: Snake = Field(description="the key of this score in the manual-scores file")
    category: Literal["business", "compliance", "risk", "development", "social"]

    @property
    def key(self) -> str:
        return self.id or self.manual


Line = Annotated[
    RatioLine | BandsLine | DeductionLine | VetoLine | RankLine | PercentileLine | ManualLine,
    Field(discriminator="method"),
]


class Adjustment(PolicyModel):
    """A bonus or deduction item outside the 100 points: `per_unit` points per unit of value."""

    id: Snake
    kind: Literal["bonus", "deduction"]
    indicator: Snake | None = None
    manual: Snake | None = None
    per_unit: Annotated[Decimal, Field(gt=0)]
    max: NonNeg | None = Field(None, description="most points this item can give or take")

    @property
    def source_key(self) -> str:
        return self.indicator or self.manual or ""


class RatingBand(PolicyModel):
    """`min` ≤ total < `max` gives `tier`; the highest band includes its `max`."""

    tier: Tier
    min: NonNeg
    max: NonNeg


class TierCap(PolicyModel):
    tier: Tier
    max_share: Annotated[Decimal, Field(gt=0, le=1)]


class ForcedDistribution(PolicyModel):
    """At most `max_share` of a peer group in a tier; the rest move down one tier.

    Order within a tier: total (higher first), then the points of `tiebreak_line`
    (higher first), then staff_id (ascending). The first `allowed` keep the tier.
    A peer group of fewer than `min_group_size` RMs is pooled with the next org level
    up (team → branch → region → bank) until it has that many; see docs/scorecards.md.
    """

    caps: tuple[TierCap, ...] = Field(min_length=1)
    peer_group: PeerGroup = PeerGroup.SCORECARD
    count_rounding: Literal["down", "half_up"] = "down"
    tiebreak_line: Snake | None = None
    min_group_size: int = Field(
        10,
        ge=1,
        strict=True,
        description=(
            "a peer group with fewer RMs is pooled with the next org level up "
            "(team → branch → region → bank) until it has at least this many"
        ),
    )


DEFAULT_BANDS = (
    RatingBand(tier=Tier.OUTSTANDING, min=Decimal(90), max=Decimal(100)),
    RatingBand(tier=Tier.GOOD, min=Decimal(75), max=Decimal(90)),
    RatingBand(tier=Tier.COMPETENT, min=Decimal(60), max=Decimal(75)),
    RatingBand(tier=Tier.NOT_COMPETENT, min=Decimal(0), max=Decimal(60)),
)


class Rating(PolicyModel):
    bands: tuple[RatingBand, ...] = DEFAULT_BANDS
    forced_distribution: ForcedDistribution | None = None

    def tier_of(self, total: Decimal) -> Tier:
        top = max(self.bands, key=lambda b: b.max)
        for band in self.bands:
            if band.min <= total < band.max or (band is top and total == band.max):
                return band.tier
        raise ValueError(f"total {total} is in no rating band")


class Scorecard(PolicyModel):
    """One scorecard: weighted lines summing to 100, adjustments, and the rating bands."""

    name: Snake
    names: Names
    description: str = ""
    subject: Subject = Field(
        Subject.RM,
        description=(
            "rm: scores RMs (the default); unit: scores org units of `applies_to.unit_kind` "
            "from the roll-up of their RMs' indicator values"
        ),
    )
    applies_to: AppliesTo
    min_compliance_risk_share: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        Decimal(20), description="compliance + risk lines weigh at least this many points"
    )
    compliance_risk_margin: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        Decimal(5),
        description=(
            "unit cards (P-02): the compliance category and the risk category each weigh at "
            "least the heaviest other category plus this many points"
        ),
    )
    prorate_joiners: bool = Field(
        True, description="scale annual-basis targets by the days in post of mid-period joiners"
    )
    lines: tuple[Line, ...] = Field(min_length=1)
    bonus_cap: NonNeg = Decimal(0)
    deduction_cap: NonNeg | None = None
    adjustments: tuple[Adjustment, ...] = ()
    rating: Rating = Rating()
    perspectives: dict[Snake, Perspective] = Field(
        default_factory=dict,
        description=(
            "balanced-scorecard perspective of a line (line id → financial, customer, "
            "process or learning); default: the indicator's, a manual line's from its "
            "category (engine scoring/bsc.py)"
        ),
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The unit-card fields are left out while they hold their defaults, so an RM
        # card's digest (its policy version) is what it was before unit cards existed.
        data: dict[str, Any] = handler(self)
        if self.subject is Subject.RM:
            data.pop("subject", None)
        if self.compliance_risk_margin == Decimal(5):
            data.pop("compliance_risk_margin", None)
        return data

    @property
    def is_unit(self) -> bool:
        return self.subject is Subject.UNIT

    def line(
        self, key: str
    ) -> (
        RatioLine | BandsLine | DeductionLine | VetoLine | RankLine | (PercentileLine | ManualLine)
    ):
        for ln in self.lines:
            if ln.key == key:
                return ln
        raise KeyError(key)


AnyLine = RatioLine | BandsLine | DeductionLine | VetoLine | RankLine | PercentileLine | ManualLine
