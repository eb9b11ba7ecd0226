"""One run model and one lifecycle: every batch run has the same status and shared fields,
and start → succeed / fail / supersede behave (and are audited) the same for all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.core.run_services import (
    PROBLEM_LENGTH,
    run_actor_label,
    run_fail,
    run_start,
    run_succeed,
    runs_supersede,
)
from rmperf.core.runs import BatchRun, RunStatus
from rmperf.performance.models import ScoringRun
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_active
from rmperf.recommend.models import RecommendationRun
from rmperf.segments.models import SegmentRun
from rmperf.tasks.models import TaskRun
from tests.factories import Bank

RUNS: tuple[type[BatchRun], ...] = (SegmentRun, ScoringRun, RecommendationRun, TaskRun)
SHARED = (
    "status", "started_at", "finished_at", "actor", "actor_label", "policy", "policy_label",
    "lake_path", "inputs_digest", "row_count", "problem",
)  # fmt: skip
DAY = dt.date(2026, 9, 30)


@pytest.mark.parametrize("model", RUNS, ids=lambda m: m.__name__)
def test_every_run_has_the_shared_fields_and_the_one_status(model: type[BatchRun]) -> None:
    assert issubclass(model, BatchRun)
    for name in SHARED:
        model._meta.get_field(name)  # FieldDoesNotExist fails the test
    status = model._meta.get_field("status")
    assert isinstance(status, models.CharField)
    assert status.choices == [
        ("running", "Running"),
        ("succeeded", "Succeeded"),
        ("superseded", "Superseded"),
        ("failed", "Failed"),
    ]
    assert status.default == "running"


def test_a_run_starts_running_and_succeeds_with_its_rows_and_audit_event(bank: Bank) -> None:
    hannah = bank.user("hannah")
    began = timezone.now()
    run = run_start(TaskRun, actor=hannah, as_of=DAY, lake_path="/lake", policy_digest="d")
    stored = TaskRun.objects.get(pk=run.pk)
    assert stored.status == RunStatus.RUNNING and stored.finished_at is None
    assert stored.actor == hannah and stored.actor_label == "hannah"
    assert stored.started_at >= began
    run.created, run.closed = 3, 2
    run_succeed(
        run, actor=hannah, row_count=5, update_fields=["created", "closed"],
        verb="tasks.run", object_type="tasks.TaskRun", object_id=str(run.pk),
        after={"created": 3, "closed": 2},
    )  # fmt: skip
    stored = TaskRun.objects.get(pk=run.pk)
    assert stored.status == RunStatus.SUCCEEDED and stored.row_count == 5
    assert (stored.created, stored.closed) == (3, 2)
    assert stored.finished_at is not None and stored.finished_at >= stored.started_at
    event = AuditEvent.objects.get(verb="tasks.run")
    assert (event.object_type, event.object_id, event.actor_label) == (
        "tasks.TaskRun", str(run.pk), "hannah",
    )  # fmt: skip
    assert event.after == {"created": 3, "closed": 2}


def test_the_system_starts_runs_without_a_user(db: None) -> None:
    run = run_start(RecommendationRun, actor=None, as_of=DAY, policy_version="v1")
    assert run.actor is None and run.actor_label == "system"
    assert run_actor_label(None) == "system"


def test_a_new_run_supersedes_only_the_succeeded_ones(db: None) -> None:
    made = {
        status: RecommendationRun.objects.create(
            as_of=DAY, policy_version="v1", status=status, actor_label="system"
        )
        for status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.RUNNING)
    }
    other_day = RecommendationRun.objects.create(
        as_of=DAY - dt.timedelta(days=1), policy_version="v1", status=RunStatus.SUCCEEDED,
        actor_label="system",
    )  # fmt: skip
    earlier = runs_supersede(RecommendationRun.objects.filter(as_of=DAY))
    assert [r.pk for r in earlier] == [made[RunStatus.SUCCEEDED].pk]
    statuses = dict(RecommendationRun.objects.values_list("pk", "status"))
    assert statuses == {
        made[RunStatus.SUCCEEDED].pk: "superseded",
        made[RunStatus.FAILED].pk: "failed",
        made[RunStatus.RUNNING].pk: "running",
        other_day.pk: "succeeded",
    }


def test_a_failed_run_is_recorded_with_its_problem_and_audited(db: None) -> None:
    version = policy_active(PolicyKind.SEGMENTATION)
    problem = "OSError: " + "x" * 3000
    run = run_fail(
        SegmentRun, actor=None, problem=problem, verb="segments.run.failed",
        object_type="segment_run", after={"problem": problem},
        as_of=DAY, policy=version, lake_path="/lake",
    )  # fmt: skip
    stored = SegmentRun.objects.get(pk=run.pk)
    assert stored.status == RunStatus.FAILED and stored.finished_at is not None
    assert stored.problem == problem[:PROBLEM_LENGTH] and len(stored.problem) == 2000
    event = AuditEvent.objects.get(verb="segments.run.failed")
    # Segment runs are named by their run id in the audit log, as before.
    assert event.object_id == str(stored.run_id) and event.after == {"problem": problem}
