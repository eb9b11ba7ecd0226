"""The lifecycle every batch run goes through (start → succeed, or fail; a later run
supersedes an earlier one), each step audited. Used by the segmentation, scoring,
recommendation and task runs, and by every run that inherits `core.runs.BatchRun`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.runs import BatchRun, RunStatus

#: The longest problem text a failed run keeps (the audit event keeps it whole).
PROBLEM_LENGTH = 2000

log = logging.getLogger(__name__)


def run_in_thread(execute: Callable[..., Any], run_id: int, *, name: str) -> None:
    """Run `execute(run_id=run_id)` in a daemon thread of this process, with its own
    database connection (the what-if and threshold runs: the page polls the run row,
    which `execute` marks succeeded or failed)."""

    def target() -> None:
        close_old_connections()
        try:
            execute(run_id=run_id)
        except Exception:  # the run is marked failed; nothing else to tell from a thread
            log.exception("%s failed", name)
        finally:
            connection.close()

    threading.Thread(target=target, name=name, daemon=True).start()


def run_actor_label(actor: Actor) -> str:
    """How a run names who started it: the username, or `system` (CLI, demo, schedule)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return "system"


def _actor_user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def run_start[R: BatchRun](model: type[R], *, actor: Actor, **fields: Any) -> R:
    """Create a run in `running`, stamped with who started it; call inside the run's
    own transaction, before writing its rows (they point at the run)."""
    return model.objects.create(
        status=RunStatus.RUNNING,
        actor=_actor_user(actor),
        actor_label=run_actor_label(actor),
        **fields,
    )


def run_succeed[R: BatchRun](
    run: R,
    *,
    actor: Actor,
    row_count: int,
    verb: str,
    object_type: str,
    object_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    update_fields: Iterable[str] = (),
) -> R:
    """Mark the run succeeded with the rows it wrote, save it (with the run's own
    `update_fields`) and write its audit event, in the caller's transaction."""
    run.status = RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.row_count = row_count
    run.save(update_fields=["status", "finished_at", "row_count", *update_fields])
    audit_record(
        actor=actor,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    return run


def runs_supersede[R: BatchRun](runs: QuerySet[R]) -> list[R]:
    """Lock the succeeded runs among `runs` and mark them superseded (a new run of the same
    key replaces their results); returns them so the caller can remove their rows."""
    earlier = list(runs.select_for_update().filter(status=RunStatus.SUCCEEDED))
    for old in earlier:
        old.status = RunStatus.SUPERSEDED
        old.save(update_fields=["status"])
    return earlier


def run_mark_failed[R: BatchRun](run: R, *, problem: str, verb: str, object_type: str) -> R:
    """Mark a started run failed with why (kept to PROBLEM_LENGTH; its audit event, naming
    the run's `audit_id`, keeps it whole), in its own transaction: the what-if and
    threshold runs, whose work failed out of the request."""
    with transaction.atomic():
        run.status = RunStatus.FAILED
        run.finished_at = timezone.now()
        run.problem = problem[:PROBLEM_LENGTH]
        run.save(update_fields=["status", "finished_at", "problem"])
        audit_record(
            actor=run.actor,
            verb=verb,
            object_type=object_type,
            object_id=run.audit_id,
            after={"problem": problem},
        )
    return run


def run_fail[R: BatchRun](
    model: type[R],
    *,
    actor: Actor,
    problem: str,
    verb: str,
    object_type: str,
    after: Mapping[str, Any],
    **fields: Any,
) -> R:
    """Record a run that failed before writing anything, in its own transaction (the
    failed work has rolled back), with its audit event naming the run's `audit_id`."""
    with transaction.atomic(durable=True):
        run = model.objects.create(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            problem=problem[:PROBLEM_LENGTH],
            actor=_actor_user(actor),
            actor_label=run_actor_label(actor),
            **fields,
        )
        audit_record(
            actor=actor,
            verb=verb,
            object_type=object_type,
            object_id=run.audit_id,
            after=after,
        )
    return run
