"""A threshold-model run for the generic walks (tests/core/test_access_generic.py): HR
(hannah) started it for 2026Q4 over the scorecard set in force and it is still running, so
a draft of it is refused (400) and a rejection is recorded."""

from __future__ import annotations

from rmperf.analysis.thresholds_models import ThresholdProposal
from rmperf.policies.selectors import policy_active
from tests.factories import Bank


def threshold_of_hr(bank: Bank) -> ThresholdProposal:
    found: ThresholdProposal | None = ThresholdProposal.objects.first()
    if found is not None:
        return found
    active = policy_active("scorecards")
    run: ThresholdProposal = ThresholdProposal.objects.create(
        policy=active,
        policy_label=active.run_label,
        period_key="2026Q4",
        model_name="linear",
        model_version="1",
        actor=bank.user("hannah"),
        actor_label="hannah",
    )
    return run
