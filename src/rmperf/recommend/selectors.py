"""Reads of the recommend app, always through restrict() (shared/STYLE.md convention 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from rmperf.customers.models import Customer
from rmperf.recommend.models import Offer, Recommendation, RecommendationRun, Withheld


@dataclass(frozen=True)
class Panel:
    """What the RM panel of one customer shows: the latest run's recommendations (with
    any logged offer) and what suitability withheld, with why."""

    run: RecommendationRun | None
    recommendations: list[tuple[Recommendation, Offer | None]]
    withheld: list[Withheld]


def run_latest() -> RecommendationRun | None:
    run: RecommendationRun | None = RecommendationRun.objects.order_by("-created_at", "-pk").first()
    return run


def customer_panel(*, actor: Any, customer: Customer) -> Panel:
    run = run_latest()
    if run is None:
        return Panel(None, [], [])
    recs = list(
        Recommendation.objects.restrict(actor).filter(run=run, customer=customer).order_by("rank")
    )
    offers: dict[int, Offer] = {}
    for offer in Offer.objects.restrict(actor).filter(recommendation__in=recs).order_by("pk"):
        offers.setdefault(offer.recommendation_id, offer)
    withheld = list(
        Withheld.objects.restrict(actor)
        .filter(run=run, customer=customer)
        .order_by("product_id", "rule")
    )
    return Panel(run, [(r, offers.get(r.pk)) for r in recs], withheld)


def workbench_list(*, actor: Any, limit: int = 200) -> QuerySet[Recommendation]:
    """Today's top recommendation of every customer in scope, highest value first."""
    run = run_latest()
    if run is None:
        return Recommendation.objects.none()
    return (
        Recommendation.objects.restrict(actor)
        .filter(run=run, rank=1)
        .select_related("customer")
        .order_by("-expected_value", "customer_id")[:limit]
    )
