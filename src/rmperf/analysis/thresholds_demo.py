"""The demo's dynamic-threshold step (issue #15 "Done when"): HR runs the threshold model
for the current quarter, makes the scorecard draft, and the superuser `admin` approves it
(a second person); the draft is approved, not activated, so the cards in force stay."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from rmperf.analysis.thresholds_services import (
    ThresholdRefused,
    threshold_draft_create,
    threshold_sync,
    thresholds_start,
)
from rmperf.core.runs import RunStatus
from rmperf.engine.periods import Period
from rmperf.policies.services import policy_version_approve


def demo_thresholds(*, hr_username: str, checker_username: str, period_key: str) -> list[str]:
    """The lines to print; a failed run is reported and stops nothing else."""
    users = get_user_model().objects
    hr = users.get(username=hr_username)
    checker = users.get(username=checker_username)
    Period.parse(period_key)
    run = thresholds_start(actor=hr, period_key=period_key, in_thread=False)
    if run.status != RunStatus.SUCCEEDED:
        return [f"  thresholds {period_key}: the run failed: {run.problem}"]
    try:
        run = threshold_draft_create(actor=hr, proposal_id=run.pk)
    except ThresholdRefused as exc:
        return [f"  thresholds {period_key}: no draft: {exc}"]
    draft = run.draft
    if draft is None:
        raise ValueError(f"threshold proposal {run.pk} was drafted without a draft")
    draft = policy_version_approve(actor=checker, version_id=draft.pk)
    run.draft = draft
    run = threshold_sync(run)
    return [
        f"  thresholds {period_key}: {run.row_count} branch × line proposals, "
        f"{len(run.result.get('levels', []))} level(s) in draft {draft.label} "
        f"({draft.status}, not active); proposal {run.decision}"
    ]
