"""Reads of the recommend app, always through restrict() (shared/STYLE.md convention 3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import staff_of
from rmperf.customers.models import Assignment, Customer, current_on
from rmperf.engine.indicators.offers import Offer as EngineOffer
from rmperf.engine.indicators.offers import Offers
from rmperf.recommend.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    CampaignWithheld,
    Offer,
    Outcome,
    Recommendation,
    RecommendationRun,
    Withheld,
)


@dataclass(frozen=True)
class Panel:
    """What the RM panel of one customer shows: the latest run's recommendations (with
    any logged offer) and what suitability withheld, with why."""

    run: RecommendationRun | None
    recommendations: list[tuple[Recommendation, Offer | None]]
    withheld: list[Withheld]


def run_latest() -> RecommendationRun | None:
    run: RecommendationRun | None = RecommendationRun.objects.order_by("-started_at", "-pk").first()
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


@dataclass(frozen=True)
class FunnelRow:
    """A campaign's results for one group (everyone, an RM, a branch) of targets in scope."""

    key: str
    name: str
    #: Every customer ever on the list, those a refresh withdrew included (their logged
    #: offers stay counted, so every later stage is a part of this one).
    targeted: int
    #: Of the targeted, those a refresh withdrew (no longer suitable) and not reinstated.
    withdrawn: int
    offered: int
    accepted: int
    purchased: int
    revenue: Decimal
    complaints: int


@dataclass(frozen=True)
class CampaignResults:
    total: FunnelRow
    by_rm: list[FunnelRow]
    by_branch: list[FunnelRow]

    @property
    def chart(self) -> dict[str, Any]:
        """The funnel block of static/rmperf/charts.js: stages targeted → purchased."""
        t = self.total
        return {
            "stages": [
                {"name": str(_("Targeted")), "value": t.targeted},
                {"name": str(_("Offered")), "value": t.offered},
                {"name": str(_("Accepted")), "value": t.accepted},
                {"name": str(_("Purchased")), "value": t.purchased},
            ]
        }


_FUNNEL = {
    "targeted": Count("pk"),
    "withdrawn": Count("pk", filter=Q(withdrawn_on__isnull=False)),
    "offered": Count("pk", filter=~Q(outcome="")),
    "accepted": Count("pk", filter=Q(outcome=Outcome.ACCEPTED)),
    "purchased": Count("pk", filter=Q(purchased_on__isnull=False)),
    "revenue": Sum("revenue"),
    "complaints": Sum("complaints"),
}


def _row(key: str, name: str, agg: dict[str, Any]) -> FunnelRow:
    return FunnelRow(
        key=key,
        name=name,
        targeted=agg["targeted"],
        withdrawn=agg["withdrawn"],
        offered=agg["offered"],
        accepted=agg["accepted"],
        purchased=agg["purchased"],
        revenue=agg["revenue"] or Decimal("0.00"),
        complaints=agg["complaints"] or 0,
    )


def campaigns_visible(*, actor: Any) -> QuerySet[Campaign]:
    return Campaign.objects.restrict(actor).select_related("unit", "created_by")


def campaign_get(*, actor: Any, campaign_id: int) -> Campaign:
    """A campaign in the actor's scope, or 404 (missing and out of scope alike)."""
    campaign: Campaign = get_object_or_404(campaigns_visible(actor=actor), pk=campaign_id)
    return campaign


def campaign_targets(*, actor: Any, campaign: Campaign) -> QuerySet[CampaignTarget]:
    """The campaign's list (targets a refresh withdrew are not on it)."""
    return (
        CampaignTarget.objects.restrict(actor)
        .filter(campaign=campaign, withdrawn_on__isnull=True)
        .select_related("customer", "rm", "unit")
        .order_by("customer_id")
    )


def campaign_withheld(*, actor: Any, campaign: Campaign) -> QuerySet[CampaignWithheld]:
    return (
        CampaignWithheld.objects.restrict(actor)
        .filter(campaign=campaign)
        .select_related("customer")
        .order_by("customer_id", "rule")
    )


def campaign_results(*, actor: Any, campaign: Campaign) -> CampaignResults:
    """Targeted → offered → accepted → purchased, revenue and complaints, over the
    targets the actor may see: in total, per RM and per branch."""
    rows = CampaignTarget.objects.restrict(actor).filter(campaign=campaign)
    total = _row("", str(_("Total")), rows.aggregate(**_FUNNEL))
    by_rm = [
        _row(a["rm_id"] or "", a["rm__name"] or str(_("No RM")), a)
        for a in rows.order_by().values("rm_id", "rm__name").annotate(**_FUNNEL).order_by("rm_id")
    ]
    by_branch = [
        _row(a["unit_id"], a["unit__name"], a)
        for a in rows.order_by()
        .values("unit_id", "unit__name")
        .annotate(**_FUNNEL)
        .order_by("unit_id")
    ]
    return CampaignResults(total, by_rm, by_branch)


def rm_campaign_targets(*, actor: Any) -> QuerySet[CampaignTarget]:
    """The targets of running campaigns looked after by the actor (RM view)."""
    today = timezone.localdate()
    staff = staff_of(actor)
    if staff is None:
        return CampaignTarget.objects.none()
    return (
        CampaignTarget.objects.restrict(actor)
        .filter(
            Exists(
                Assignment.objects.filter(
                    current_on(today), customer=OuterRef("customer_id"), staff=staff
                )
            ),
            campaign__status=CampaignStatus.ACTIVE,
            withdrawn_on__isnull=True,
            campaign__starts_on__lte=today,
            campaign__ends_on__gte=today,
        )
        .select_related("campaign", "customer")
        .order_by("campaign__ends_on", "campaign_id", "customer_id")
    )


def campaign_withdrawn(*, actor: Any, campaign: Campaign) -> QuerySet[CampaignTarget]:
    """Targets a refresh withdrew (no longer suitable), with the rule and the reason; an
    offer logged before stays with them."""
    return (
        CampaignTarget.objects.restrict(actor)
        .filter(campaign=campaign, withdrawn_on__isnull=False)
        .select_related("customer", "rm")
        .order_by("customer_id")
    )


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of `day` in bank time (offers logged before offered_at was recorded)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_default_timezone())


def offers_input(*, first: dt.date, last: dt.date) -> Offers:
    """Every offer logged with offered_on in first … last, from the RM panel and from
    campaigns, as the engine's offers input (docs/indicators.md). Not restricted: it is
    the input of a bank-wide performance run, like the lake. Ids: `rec-<pk>` for panel
    offers, `cmp-<pk>` for campaign targets; the offering staff member is credited."""
    rows: list[EngineOffer] = []
    panel = Offer.objects.filter(offered_on__gte=first, offered_on__lte=last).order_by("pk")
    for o in panel.values_list(
        "pk", "offered_by_id", "customer_id", "product_id", "offered_at", "offered_on", "outcome"
    ):
        pk, staff_id, customer_id, product_id, at, on, outcome = o
        rows.append(
            EngineOffer(
                f"rec-{pk}", staff_id, customer_id, product_id, at or _start_of(on), outcome
            )
        )
    targets = (
        CampaignTarget.objects.filter(offered_on__gte=first, offered_on__lte=last)
        .exclude(outcome="")
        .exclude(offered_by__isnull=True)
        .order_by("pk")
    )
    for t in targets.values_list(
        "pk",
        "offered_by_id",
        "customer_id",
        "campaign__product_id",
        "offered_at",
        "offered_on",
        "outcome",
        "campaign_id",
    ):
        pk, staff_id, customer_id, product_id, at, on, outcome, campaign_id = t
        rows.append(
            EngineOffer(
                f"cmp-{pk}",
                staff_id,
                customer_id,
                product_id,
                at or _start_of(on),
                outcome,
                str(campaign_id),
            )
        )
    return Offers(tuple(rows), f"app offers {first.isoformat()} … {last.isoformat()}")
