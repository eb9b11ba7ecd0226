"""Reads of segmentation results, always through `restrict(actor)` first."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import (
    Avg,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
)
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import get_language

from rmperf.core.access import may_see_customer_names
from rmperf.core.actors import Actor
from rmperf.core.data_version import data_version
from rmperf.core.runs import RunStatus
from rmperf.customers.models import Customer, ProductCategory
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.segmentation.policy import Tier as EngineTier
from rmperf.engine.segmentation.potential import gap_to, next_rule
from rmperf.lakes.models import LakeImport
from rmperf.org.models import Role, Staff
from rmperf.segments.models import TIER_ORDER, CustomerSegment, SegmentRun, Tier


def segment_run_current() -> SegmentRun | None:
    """The run the pages show: the latest as-of date, and at that date the latest run."""
    run: SegmentRun | None = (
        SegmentRun.objects.filter(status=RunStatus.SUCCEEDED)
        .select_related("policy")
        .order_by("-as_of", "-finished_at", "-pk")
        .first()
    )
    return run


def segment_runs(*, actor: Actor) -> QuerySet[SegmentRun]:
    """Run records, newest date first."""
    return SegmentRun.objects.restrict(actor).select_related("policy", "lake_import")


# --- the customer book -------------------------------------------------------------------

#: Current-run fields the customer list shows, sorts and filters by (annotation → field).
SEGMENT_FIELDS = (
    "tier",
    "monetary",
    "contribution",
    "frequency",
    "recency_days",
    "last_contact_on",
    "holdings",
    "tags",
    "product_count",
)


def customers_with_segments(*, actor: Actor, run: SegmentRun | None) -> QuerySet[Customer]:
    """The customers the actor may see, each with its row of `run` as `seg_<field>`
    annotations (a LEFT JOIN; None before any run)."""
    qs = Customer.objects.restrict(actor).select_related("unit")
    run_id = run.pk if run is not None else 0
    qs = qs.annotate(seg=FilteredRelation("segments", condition=Q(segments__run_id=run_id)))
    annotated: QuerySet[Customer] = qs.annotate(
        **{f"seg_{f}": F(f"seg__{f}") for f in SEGMENT_FIELDS}
    )
    return annotated


def customer_book(
    *, actor: Actor, filters: Mapping[str, Any] | None = None, run: SegmentRun | None = None
) -> Any:
    """The customer list's FilterSet over the current run (bound, so a caller can report
    invalid input)."""
    from rmperf.segments.filters import CustomerBookFilterSet

    run = run if run is not None else segment_run_current()
    return CustomerBookFilterSet(
        data=filters if filters is not None else {},
        queryset=customers_with_segments(actor=actor, run=run),
        search_names=may_see_customer_names(actor),
        actor=actor,
    )


# --- one customer ------------------------------------------------------------------------


def customer_tier_history(*, actor: Actor, customer: Customer) -> list[CustomerSegment]:
    """The customer's segment at every as-of date (the latest run of each date), oldest
    first; restricted like the customer."""
    rows = (
        CustomerSegment.objects.restrict(actor)
        .filter(customer=customer, run__status=RunStatus.SUCCEEDED)
        .select_related("run", "policy_version", "rm")
        .order_by("as_of", "run__finished_at", "run_id")
    )
    by_date: dict[dt.date, CustomerSegment] = {}
    for row in rows:
        by_date[row.as_of] = row  # later runs of the same date win
    return list(by_date.values())


@dataclass(frozen=True)
class GapLine:
    """One bound of the next tier's rule as the 360 shows it: where the customer stands,
    what the rule asks and whether it is met (the engine's `gap_to` says what is missing)."""

    measure: str  # "R", "F" or "M"
    current: int | Decimal
    needed: int | Decimal
    met: bool
    comparison: str  # "≤" or "≥"


@dataclass(frozen=True)
class NextTier:
    tier: str
    label: str
    gaps: list[GapLine]


def next_tier_view(segment: CustomerSegment, policy: SegmentationPolicy) -> NextTier | None:
    """The next tier up the policy's ladder and each bound it asks ("F 3 of 5 for core"),
    from the engine's `next_rule` and `gap_to`."""
    rule = next_rule(policy, EngineTier(segment.tier))
    if rule is None:
        return None
    r, f, m = segment.recency_days, segment.frequency, segment.monetary
    gap = gap_to(rule, r, f, m)
    lines: list[GapLine] = []
    if rule.recency_max is not None and gap.recency is not None:
        lines.append(GapLine("R", r, rule.recency_max, gap.recency == 0, "≤"))
    if rule.frequency_min is not None and gap.frequency is not None:
        lines.append(GapLine("F", f, rule.frequency_min, gap.frequency == 0, "≥"))
    if rule.monetary_min is not None and gap.monetary is not None:
        lines.append(GapLine("M", m, rule.monetary_min, gap.monetary == 0, "≥"))
    return NextTier(
        tier=rule.tier.value, label=str(dict(Tier.choices)[rule.tier.value]), gaps=lines
    )


def _text(value: Any) -> str:
    """A policy text ({zh, en}) in the current language."""
    return str(value.zh if (get_language() or "").startswith("zh") else value.en)


@dataclass(frozen=True)
class ServicePlanView:
    name: str
    summary: str
    actions: list[str]


def service_plan(tier: str, policy: Any) -> ServicePlanView | None:
    """The policy's service plan for a tier (DOMAIN §1), when the policy has plans."""
    plans = getattr(policy, "service_plans", None) or {}
    plan = plans.get(EngineTier(tier)) if tier in TIER_ORDER else None
    if plan is None:
        return None
    return ServicePlanView(
        name=_text(plan.names),
        summary=_text(plan.summary),
        actions=[_text(a) for a in plan.actions],
    )


def tag_names(policy: Any) -> dict[str, str]:
    """Tag id → its name in the current language, from the policy's tag rules."""
    return {t.id: _text(t.names) for t in getattr(policy, "tags", ())}


# --- the contribution dashboard -------------------------------------------------------------

#: Transaction-frequency buckets (F in the window): (label, low, high inclusive or None).
FREQUENCY_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1–2", 1, 2),
    ("3–4", 3, 4),
    ("5–9", 5, 9),
    ("10–19", 10, 19),
    ("20+", 20, None),
)
#: Categories whose penetration the dashboard shows.
PENETRATION_CATEGORIES: tuple[str, ...] = tuple(ProductCategory.values)


@dataclass
class TierStat:
    tier: str
    label: str
    count: int
    aum: Decimal


@dataclass
class BookStats:
    """One book (an RM's, or everything in the actor's scope) at the current run."""

    customers: int = 0
    aum: Decimal = Decimal("0.00")
    contribution: Decimal | None = None
    tiers: list[TierStat] = field(default_factory=list)
    penetration: list[tuple[str, str, int, float]] = field(default_factory=list)
    frequency: list[tuple[str, int]] = field(default_factory=list)


def book_rows(
    *, actor: Actor, run: SegmentRun | None, rm: Staff | None = None
) -> QuerySet[CustomerSegment]:
    """The current run's rows the actor may see (optionally one RM's book at the run date)."""
    if run is None:
        return CustomerSegment.objects.none()
    rows = CustomerSegment.objects.restrict(actor).filter(run=run)
    if rm is not None:
        rows = rows.filter(rm=rm)
    return rows


def book_stats(rows: QuerySet[CustomerSegment]) -> BookStats:
    """Pyramid, assets, penetration and frequency distribution: two aggregate queries."""
    labels = dict(Tier.choices)
    per_tier = {
        r["tier"]: r
        for r in rows.values("tier").annotate(n=Count("pk"), aum=Sum("monetary")).order_by()
    }
    aggregates: dict[str, Any] = {
        "n": Count("pk"),
        "aum": Sum("monetary"),
        "contribution": Sum("contribution"),
    }
    for cat in PENETRATION_CATEGORIES:
        aggregates[f"holds_{cat}"] = Count("pk", filter=Q(holdings__contains=f";{cat};"))
    for i, (_label, low, high) in enumerate(FREQUENCY_BUCKETS):
        cond = Q(frequency__gte=low) if high is None else Q(frequency__gte=low, frequency__lte=high)
        aggregates[f"freq_{i}"] = Count("pk", filter=cond)
    totals = rows.aggregate(**aggregates)
    n = totals["n"] or 0
    cat_labels = dict(ProductCategory.choices)
    return BookStats(
        customers=n,
        aum=totals["aum"] or Decimal("0.00"),
        contribution=totals["contribution"],
        tiers=[
            TierStat(
                tier=t,
                label=str(labels[t]),
                count=per_tier[t]["n"] if t in per_tier else 0,
                aum=(per_tier[t]["aum"] or Decimal("0.00")) if t in per_tier else Decimal("0.00"),
            )
            for t in TIER_ORDER
        ],
        penetration=[
            (
                cat,
                str(cat_labels[cat]),
                totals[f"holds_{cat}"],
                (totals[f"holds_{cat}"] / n) if n else 0.0,
            )
            for cat in PENETRATION_CATEGORIES
        ],
        frequency=[
            (label, totals[f"freq_{i}"]) for i, (label, _, _) in enumerate(FREQUENCY_BUCKETS)
        ],
    )


@dataclass
class RmRow:
    staff_id: str
    name: str
    unit: str
    customers: int
    aum: Decimal
    contribution: Decimal | None
    avg_frequency: float
    tiers: list[int]


def book_by_rm(*, actor: Actor, run: SegmentRun | None) -> list[RmRow]:
    """One row per RM in the actor's scope with their book at the run (one query for the
    books, one for the RMs, so RMs without customers still show)."""
    rms = list(
        Staff.objects.restrict(actor)
        .filter(role=Role.RM)
        .select_related("unit")
        .order_by("unit__path", "name", "staff_id")
    )
    if not rms:
        return []
    stats: dict[str, dict[str, Any]] = {}
    if run is not None:
        tier_counts = {f"t_{t}": Count("pk", filter=Q(tier=t)) for t in TIER_ORDER}
        for r in (
            book_rows(actor=actor, run=run)
            .filter(rm__in=rms)
            .values("rm_id")
            .annotate(
                n=Count("pk"),
                aum=Sum("monetary"),
                contribution=Sum("contribution"),
                avg_f=Avg("frequency"),
                **tier_counts,
            )
            .order_by()
        ):
            stats[r["rm_id"]] = dict(r)
    out = []
    for rm in rms:
        s = stats.get(rm.staff_id, {})
        out.append(
            RmRow(
                staff_id=rm.staff_id,
                name=rm.name,
                unit=rm.unit.name,
                customers=s.get("n", 0),
                aum=s.get("aum") or Decimal("0.00"),
                contribution=s.get("contribution"),
                avg_frequency=float(s.get("avg_f") or 0.0),
                tiers=[s.get(f"t_{t}", 0) for t in TIER_ORDER],
            )
        )
    return out


def rm_get(*, actor: Actor, staff_id: str) -> Staff:
    """An RM in the actor's scope; 404 otherwise (other roles too)."""
    staff: Staff = get_object_or_404(
        Staff.objects.restrict(actor).select_related("unit").filter(role=Role.RM), pk=staff_id
    )
    return staff


#: How long a list's row count is kept (seconds). The key holds the count query's SQL and
#: parameters (so the actor's scope, the filters, the segmentation run and today's date),
#: the newest lake import and the data version (core/data_version.py), so a new delivery,
#: a run or any audited write (a contact's verified date) is counted afresh at once.
COUNT_CACHE_SECONDS = 60


def cached_count(queryset: QuerySet[Any], *, version: str | None = None) -> int:
    """`queryset.count()`, kept for COUNT_CACHE_SECONDS: a manager's customer list counts
    every customer of the branch (a scan of the customers table on PostgreSQL) on every
    page turn, for a number that changes with the deliveries. `version`: the data version
    when the caller has read it already (a GET request's, `data_version_of`)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return 0
    if version is None:
        version = data_version()
    newest = LakeImport.objects.order_by("-pk").values_list("pk", flat=True).first()
    blob = repr((queryset.db, sql, tuple(params), newest, version)).encode()
    key = "rmperf:count:" + hashlib.sha256(blob).hexdigest()
    found = cache.get(key)
    if isinstance(found, int):
        return found
    counted = queryset.count()
    cache.set(key, counted, COUNT_CACHE_SECONDS)
    return counted


def counted_paginator(count: int) -> type[Paginator[Any]]:
    """A Paginator class that knows its list's length, for django-tables2 to build."""

    class Counted(Paginator[Any]):
        @cached_property
        def count(self) -> int:
            return count

    return Counted
