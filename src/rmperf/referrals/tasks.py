"""Background tasks: thin wrappers around the services."""

from __future__ import annotations

from django.tasks import task

from rmperf.referrals.services import referrals_sweep


@task()
def referrals_sweep_task() -> str:
    """The periodic referral run (escalate, expire, convert); returns a summary."""
    r = referrals_sweep(actor=None)
    return f"escalated {r.escalated}, expired {r.expired}, converted {r.converted}"
