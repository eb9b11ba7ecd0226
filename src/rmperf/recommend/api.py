"""Recommendation endpoints: one customer's panel (the same selector as the page, so the
same stored, suitability-filtered rows; withheld pairs are listed apart, with why)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rmperf.core.schemas import ErrorOut
from rmperf.customers.selectors import customer_get
from rmperf.recommend.selectors import customer_panel

router = Router(tags=["recommend"])


class RecommendationOut(Schema):
    rank: int
    product_id: str
    product_name: str
    category: str
    product_risk: str
    expected_value: Decimal
    propensity: float
    rule_ids: list[str]
    reason_en: str
    reason_zh: str
    flags: list[str]
    offer_outcome: str | None


class WithheldOut(Schema):
    product_id: str
    product_risk: str
    rule: str
    reason_en: str
    reason_zh: str


class PanelOut(Schema):
    as_of: dt.date | None
    policy_version: str | None
    recommendations: list[RecommendationOut]
    withheld: list[WithheldOut]


@router.get(
    "/customers/{customer_id}",
    response={200: PanelOut, 401: ErrorOut, 404: ErrorOut},
    url_name="recommend_customer",
    summary="A customer's recommendations and what suitability withheld",
)
def customer_recommendations(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    """The latest run's recommendations for the customer; 404 when out of scope or missing."""
    customer = customer_get(actor=request.user, customer_id=customer_id)
    panel = customer_panel(actor=request.user, customer=customer)
    return {
        "as_of": panel.run.as_of if panel.run else None,
        "policy_version": panel.run.policy_version if panel.run else None,
        "recommendations": [
            {
                "rank": r.rank,
                "product_id": r.product_id,
                "product_name": r.product_name,
                "category": r.category,
                "product_risk": r.product_risk,
                "expected_value": r.expected_value,
                "propensity": r.propensity,
                "rule_ids": [x for x in r.rule_ids.split(";") if x],
                "reason_en": r.reason_en,
                "reason_zh": r.reason_zh,
                "flags": [x for x in r.flags.split(";") if x],
                "offer_outcome": offer.outcome if offer else None,
            }
            for r, offer in panel.recommendations
        ],
        "withheld": [
            {
                "product_id": w.product_id,
                "product_risk": w.product_risk,
                "rule": w.rule,
                "reason_en": w.reason_en,
                "reason_zh": w.reason_zh,
            }
            for w in panel.withheld
        ],
    }
