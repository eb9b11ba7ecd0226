"""A campaign of branch A (mike's) targeting alice's C001, written directly (no lake):
the object the generic access walk (tests/core/test_access_generic.py) needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rmperf.recommend.models import Campaign, CampaignTarget
from tests.factories import Bank
from tests.segments.factories import make_run


def campaign_in_alices_scope(bank: Bank) -> Campaign:
    """The campaign (created once per test: the walk builds each URL more than once)."""
    today = timezone.localdate()
    existing = Campaign.objects.filter(name="Autumn fund drive").first()
    if existing is not None:
        return existing
    campaign = Campaign.objects.create(
        name="Autumn fund drive",
        product_id="F3",
        product_name="Fund F3",
        category="fund",
        revenue_rate=Decimal("0.006000"),
        unit=bank.branch_a,
        created_by=bank.mike,
        segment_run=make_run(),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=30),
    )
    CampaignTarget.objects.create(
        campaign=campaign, customer=bank.c001, rm=bank.alice, unit=bank.branch_a, tier="core"
    )
    return campaign
