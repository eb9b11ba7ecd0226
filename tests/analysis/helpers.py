"""Analysis objects in alice's scope (branch A) for the generic access suite, written
directly (no lake): a workload run with a proposal moving C002 from alice to carol, and a
decided gaming flag of alice's (an RM sees her own flag once decided)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from rmperf.analysis.models import (
    FlagStatus,
    GamingFlag,
    GamingRun,
    RebalanceMove,
    RebalanceProposal,
    WorkloadRun,
)
from tests.factories import Bank


def proposal_in_alices_scope(bank: Bank) -> RebalanceProposal:
    found = RebalanceProposal.objects.filter(branch=bank.branch_a, period_key="2026Q3").first()
    if found is not None:
        return found
    run = WorkloadRun.objects.create(
        period_key="2026Q3", status="succeeded", actor_label="system", policy_digest="0" * 64,
        over=Decimal("1.0000"), under=Decimal("0.8000"), finished_at=timezone.now(),
    )  # fmt: skip
    proposal = RebalanceProposal.objects.create(run=run, branch=bank.branch_a, period_key="2026Q3")
    RebalanceMove.objects.create(
        proposal=proposal, seq=1, customer=bank.c002, tier="potential", from_staff=bank.alice,
        to_staff=bank.carol, demand_days=Decimal("21"), from_before=Decimal("1.0606"),
        from_after=Decimal("0.7424"), to_before=Decimal("0"), to_after=Decimal("0.3182"),
    )  # fmt: skip
    return proposal


def flag_in_alices_scope(bank: Bank) -> GamingFlag:
    found = GamingFlag.objects.filter(staff=bank.alice, period_key="2026Q3").first()
    if found is not None:
        return found
    run = GamingRun.objects.create(
        period_key="2026Q3", status="succeeded", actor_label="system", policy_digest="0" * 64
    )
    return GamingFlag.objects.create(
        run=run, staff=bank.alice, period_key="2026Q3", kind="loan_bunching", instances=1,
        measure="0.8108 of 7400000.00", threshold="share of the last 10 days > 0.4",
        policy_version="0" * 12, status=FlagStatus.DISMISSED, note="季节性放款",
        decided_by_label="tina", decided_at=timezone.now(),
    )  # fmt: skip
