"""Writes: the daily task run, the RM's actions on tasks, and logging interactions.

Every write is atomic and audited (shared/STYLE.md convention 2). The daily run is
idempotent for a day: tasks are keyed by (staff, customer, kind, source_key), so a re-run
creates nothing new, and never reopens a task an RM marked done or dismissed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of, staff_of
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_start, run_succeed
from rmperf.core.runs import RunStatus
from rmperf.customers.models import Assignment, Customer, current_on
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation.tags import add_months
from rmperf.engine.tasks import WINDOWED_KINDS, TasksPolicy, generate_tasks
from rmperf.engine.tasks import TaskKind as EngineKind
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import Staff
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_active, policy_in_force, policy_loaded
from rmperf.segments.models import CustomerSegment, SegmentRun
from rmperf.tasks.models import (
    CAUSE_GONE,
    CloseReason,
    Interaction,
    Task,
    TaskKind,
    TaskRun,
    TaskStatus,
)

CHUNK = 2000
RUN_VERB = "tasks.run"


class TaskRunError(Exception):
    """A run that cannot start (no lake in use)."""


def tasks_policy() -> TasksPolicy:
    """The tasks policy in force: the active version of the policies app (the shipped
    default until another is activated; docs/tasks.md "Policy")."""
    loaded = policy_in_force(PolicyKind.TASKS)[1]
    found: TasksPolicy = loaded.policy
    return found


def _app_verified(customer_ids: Iterable[str]) -> dict[str, dt.date]:
    """The latest verified contact the app knows of per customer: the customer record's
    contact_verified_on or a verified interaction, whichever is later."""
    ids = list(customer_ids)
    out: dict[str, dt.date] = {}
    zone = timezone.get_current_timezone()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for cid, day in Customer.objects.filter(
            pk__in=part, contact_verified_on__isnull=False
        ).values_list("pk", "contact_verified_on"):
            out[cid] = day
        for cid, ts in (
            Interaction.objects.filter(customer_id__in=part, contact_verified=True)
            .values_list("customer_id")
            .annotate(last=Max("ts"))
        ):
            day = ts.astimezone(zone).date()
            if cid not in out or day > out[cid]:
                out[cid] = day
    return out


@dataclass(frozen=True)
class _Key:
    staff_id: str
    customer_id: str
    kind: str
    source_key: str


#: The stored segmentation columns the engine can reuse (engine POTENTIAL_COLUMNS).
_SEGMENT_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string()),
        pa.field("rm_id", pa.string()),
        pa.field("recency_days", pa.int64()),
        pa.field("tier", pa.string()),
        pa.field("frequency", pa.int64()),
        pa.field("monetary", pa.decimal128(18, 2)),
        pa.field("product_count", pa.int64()),
        pa.field("contribution", pa.decimal128(18, 2)),
    ]
)


def stored_segments(*, as_of: dt.date, version: Any, lake_path: str) -> pa.Table | None:
    """The app's segmentation of `as_of` under the active policy on the same lake, when a
    run succeeded: the daily task run reuses its tiers instead of scanning every
    transaction again (docs/tasks.md "Performance")."""
    run = (
        SegmentRun.objects.filter(
            as_of=as_of,
            status=RunStatus.SUCCEEDED,
            policy=version,
            lake_path=lake_path,
        )
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        return None
    rows = list(CustomerSegment.objects.filter(run=run).values_list(*_SEGMENT_SCHEMA.names))
    columns = [[r[i] for r in rows] for i in range(len(_SEGMENT_SCHEMA.names))]
    return pa.table(
        {f.name: pa.array(col, f.type) for f, col in zip(_SEGMENT_SCHEMA, columns, strict=True)}
    )


def _existing_customers(customer_ids: Iterable[str]) -> set[str]:
    ids = list(customer_ids)
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            Customer.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", flat=True)
        )
    return found


def _current_rms(customer_ids: Iterable[str], day: dt.date) -> dict[str, str]:
    ids = list(customer_ids)
    out: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            Assignment.objects.filter(current_on(day), customer_id__in=ids[start : start + CHUNK])
            .order_by("customer_id", "valid_from")
            .values_list("customer_id", "staff_id")
        )
        out.update(dict(rows))  # the latest start wins, as in the engine
    return out


def task_run(*, actor: Any, as_of: dt.date, lake_dir: Any = None) -> TaskRun:
    """Run the engine's tasks for `as_of` on the lake in use and reconcile the app's tasks:
    create the new ones, close those whose cause disappeared, expire stale windowed ones."""
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise TaskRunError(_("No lake has been imported yet."))
    tasks_version, tasks_loaded = policy_in_force(PolicyKind.TASKS)
    policy: TasksPolicy = tasks_loaded.policy
    version = policy_active(PolicyKind.SEGMENTATION)
    seg = policy_loaded(version)
    started = timezone.now()
    lake = Lake(lake_dir, today=max(as_of, timezone.localdate()), time_zone=policy.time_zone)
    result = generate_tasks(
        lake,
        as_of=as_of,
        policy=policy,
        segmentation=seg.policy,
        tiers=stored_segments(as_of=as_of, version=version, lake_path=str(lake.path)),
    )
    rows = result.tasks.to_pylist()

    staff_ids = set(Staff.objects.values_list("staff_id", flat=True))
    customer_ids = {r["customer_id"] for r in rows}
    known_customers = _existing_customers(customer_ids)
    contact_rows = [r["customer_id"] for r in rows if r["kind"] == EngineKind.CONTACT_REFRESH]
    verified = _app_verified(contact_rows)
    fresh_since = add_months(as_of, -policy.contact_refresh.months)

    proposed: dict[_Key, dict[str, Any]] = {}
    skipped = 0
    for r in rows:
        if r["staff_id"] not in staff_ids or r["customer_id"] not in known_customers:
            skipped += 1
            continue
        if r["kind"] == EngineKind.CONTACT_REFRESH:
            app_day = verified.get(r["customer_id"])
            if app_day is not None and fresh_since <= app_day <= as_of:
                continue  # verified in the app since the lake was written
        proposed[_Key(r["staff_id"], r["customer_id"], r["kind"], r["source_key"])] = r

    with transaction.atomic(durable=True):
        run = run_start(
            TaskRun,
            actor=actor,
            as_of=as_of,
            lake_path=str(lake.path),
            policy_digest=tasks_loaded.digest,
            policy=tasks_version,
            policy_label=tasks_version.run_label,
            kinds=[k.value for k in result.kinds],
            proposed=len(proposed),
            skipped=skipped,
            started_at=started,
        )
        before = Task.objects.count()
        new = [
            Task(
                staff_id=k.staff_id,
                customer_id=k.customer_id,
                kind=k.kind,
                source_key=k.source_key,
                due_date=r["due_date"],
                reason=r["reason"],
                reason_zh=r["reason_zh"],
                action=r["action"],
                action_zh=r["action_zh"],
                first_run=run,
                created_on=as_of,
            )
            for k, r in proposed.items()
        ]
        Task.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
        run.created = Task.objects.count() - before
        run.closed = _close_vanished(run=run, proposed=proposed, policy=policy, as_of=as_of)
        run_succeed(
            run,
            actor=actor,
            row_count=run.created + run.closed,
            update_fields=["created", "closed"],
            verb=RUN_VERB,
            object_type="tasks.TaskRun",
            object_id=str(run.pk),
            after={
                "as_of": as_of.isoformat(),
                "kinds": run.kinds,
                "proposed": run.proposed,
                "created": run.created,
                "closed": run.closed,
                "skipped": run.skipped,
                "policy": run.policy_digest,
                "policy_version": run.policy_label,
            },
        )
    return run


def _close_vanished(
    *, run: TaskRun, proposed: dict[_Key, dict[str, Any]], policy: TasksPolicy, as_of: dt.date
) -> int:
    """Close open tasks of the computed kinds that today's run no longer proposes."""
    computed = set(run.kinds)
    expire_before = as_of - dt.timedelta(days=policy.lifecycle.expire_after_days)
    open_tasks = list(
        Task.objects.filter(status=TaskStatus.OPEN, kind__in=computed).values_list(
            "pk", "staff_id", "customer_id", "kind", "source_key", "due_date"
        )
    )
    vanished = [t for t in open_tasks if _Key(t[1], t[2], t[3], t[4]) not in proposed]
    current = _current_rms({t[2] for t in vanished}, as_of)
    by_reason: dict[CloseReason, list[int]] = {}
    for pk, staff_id, customer_id, kind, _key, due in vanished:
        if kind in WINDOWED_KINDS and due < as_of:
            # The date went by without action: it stays overdue until it expires.
            if due < expire_before:
                by_reason.setdefault(CloseReason.EXPIRED, []).append(pk)
            continue
        if current.get(customer_id) != staff_id:
            reason = CloseReason.REASSIGNED
        else:
            reason = CAUSE_GONE[kind]
        by_reason.setdefault(reason, []).append(pk)
    closed = 0
    for why, pks in by_reason.items():
        for start in range(0, len(pks), CHUNK):
            closed += Task.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                status=TaskStatus.CLOSED, close_reason=why, closed_on=as_of
            )
    return closed


# -- the RM's actions ------------------------------------------------------------------


def _own_open(actor: Any, task_ids: Iterable[int]) -> list[Task]:
    """The actor's open tasks among `task_ids`; any other id is an error (no partial write)."""
    ids = sorted({int(i) for i in task_ids})
    if not ids:
        raise ValidationError(_("Choose at least one task."))
    found = list(Task.objects.restrict(actor, Action.CHANGE).select_for_update().filter(pk__in=ids))
    if len(found) != len(ids):
        raise PermissionDenied
    closed = [t for t in found if t.status != TaskStatus.OPEN]
    if closed:
        raise ValidationError(
            _("Task %(id)s is already %(status)s.")
            % {"id": closed[0].pk, "status": closed[0].get_status_display()}
        )
    return found


def _today() -> dt.date:
    return timezone.localdate()


def _audit_task(actor: Any, task: Task, verb: str, before: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type="tasks.Task",
        object_id=str(task.pk),
        before=before,
        after={
            "status": task.status,
            "snoozed_until": task.snoozed_until,
            "note": task.note,
        },
    )


def task_done(*, actor: Any, task_ids: Iterable[int], note: str = "") -> int:
    """Mark the actor's open tasks done."""
    with transaction.atomic(durable=True):
        return _task_done(actor=actor, task_ids=task_ids, note=note)


def _task_done(*, actor: Any, task_ids: Iterable[int], note: str = "") -> int:
    tasks = _own_open(actor, task_ids)
    for task in tasks:
        before = {"status": task.status}
        task.status = TaskStatus.DONE
        task.note = note.strip()
        task.closed_on = _today()
        task.closed_by = actor
        task.save(update_fields=["status", "note", "closed_on", "closed_by"])
        _audit_task(actor, task, "tasks.done", before)
    return len(tasks)


def task_snooze(*, actor: Any, task_ids: Iterable[int], until: dt.date | None) -> int:
    """Hide the actor's open tasks until `until` (after today, within the policy's limit)."""
    today = _today()
    limit = today + dt.timedelta(days=tasks_policy().lifecycle.snooze_max_days)
    if until is None:
        raise ValidationError(_("Give the date to snooze until."))
    if not today < until <= limit:
        raise ValidationError(
            _("Snooze to a date after today and at most %(limit)s.") % {"limit": limit}
        )
    with transaction.atomic(durable=True):
        tasks = _own_open(actor, task_ids)
        for task in tasks:
            before = {"status": task.status, "snoozed_until": task.snoozed_until}
            task.snoozed_until = until
            task.save(update_fields=["snoozed_until"])
            _audit_task(actor, task, "tasks.snooze", before)
    return len(tasks)


def task_dismiss(*, actor: Any, task_ids: Iterable[int], reason: str) -> int:
    """Dismiss the actor's open tasks; a reason is required (it is what managers review)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the task is dismissed."))
    with transaction.atomic(durable=True):
        tasks = _own_open(actor, task_ids)
        for task in tasks:
            before = {"status": task.status}
            task.status = TaskStatus.DISMISSED
            task.note = reason
            task.closed_on = _today()
            task.closed_by = actor
            task.save(update_fields=["status", "note", "closed_on", "closed_by"])
            _audit_task(actor, task, "tasks.dismiss", before)
    return len(tasks)


# -- interactions ----------------------------------------------------------------------


def interaction_log(
    *,
    actor: Any,
    customer: Customer,
    channel: str,
    outcome: str,
    ts: dt.datetime | None = None,
    contact_verified: bool = False,
    notes: str = "",
    next_step: str = "",
    next_step_on: dt.date | None = None,
    task: Task | None = None,
    complete_task: bool = False,
) -> Interaction:
    """Log a contact with a customer in the actor's scope. A verified contact moves the
    customer's contact_verified_on forward; logging from a task can complete it."""
    staff = staff_of(actor)
    scope = scope_of(actor)
    if staff is None or scope is None or scope.read_only:
        raise PermissionDenied
    if not Customer.objects.restrict(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied
    if task is not None and task.customer_id != customer.pk:
        raise ValidationError({"task": _("The task is about another customer.")})
    when = ts or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"ts": _("An interaction cannot be in the future.")})
    with transaction.atomic(durable=True):
        item = Interaction(
            customer=customer,
            staff=staff,
            ts=when,
            channel=channel,
            outcome=outcome,
            contact_verified=contact_verified,
            notes=notes.strip(),
            next_step=next_step.strip(),
            next_step_on=next_step_on,
            task=task,
        )
        item.full_clean()
        item.save()
        audit_record(
            actor=actor,
            verb="tasks.interaction",
            object_type="tasks.Interaction",
            object_id=str(item.pk),
            after={
                "customer": customer.pk,
                "channel": channel,
                "outcome": outcome,
                "contact_verified": contact_verified,
                "task": task.pk if task else None,
            },
        )
        if contact_verified:
            day = timezone.localtime(when).date()
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            if locked.contact_verified_on is None or locked.contact_verified_on < day:
                audit_record(
                    actor=actor,
                    verb="customers.contact_verified",
                    object_type="customers.Customer",
                    object_id=customer.pk,
                    before={"contact_verified_on": locked.contact_verified_on},
                    after={"contact_verified_on": day},
                )
                Customer.objects.filter(pk=customer.pk).update(contact_verified_on=day)
                customer.contact_verified_on = day
            # The contact_refresh tasks of this customer lost their cause now.
            Task.objects.filter(
                customer=customer, kind=TaskKind.CONTACT_REFRESH, status=TaskStatus.OPEN
            ).exclude(pk=task.pk if task is not None and complete_task else None).update(
                status=TaskStatus.CLOSED,
                close_reason=CloseReason.CONTACT_VERIFIED,
                closed_on=timezone.localtime(when).date(),
            )
        if task is not None and complete_task:
            _task_done(actor=actor, task_ids=[task.pk], note=next_step or notes)
    return item
