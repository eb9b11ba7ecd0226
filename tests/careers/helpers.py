"""Careers objects in alice's scope (branch A, team A1) for the generic access suite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rmperf.careers.models import CareerCheck, CheckStatus, NegativeListing, NegativeListRun
from tests.factories import Bank


def check_in_alices_scope(bank: Bank) -> CareerCheck:
    """Alice's 2026 check, a proposal mike (her branch manager) may decide."""
    check, _ = CareerCheck.objects.get_or_create(
        staff=bank.alice,
        year=2026,
        defaults={
            "rank_from": "intermediate",
            "rank_to": "senior",
            "eligible": True,
            "status": CheckStatus.PROPOSED,
            "policy_version": "career default",
            "computed_at": timezone.now(),
        },
    )
    return check


def listing_in_alices_scope(bank: Bank) -> NegativeListing:
    """Alice on the 2026Q3 negative list of branch A."""
    run, _ = NegativeListRun.objects.get_or_create(
        period="2026Q3",
        defaults={"policy_version": "career default", "computed_at": timezone.now(), "listed": 1},
    )
    listing, _ = NegativeListing.objects.get_or_create(
        staff=bank.alice,
        period="2026Q3",
        defaults={
            "run": run,
            "previous_period": "2026Q2",
            "branch": bank.branch_a,
            "scorecard": "retail",
            "total": Decimal("41.00"),
            "previous_total": Decimal("44.00"),
            "review_date": dt.date(2027, 3, 31),
        },
    )
    return listing
