"""The indicators' parameters: documented constants a later policy can override.

Every number an indicator definition depends on lives here, in one frozen value, so a
bank policy (`compute_indicators(..., params=...)`) can replace any of them without
touching the formulas. The defaults are stated in docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rmperf.engine.referrals.points import ReferralPointsRule

#: Probability of default per five-grade class (annual), for expected loss in RAROC/EVA.
DEFAULT_PD_BY_GRADE: Mapping[str, Decimal] = MappingProxyType(
    {
        "normal": Decimal("0.01"),
        "special_mention": Decimal("0.05"),
        "substandard": Decimal("0.30"),
        "doubtful": Decimal("0.60"),
        "loss": Decimal("1.00"),
    }
)

#: The simplified RAROC / EVA model (docs/indicators.md "RAROC and EVA").
DEFAULT_RISK_CAPITAL: Mapping[str, Decimal] = MappingProxyType(
    {
        "lgd": Decimal("0.45"),  # loss given default
        "capital_ratio": Decimal("0.105"),  # capital held per unit of loan balance
        "cost_of_capital": Decimal("0.12"),  # hurdle rate charged on that capital, annual
        "days_per_year": Decimal("365"),
    }
)

#: Categories whose holdings earn intermediate-business (fee) income.
FEE_CATEGORIES = ("wealth", "fund", "insurance", "trust")
#: Balance categories counted as assets under management (DOMAIN §1 default).
AUM_CATEGORIES = ("deposit", "wealth", "fund", "insurance")
#: Categories whose offer-attributed purchases count as wealth sales (财富类).
OFFER_SALES_CATEGORIES = ("wealth", "fund", "insurance", "trust")
#: Transaction channels that count as online processing.
ONLINE_CHANNELS = ("mobile", "online")
#: Five-grade classes that make a loan non-performing.
NPL_GRADES = ("substandard", "doubtful", "loss")
#: Loan categories of the product shelf (a holding of these is a loan, not a sale).
LOAN_CATEGORIES = ("mortgage", "consumer_loan", "business_loan")


@dataclass(frozen=True)
class IndicatorParams:
    """Parameters of the indicator definitions (defaults: docs/indicators.md)."""

    #: A month whose month-end balance exceeds `spike_factor` × its daily average, with
    #: the next month's daily average again below month-end / `spike_factor`, is flagged
    #: as a 时点冲量 (window-dressing) spike.
    spike_factor: Decimal = Decimal("1.5")
    #: New valid customer: at least this many transactions in the period after opening …
    valid_customer_min_txns: int = 1
    #: … and an AUM daily average of at least this much in one month of the period.
    valid_customer_min_aum: Decimal = Decimal("1000.00")
    #: High-net-worth: AUM daily average of the month at least this much.
    hnw_min_aum: Decimal = Decimal("1000000.00")
    #: Sleeping: no transaction for at least this many days (DOMAIN §1: R ≥ 180).
    sleeping_days: int = 180
    #: A request answered within this many seconds counts for the 24-hour rate.
    response_seconds: int = 24 * 3600
    #: A loan with at least this many days overdue counts as overdue.
    overdue_min_days: int = 1
    #: NPS: promoters answer at least `nps_promoter`, detractors at most `nps_detractor`.
    nps_promoter: Decimal = Decimal("9")
    nps_detractor: Decimal = Decimal("6")
    #: Referral points: the referrals policy's rule (engine/referrals/points.py), the one
    #: the app's ledger pays; None: the shipped referrals policy's.
    referral_points: ReferralPointsRule | None = None
    #: Offers (the offers input): a purchase of the offered product is attributed to an
    #: offer when its holding starts from the offer day to `offer_window_days` after it
    #: (the recommend policy's attribution window, default 60) …
    offer_window_days: int = 60
    #: … and a complaint of the customer from the offer day to `offer_complaint_days`
    #: after it counts against the offer (mis-selling complaint rate).
    offer_complaint_days: int = 30
    #: VIP customers (vip_service_depth) are those who meet the core tier's rule of the
    #: segmentation (DOMAIN §1 defaults) on the day before the period: at most
    #: `vip_max_recency_days` since the last transaction, at least `vip_min_frequency`
    #: transactions in the `vip_frequency_days` days ending that day, and an AUM (mean of
    #: the `vip_aum_months` months' daily averages ending with that day's month, rounded
    #: half up to the cent) of at least `vip_min_aum`. A bank whose segmentation policy
    #: moves the core tier sets the same numbers here.
    vip_max_recency_days: int = 30
    vip_min_frequency: int = 5
    vip_frequency_days: int = 90
    vip_aum_months: int = 3
    vip_min_aum: Decimal = Decimal("500000.00")
    pd_by_grade: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_PD_BY_GRADE)
    risk_capital: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_RISK_CAPITAL)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pd_by_grade", MappingProxyType(dict(self.pd_by_grade)))
        object.__setattr__(self, "risk_capital", MappingProxyType(dict(self.risk_capital)))
        missing = {"normal", "special_mention", "substandard", "doubtful", "loss"} - set(
            self.pd_by_grade
        )
        if missing:
            raise ValueError(f"pd_by_grade lacks {sorted(missing)}")
        for grade in self.pd_by_grade:
            _six_places(self.expected_loss_rate(grade), f"PD({grade}) × LGD")
        _six_places(self.capital_charge_rate, "capital_ratio × cost_of_capital")
        _six_places(self.capital_ratio, "capital_ratio")
        if self.offer_window_days < 0 or self.offer_complaint_days < 0:
            raise ValueError("offer_window_days and offer_complaint_days must be 0 or more")
        if self.spike_factor <= 1:
            raise ValueError("spike_factor must exceed 1")
        if self.vip_frequency_days < 1:
            raise ValueError("vip_frequency_days must be 1 or more")
        if not 0 <= self.vip_max_recency_days <= self.vip_frequency_days:
            raise ValueError("vip_max_recency_days must be between 0 and vip_frequency_days")
        if self.vip_aum_months < 1 or self.vip_min_frequency < 0:
            raise ValueError("vip_aum_months must be 1 or more, vip_min_frequency 0 or more")
        for name in ("hnw_min_aum", "vip_min_aum"):
            value = getattr(self, name)
            if value < 0 or value != value.quantize(Decimal("0.01")):
                raise ValueError(f"{name} must be a non-negative amount with at most 2 places")

    @property
    def referral_rule(self) -> ReferralPointsRule:
        """The referral points rule in force (the shipped policy's unless given)."""
        if self.referral_points is not None:
            return self.referral_points
        from rmperf.engine.referrals.points import default_points_rule

        return default_points_rule()

    @property
    def lgd(self) -> Decimal:
        return self.risk_capital["lgd"]

    @property
    def capital_ratio(self) -> Decimal:
        return self.risk_capital["capital_ratio"]

    @property
    def capital_charge_rate(self) -> Decimal:
        """Annual cost of the capital a unit of loan balance ties up."""
        return self.risk_capital["capital_ratio"] * self.risk_capital["cost_of_capital"]

    @property
    def days_per_year(self) -> int:
        return int(self.risk_capital["days_per_year"])

    @property
    def lookback_days(self) -> int:
        """How far before the period the look-back indicators read transactions."""
        return max(self.sleeping_days, self.vip_frequency_days)

    def expected_loss_rate(self, grade: str) -> Decimal:
        """Annual expected loss per unit of balance for a five-grade class: PD × LGD."""
        return self.pd_by_grade[grade] * self.lgd


def _six_places(value: Decimal, what: str) -> None:
    # Numerators are carried with 6 decimal places; a rate with more would be rounded.
    if value != value.quantize(Decimal("0.000001")):
        raise ValueError(f"{what} = {value} has more than 6 decimal places")


DEFAULT_PARAMS = IndicatorParams()
