"""Segment rows for the persona bank (tests/factories.py), written directly: the list,
the dashboard and the export are tested without a lake."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rmperf.core.runs import RunStatus
from rmperf.customers.models import Assignment, Customer, current_on
from rmperf.policies.selectors import policy_active
from rmperf.segments.models import CustomerSegment, SegmentRun

AS_OF = dt.date(2026, 9, 30)

#: customer → (tier, monetary, contribution, frequency, holdings, tags, last contact)
PERSONA_SEGMENTS: dict[str, tuple[str, str, str | None, int, str, str, dt.date | None]] = {
    "C001": ("core", "800000.00", "12000.00", 9, "deposit;wealth", "viewed_mortgage",
             dt.date(2026, 9, 20)),
    "C002": ("potential", "300000.00", "25000.00", 4, "deposit;wealth;insurance", "",
             dt.date(2026, 8, 1)),
    "C003": ("sleeping", "1000.00", None, 0, "deposit", "", None),
    "C004": ("basic", "60000.00", "800.00", 2, "deposit", "", dt.date(2026, 7, 1)),
    "C010": ("other", "20000.00", "100.00", 1, "deposit;fund", "", None),
    "C100": ("core", "900000.00", "30000.00", 12, "deposit;wealth", "", dt.date(2026, 9, 1)),
}  # fmt: skip


def _wrap(items: str) -> str:
    return ";" + items + ";" if items else ""


def make_run(*, as_of: dt.date = AS_OF, tiers: dict[str, str] | None = None) -> SegmentRun:
    """A succeeded run over the persona bank's customers (their RM today as the RM)."""
    version = policy_active("segmentation")
    run = SegmentRun.objects.create(
        as_of=as_of, policy=version, lake_path="/nowhere", status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(), actor_label="system",
    )  # fmt: skip
    today = timezone.localdate()
    rms = dict(Assignment.objects.filter(current_on(today)).values_list("customer_id", "staff_id"))
    rows = []
    counts: dict[str, int] = {}
    for customer in Customer.objects.all():
        spec = PERSONA_SEGMENTS.get(customer.customer_id)
        if spec is None:
            spec = ("other", "0.00", None, 0, "", "", None)
        tier, monetary, contribution, freq, holdings, tags, contact = spec
        if tiers and customer.customer_id in tiers:
            tier = tiers[customer.customer_id]
        counts[tier] = counts.get(tier, 0) + 1
        rows.append(
            CustomerSegment(
                run=run,
                policy_version=version,
                as_of=as_of,
                customer=customer,
                unit_id=customer.unit_id,
                rm_id=rms.get(customer.customer_id),
                recency_days=5,
                frequency=freq,
                monetary=Decimal(monetary),
                tier=tier,
                holdings=_wrap(holdings),
                product_count=len(holdings.split(";")) if holdings else 0,
                risk_level=customer.risk_level,
                risk_assessment_current=True,
                tags=_wrap(tags),
                contribution=Decimal(contribution) if contribution is not None else None,
                last_contact_on=contact,
            )
        )
    CustomerSegment.objects.bulk_create(rows)
    run.row_count = len(rows)
    run.tier_counts = counts
    run.save(update_fields=["row_count", "tier_counts"])
    return run
