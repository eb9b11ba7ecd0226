"""Recommendation endpoints: one customer's panel (the same selector as the page, so the
same stored, suitability-filtered rows; withheld pairs are listed apart, with why), and
campaigns: list, create, results, targets, offer outcomes and list refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from rmperf.core.schemas import ErrorOut
from rmperf.customers.selectors import customer_get
from rmperf.recommend.campaigns import (
    CampaignError,
    campaign_create,
    campaign_offer_log,
    campaign_refresh,
)
from rmperf.recommend.models import Campaign, CampaignTarget
from rmperf.recommend.selectors import (
    FunnelRow,
    campaign_get,
    campaign_results,
    campaign_targets,
    campaign_withdrawn,
    campaign_withheld,
    campaigns_visible,
    customer_panel,
)

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


# --- campaigns ----------------------------------------------------------------------------
# Same services, selectors and restrict() rules as the campaign pages: a campaign out of
# the caller's scope answers 404 like a missing one; only targets (customers for whom the
# product passed the suitability gate) are ever listed as targets; customers left off or
# withdrawn are listed apart with the rule and the reason.


class FunnelOut(Schema):
    key: str
    name: str
    targeted: int
    withdrawn: int
    offered: int
    accepted: int
    purchased: int
    revenue: Decimal
    complaints: int


class CampaignOut(Schema):
    id: int
    name: str
    product_id: str
    product_name: str
    category: str
    unit_id: str
    created_by: str
    tiers: list[str]
    tags: list[str]
    gap_category: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    segment_as_of: dt.date
    refreshed_at: dt.datetime | None
    tracked_at: dt.datetime | None


class CampaignDetailOut(CampaignOut):
    results: FunnelOut
    by_rm: list[FunnelOut]
    by_branch: list[FunnelOut]


class CampaignIn(Schema):
    name: str
    product_id: str
    tiers: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    gap_category: str = ""
    starts_on: dt.date
    ends_on: dt.date


class TargetOut(Schema):
    id: int
    customer_id: str
    tier: str
    rm_id: str | None
    unit_id: str
    flags: list[str]
    flag_reason_en: str
    flag_reason_zh: str
    outcome: str | None
    offered_on: dt.date | None
    offered_by: str | None
    added_on: dt.date | None
    purchased_on: dt.date | None
    purchase_amount: Decimal | None
    revenue: Decimal | None
    complaints: int


class LeftOffOut(Schema):
    customer_id: str
    product_risk: str
    customer_risk: str
    rule: str
    reason_en: str
    reason_zh: str


class WithdrawnOut(Schema):
    id: int
    customer_id: str
    withdrawn_on: dt.date
    rule: str
    reason_en: str
    reason_zh: str
    outcome: str | None
    offered_on: dt.date | None


class TargetsOut(Schema):
    campaign_id: int
    product_id: str
    targets: list[TargetOut]
    withheld: list[LeftOffOut]
    withdrawn: list[WithdrawnOut]


class OfferIn(Schema):
    outcome: str


class RefreshOut(Schema):
    campaign_id: int
    added: list[str]
    withdrawn: list[str]
    reinstated: list[str]
    withheld_customers: int
    not_in_lake: int


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "product_id": c.product_id,
        "product_name": c.product_name,
        "category": c.category,
        "unit_id": c.unit_id,
        "created_by": c.created_by_id,
        "tiers": list(c.tiers),
        "tags": list(c.tags),
        "gap_category": c.gap_category,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "status": c.status,
        "segment_as_of": c.segment_run.as_of,
        "refreshed_at": c.refreshed_at,
        "tracked_at": c.tracked_at,
    }


def _funnel(row: FunnelRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "targeted": row.targeted,
        "withdrawn": row.withdrawn,
        "offered": row.offered,
        "accepted": row.accepted,
        "purchased": row.purchased,
        "revenue": row.revenue,
        "complaints": row.complaints,
    }


def _target(t: CampaignTarget) -> dict[str, Any]:
    return {
        "id": t.pk,
        "customer_id": t.customer_id,
        "tier": t.tier,
        "rm_id": t.rm_id,
        "unit_id": t.unit_id,
        "flags": [x for x in t.flags.split(";") if x],
        "flag_reason_en": t.flag_reason_en,
        "flag_reason_zh": t.flag_reason_zh,
        "outcome": t.outcome or None,
        "offered_on": t.offered_on,
        "offered_by": t.offered_by_id,
        "added_on": t.added_on,
        "purchased_on": t.purchased_on,
        "purchase_amount": t.purchase_amount,
        "revenue": t.revenue,
        "complaints": t.complaints,
    }


@router.get(
    "/campaigns",
    response={200: list[CampaignOut], 401: ErrorOut},
    url_name="campaign_list",
    summary="Campaigns the caller may see",
)
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    rows = campaigns_visible(actor=request.user).select_related("segment_run")
    return [_campaign(c) for c in rows]


@router.post(
    "/campaigns",
    response={201: CampaignDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="campaign_create",
    summary="Create a campaign of the caller's branch (branch managers)",
)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    """The target list comes from the latest segmentation run through the suitability
    gate, as on the page; anyone but a branch manager gets 404."""
    try:
        c = campaign_create(
            actor=request.user,
            name=payload.name,
            product_id=payload.product_id,
            tiers=payload.tiers,
            tags=payload.tags,
            gap_category=payload.gap_category,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        )
    except CampaignError as exc:
        return Status(422, {"message": _("Invalid request."), "detail": str(exc)})
    return Status(201, _detail(request, c))


def _detail(request: HttpRequest, c: Campaign) -> dict[str, Any]:
    results = campaign_results(actor=request.user, campaign=c)
    return {
        **_campaign(c),
        "results": _funnel(results.total),
        "by_rm": [_funnel(r) for r in results.by_rm],
        "by_branch": [_funnel(r) for r in results.by_branch],
    }


@router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="campaign_detail",
    summary="A campaign with its results (funnel, revenue, complaints; per RM and branch)",
)
def get_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Results over the targets the caller may see, like the page."""
    return _detail(request, campaign_get(actor=request.user, campaign_id=campaign_id))


@router.get(
    "/campaigns/{int:campaign_id}/targets",
    response={200: TargetsOut, 401: ErrorOut, 404: ErrorOut},
    url_name="campaign_targets",
    summary="A campaign's targets, and who was left off or withdrawn and why",
)
def get_targets(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    c = campaign_get(actor=request.user, campaign_id=campaign_id)
    return {
        "campaign_id": c.pk,
        "product_id": c.product_id,
        "targets": [_target(t) for t in campaign_targets(actor=request.user, campaign=c)],
        "withheld": [
            {
                "customer_id": w.customer_id,
                "product_risk": w.product_risk,
                "customer_risk": w.customer_risk,
                "rule": w.rule,
                "reason_en": w.reason_en,
                "reason_zh": w.reason_zh,
            }
            for w in campaign_withheld(actor=request.user, campaign=c)
        ],
        "withdrawn": [
            {
                "id": t.pk,
                "customer_id": t.customer_id,
                "withdrawn_on": t.withdrawn_on,
                "rule": t.withdrawn_rule,
                "reason_en": t.withdrawn_reason_en,
                "reason_zh": t.withdrawn_reason_zh,
                "outcome": t.outcome or None,
                "offered_on": t.offered_on,
            }
            for t in campaign_withdrawn(actor=request.user, campaign=c)
        ],
    }


@router.post(
    "/campaigns/{int:campaign_id}/targets/{int:target_id}/offer",
    response={200: TargetOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="campaign_offer",
    summary="Log the offer to a target, or its outcome",
)
def log_offer(request: HttpRequest, campaign_id: int, target_id: int, payload: OfferIn) -> Any:
    """offered → accepted / declined / no answer, while the campaign runs; only staff
    who may change the customer's records (others: 404)."""
    c = campaign_get(actor=request.user, campaign_id=campaign_id)
    if not CampaignTarget.objects.restrict(request.user).filter(pk=target_id, campaign=c).exists():
        raise Http404
    try:
        t = campaign_offer_log(actor=request.user, target_id=target_id, outcome=payload.outcome)
    except CampaignError as exc:
        return Status(422, {"message": _("Invalid request."), "detail": str(exc)})
    return Status(200, _target(t))


@router.post(
    "/campaigns/{int:campaign_id}/refresh",
    response={200: RefreshOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="campaign_refresh",
    summary="Re-evaluate the list on the latest segmentation run and lake",
)
def refresh_campaign(request: HttpRequest, campaign_id: int) -> Any:
    campaign_get(actor=request.user, campaign_id=campaign_id)
    try:
        done = campaign_refresh(actor=request.user, campaign_id=campaign_id)
    except CampaignError as exc:
        return Status(422, {"message": _("Invalid request."), "detail": str(exc)})
    return Status(
        200,
        {
            "campaign_id": campaign_id,
            "added": done.added,
            "withdrawn": done.withdrawn,
            "reinstated": done.reinstated,
            "withheld_customers": done.withheld,
            "not_in_lake": done.not_in_lake,
        },
    )
