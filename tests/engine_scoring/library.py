"""A hand-written indicator library with the ids, directions and categories scoring tests use.

Scoring reads only id, direction, category, family and balance_based, so the golden cases
do not depend on how indicators are computed.
"""

from __future__ import annotations

from rmperf.engine.scoring import Indicator

H, L = "higher", "lower"
_SPEC = {
    "deposit_avg_growth": (H, "business", "deposit", True),
    "aum_avg_growth": (H, "business", "aum", True),
    "deposit_month_end": (H, "business", "deposit", True),
    "new_loans": (H, "business", "loan", False),
    "wealth_sales": (H, "business", "sales", False),
    "fund_sales": (H, "business", "sales", False),
    "insurance_sales": (H, "business", "sales", False),
    "fee_income": (H, "business", "income", False),
    "new_valid_customers": (H, "business", "customers", False),
    "cross_sell_rate": (H, "business", "customers", False),
    "raroc": (H, "business", "return", False),
    "eva": (H, "business", "return", False),
    "overdue_rate": (L, "risk", "quality", False),
    "npl_ratio": (L, "risk", "quality", False),
    "complaints": (L, "compliance", "quality", False),
    "compliance_breaches": (L, "compliance", "quality", False),
    "response_24h_rate": (H, "business", "efficiency", False),
    "avg_response_hours": (L, "business", "efficiency", False),
    "online_share": (H, "business", "efficiency", False),
    "loan_approval_days": (L, "business", "efficiency", False),
    "nps": (H, "business", "customer", False),
    "hnw_retention": (H, "business", "customer", False),
    "sleeping_wakeup_rate": (H, "business", "customer", False),
    "supply_chain_finance": (H, "business", "loan", False),
    "sci_tech_customers": (H, "business", "customers", False),
    "risk_due_diligence": (H, "risk", "quality", False),
    "mystery_shopper": (H, "business", "customer", False),
    "peer_review": (H, "development", "growth", False),
    "certifications": (H, "development", "growth", False),
    "training_hours": (H, "development", "growth", False),
    "referral_success_rate": (H, "business", "collaboration", False),
    "referral_points": (H, "business", "collaboration", False),
    "green_credit_share": (H, "social", "esg", False),
    "inclusive_first_loans": (H, "social", "esg", False),
    "roe": (H, "business", "result", False),
    "strategic_projects": (H, "development", "growth", False),
}
_EXTRA = {
    # Deliberately forbidden shapes, for the rule tests.
    "deposit_market_share": (H, "business", "deposit", False),
    "uncategorised_kpi": (H, "marketing", "result", False),
}
_SPEC.update(_EXTRA)
LIB = {
    k: Indicator(k, direction=d, category=c, family=f, balance_based=b)
    for k, (d, c, f, b) in _SPEC.items()
}


class _PointBalance(Indicator):
    """A balance indicator measured on the period's last day (what P-03 forbids)."""

    aggregation = "point"


LIB["aum_period_end"] = _PointBalance(
    "aum_period_end", direction=H, category="business", family="result", balance_based=True
)
