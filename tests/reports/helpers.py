"""A monthly report of Alice's, written directly (tests/core/test_access_generic.py walks
its pages: in scope for alice, tina and mike, out of it for bob)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rmperf.reports.models import MonthlyReport
from tests.factories import Bank

FIGURES: dict[str, Any] = {
    "month": "2026-11",
    "staff": {"staff_id": "S-ALICE", "name": "Alice An", "unit": "Team A1"},
    "activity": {
        "contacts": 5, "customers_contacted": 2, "customer_days": 4, "working_days": 21,
        "served_per_day": "0.19", "by_channel": {"phone": 5}, "logged_in_app": 0,
    },
    "book": {
        "start_as_of": "2026-10-31", "end_as_of": "2026-11-30", "policy_version": "v1",
        "customers": 0, "up": 0, "down": 0, "same": 0, "new": 0, "woken": 0, "gone": 0, "tiers_start": {}, "tiers_end": {},
    },
    "targets": {"quarter": "2026Q4", "expected": "0.6630", "sheet": False, "lines": []},
    "score": {"quarter": "2026Q4", "total": None, "tier": None, "scored_at": None},
    "referrals": {
        "made": 0, "received": 0, "made_converted": 0, "received_converted": 0,
        "points_earned": 0,
    },
    "tasks": {"done": 0, "done_on_time": 0, "overdue_at_end": 0},
}  # fmt: skip


def report_in_alices_scope(bank: Bank) -> MonthlyReport:
    found = MonthlyReport.objects.filter(staff=bank.alice, month="2026-11").first()
    if found is not None:
        return found
    return MonthlyReport.objects.create(
        staff=bank.alice, month="2026-11", unit=bank.alice.unit, generated_at=timezone.now(),
        figures=FIGURES, digest="0" * 64,
    )  # fmt: skip
