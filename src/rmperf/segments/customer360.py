"""The customer 360: everything an RM works from about one customer, on one page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rmperf.customers.models import Customer, Product, ProductCategory
from rmperf.engine import lake_reads as lr
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.org.models import Staff
from rmperf.policies.selectors import policy_loaded
from rmperf.segments import lake_selectors as lk
from rmperf.segments.models import CustomerSegment
from rmperf.segments.selectors import (
    NextTier,
    ServicePlanView,
    customer_tier_history,
    next_tier_view,
    service_plan,
    tag_names,
)

RECENT = 20


@dataclass
class AumChart:
    """Monthly average daily balances per category, for a stacked area chart."""

    months: list[str] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"months": self.months, "series": self.series}


@dataclass
class Customer360:
    history: list[CustomerSegment]
    current: CustomerSegment | None
    next_up: NextTier | None
    plan: ServicePlanView | None
    held: list[str]
    tags: list[str]
    lake_available: bool
    aum: AumChart
    holdings: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    referrals: list[dict[str, Any]]


#: Balance categories that count as assets in the chart (loans are liabilities).
ASSET_CATEGORIES = ("deposit", "wealth", "fund", "insurance", "trust")


def aum_chart(balances: list[lr.MonthBalance]) -> AumChart:
    labels = dict(ProductCategory.choices)
    months = sorted({b.month for b in balances})
    by_cat: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for b in balances:
        if b.category in ASSET_CATEGORIES:
            by_cat[b.category][b.month] = b.avg_daily_balance
    series = [
        {
            "key": cat,
            "name": str(labels.get(cat, cat)),
            "data": [str(by_cat[cat].get(m, Decimal("0.00"))) for m in months],
        }
        for cat in ASSET_CATEGORIES
        if cat in by_cat
    ]
    return AumChart(months=months, series=series)


def _names(staff_ids: set[str], product_ids: set[str]) -> tuple[dict[str, str], dict[str, Product]]:
    staff = (
        dict(Staff.objects.filter(pk__in=staff_ids).values_list("staff_id", "name"))
        if staff_ids
        else {}
    )
    products = {p.pk: p for p in Product.objects.filter(pk__in=product_ids)} if product_ids else {}
    return staff, products


def customer_360(*, actor: Any, customer: Customer) -> Customer360:
    """The customer's tier path and the lake's rows about them (each read filtered by
    customer_id; see engine.lake_reads). The caller has already checked access."""
    history = customer_tier_history(actor=actor, customer=customer)
    current = history[-1] if history else None
    next_up: NextTier | None = None
    plan: ServicePlanView | None = None
    held: list[str] = []
    tags: list[str] = []
    if current is not None:
        # One load of the policy version the segment was computed with serves the next
        # tier, the service plan and the tag names.
        policy = policy_loaded(current.policy_version).policy
        if isinstance(policy, SegmentationPolicy):
            next_up = next_tier_view(current, policy)
        plan = service_plan(current.tier, policy)
        categories = dict(ProductCategory.choices)
        held = [str(categories.get(c, c)) for c in current.held]
        names = tag_names(policy)
        tags = [names.get(t, t) for t in current.tag_list]
    head = (history, current, next_up, plan, held, tags)
    lake = lk.lake_files()
    if lake is None:
        return Customer360(*head, False, AumChart(), [], [], [], [], [])
    cid = customer.customer_id
    balances = lr.customer_balances(lake, cid)
    holdings = lr.customer_holdings(lake, cid)
    transactions = lr.customer_transactions(lake, cid, limit=RECENT)
    loans = lr.customer_loans(lake, cid)
    interactions = lr.customer_interactions(lake, cid, limit=RECENT)
    referrals = lr.customer_referrals(lake, cid, limit=RECENT)
    staff_ids = {r["staff_id"] for r in interactions + holdings + loans if r.get("staff_id")}
    staff_ids |= {r[k] for r in referrals for k in ("from_staff_id", "to_staff_id") if r.get(k)}
    product_ids = {r["product_id"] for r in holdings + loans + transactions if r.get("product_id")}
    staff, products = _names(staff_ids, product_ids)
    for r in holdings + loans + transactions:
        p = products.get(r.get("product_id") or "")
        r["product"] = p
    for r in interactions + holdings + loans:
        r["staff_name"] = staff.get(r.get("staff_id") or "", r.get("staff_id") or "")
    for r in referrals:
        r["from_name"] = staff.get(r["from_staff_id"] or "", r["from_staff_id"])
        r["to_name"] = staff.get(r["to_staff_id"] or "", r["to_staff_id"])
    today = timezone.localdate()
    for r in holdings:
        m = r.get("maturity_date")
        r["days_to_maturity"] = (m - today).days if m is not None else None
    return Customer360(
        *head,
        lake_available=True,
        aum=aum_chart(balances),
        holdings=holdings,
        transactions=transactions,
        loans=loans,
        interactions=interactions,
        referrals=referrals,
    )
