"""Background tasks: thin wrappers that take ids and call the service."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.tasks import task

from rmperf.tasks.services import task_run


@task()
def task_run_task(*, as_of: str, actor_id: int | None = None) -> int:
    """The daily task run for `as_of` (ISO date); returns the run id."""
    actor = get_user_model()._default_manager.get(pk=actor_id) if actor_id else None
    return task_run(actor=actor, as_of=dt.date.fromisoformat(as_of)).pk
