"""What each indicator reads and how its sums are finished, without Ibis.

`definitions.DETAILS` holds each indicator's detail expression (Ibis); this module holds
the rest of its definition: the lake tables it reads and its finisher, which turns the
exact integer sums (key, a, b) of its rows into a numerator and denominator (Decimal).
A warm `compute_indicators` runs compiled SQL (rmperf.engine.sql_cache) and needs only
this module, so it imports no Ibis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from rmperf.engine.indicators.context import Context

NumDen = tuple[Decimal, Decimal | None]
Finish = Callable[[Context, str, int, int], NumDen]


def _finish_level(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, None


def _finish_growth(ctx: Context, key: str, a: int, b: int) -> NumDen:
    match key:
        case "cur":
            return Decimal(a) * ctx.prev_days / 100, None
        case "base":
            return -Decimal(a) / 100, None
        case _:  # base_prev
            return -Decimal(a) * ctx.days / 100, None


def _const_days(ctx: Context) -> Decimal:
    return Decimal(ctx.days)


def _const_growth(ctx: Context) -> Decimal:
    return Decimal(ctx.days * ctx.prev_days)


def _split_key(key: str) -> tuple[str, str]:
    product, _, grade = key.partition("|")
    return product, grade


def _finish_raroc(ctx: Context, key: str, a: int, b: int) -> NumDen:
    product, grade = _split_key(key)
    p = ctx.params
    margin = ctx.rates[product] - p.expected_loss_rate(grade)
    return Decimal(a) * margin, Decimal(a) * p.capital_ratio


def _finish_eva(ctx: Context, key: str, a: int, b: int) -> NumDen:
    product, grade = _split_key(key)
    p = ctx.params
    margin = ctx.rates[product] - p.expected_loss_rate(grade) - p.capital_charge_rate
    return Decimal(a) * margin * ctx.loan_days, None


def _const_eva(ctx: Context) -> Decimal:
    return Decimal(100 * ctx.params.days_per_year * len(ctx.loan_months))


def _finish_fee(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) * ctx.rates[key], None


def _const_fee(ctx: Context) -> Decimal:
    return Decimal(100 * ctx.params.days_per_year)


def _finish_count(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), None


def _finish_cents(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, None


def _finish_ratio(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), Decimal(b)


def _finish_cents_ratio(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, Decimal(b) / 100


def _finish_score(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, Decimal(b)


def _finish_seconds(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), Decimal(b * 3600)


def _finish_nps(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a * 100), Decimal(b)


def _no_const(ctx: Context) -> Decimal | None:
    return None


@dataclass(frozen=True)
class Spec:
    """How one indicator is computed (metadata lives in `library.LIBRARY`, the detail
    expression in `definitions.DETAILS`)."""

    tables: tuple[str, ...]
    finish: Finish
    #: The denominator shared by every RM for `combine = sum` indicators (None: none).
    const_den: Callable[[Context], Decimal | None] = _no_const
    #: Reads the offers input (`offers.OFFERS_VIEW`) besides the lake.
    offers: bool = False
    #: Reads transactions before the period (the sleeping look-back), not only its days.
    lookback: bool = False


_BAL = ("balances", "assignments")
_HOLD = ("holdings", "products", "assignments", "customers")
_LOAN = ("loans",)
_LS = ("loans", "loan_status", "products")
_OFFER = ("holdings", "products", "customers", "staff")

SPECS: dict[str, Spec] = {
    "deposit_avg_balance": Spec(_BAL, _finish_level, _const_days),
    "deposit_avg_growth": Spec(_BAL, _finish_growth, _const_growth),
    "aum_avg_balance": Spec(_BAL, _finish_level, _const_days),
    "aum_avg_growth": Spec(_BAL, _finish_growth, _const_growth),
    "new_loans": Spec(_LOAN, _finish_cents),
    "wealth_sales": Spec(_HOLD, _finish_cents),
    "fund_sales": Spec(_HOLD, _finish_cents),
    "insurance_sales": Spec(_HOLD, _finish_cents),
    "fee_income": Spec(_HOLD, _finish_fee, _const_fee),
    "new_valid_customers": Spec(
        ("customers", "transactions", "balances", "assignments"), _finish_count
    ),
    "cross_sell_rate": Spec(_HOLD, _finish_ratio),
    "raroc": Spec(_LS, _finish_raroc),
    "eva": Spec(_LS, _finish_eva, _const_eva),
    "supply_chain_finance": Spec(_LOAN, _finish_cents),
    "sci_tech_customers": Spec(("customers", "assignments"), _finish_count),
    "overdue_rate": Spec(("loans", "loan_status"), _finish_cents_ratio),
    "npl_ratio": Spec(("loans", "loan_status"), _finish_cents_ratio),
    "complaints": Spec(("events", "assignments"), _finish_count),
    "compliance_breaches": Spec(("events", "assignments"), _finish_count),
    "response_24h_rate": Spec(("requests",), _finish_ratio),
    "avg_response_hours": Spec(("requests",), _finish_seconds),
    "online_share": Spec(("transactions", "assignments"), _finish_ratio),
    "loan_approval_days": Spec(_LOAN, _finish_ratio),
    "nps": Spec(("feedback",), _finish_nps),
    "hnw_retention": Spec(_BAL, _finish_ratio),
    "sleeping_wakeup_rate": Spec(
        ("customers", "transactions", "assignments"), _finish_ratio, lookback=True
    ),
    "risk_due_diligence": Spec(("feedback",), _finish_score),
    "certifications": Spec(("trainings",), _finish_count),
    "training_hours": Spec(("trainings",), _finish_cents),
    "referral_success_rate": Spec(("referrals",), _finish_ratio),
    "referral_points": Spec(("referrals", "balances"), _finish_count),
    "green_credit_share": Spec(_LOAN, _finish_cents_ratio),
    "inclusive_first_loans": Spec(_LOAN, _finish_count),
    "offer_conversion_rate": Spec(_OFFER, _finish_ratio, offers=True),
    "offer_wealth_sales": Spec(_OFFER, _finish_cents, offers=True),
    "offer_complaint_rate": Spec((*_OFFER, "events"), _finish_ratio, offers=True),
}

#: Indicators whose sums one query computes together when all of them are asked for
#: (compute_indicators; the query: definitions.JOINT_SUMS). Their Σ b is 0.
JOINT_QUERIES: tuple[tuple[str, ...], ...] = (("deposit_avg_growth", "aum_avg_growth"),)
