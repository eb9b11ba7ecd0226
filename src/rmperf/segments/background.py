"""Background tasks: thin wrappers that take ids and call the service."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.tasks import task

from rmperf.policies.models import PolicyVersion
from rmperf.segments.services import segment_run


@task()
def segment_run_task(
    *, as_of: str, policy_version_id: int | None = None, actor_id: int | None = None
) -> str:
    """Run the segmentation for `as_of` (ISO date); returns the run id."""
    actor = get_user_model()._default_manager.get(pk=actor_id) if actor_id else None
    version = PolicyVersion.objects.get(pk=policy_version_id) if policy_version_id else None
    run = segment_run(actor=actor, as_of=dt.date.fromisoformat(as_of), policy_version=version)
    return str(run.run_id)
