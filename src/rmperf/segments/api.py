"""Segmentation endpoints: runs, and one customer's tier path (restricted like the page)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rmperf.core.schemas import ErrorOut
from rmperf.customers.selectors import customer_get
from rmperf.segments.selectors import customer_tier_history, segment_runs

router = Router(tags=["segments"])
RUNS_LISTED = 100


class RunOut(Schema):
    run_id: uuid.UUID
    as_of: dt.date
    status: str
    policy_version: int
    policy_digest: str
    customer_count: int
    tier_counts: dict[str, int]
    started_at: dt.datetime
    finished_at: dt.datetime | None


class SegmentOut(Schema):
    as_of: dt.date
    run_id: uuid.UUID
    policy_version: int
    tier: str
    recency_days: int
    frequency: int
    monetary: Decimal
    contribution: Decimal | None
    holdings: list[str]
    tags: list[str]
    rm_id: str | None


@router.get(
    "/runs",
    response={200: list[RunOut], 401: ErrorOut},
    url_name="segment_run_list",
    summary="Segmentation runs",
)
def list_runs(request: HttpRequest) -> list[dict[str, Any]]:
    """The latest segmentation runs, newest as-of date first."""
    return [
        {
            "run_id": r.run_id,
            "as_of": r.as_of,
            "status": r.status,
            "policy_version": r.policy_id,
            "policy_digest": r.policy.digest,
            "customer_count": r.row_count,
            "tier_counts": r.tier_counts,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
        }
        for r in segment_runs(actor=request.user)[:RUNS_LISTED]
    ]


@router.get(
    "/customers/{customer_id}",
    response={200: list[SegmentOut], 401: ErrorOut, 404: ErrorOut},
    url_name="customer_segments",
    summary="A customer's tier at every as-of date",
)
def customer_segments(request: HttpRequest, customer_id: str) -> list[dict[str, Any]]:
    """The customer's tier path, oldest first; 404 when out of scope or missing."""
    customer = customer_get(actor=request.user, customer_id=customer_id)
    return [
        {
            "as_of": s.as_of,
            "run_id": s.run.run_id,
            "policy_version": s.policy_version_id,
            "tier": s.tier,
            "recency_days": s.recency_days,
            "frequency": s.frequency,
            "monetary": s.monetary,
            "contribution": s.contribution,
            "holdings": s.held,
            "tags": s.tag_list,
            "rm_id": s.rm_id,
        }
        for s in customer_tier_history(actor=request.user, customer=customer)
    ]
