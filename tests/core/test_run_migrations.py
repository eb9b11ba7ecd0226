"""The migrations to the one run model keep the runs stored before them: renamed fields
keep their values, and the new shared fields are filled from what each run knew."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

BEFORE = [
    ("segments", "0001_initial"),
    ("performance", "0003_manual_scores_reopen_cards"),
    ("recommend", "0004_offer_time_and_refresh"),
    ("rm_tasks", "0002_taskrun_policy_taskrun_policy_label"),
]
AFTER = [
    ("segments", "0003_segmentrun_fill_policy_label"),
    ("performance", "0004_scoringrun_batch_run"),
    ("recommend", "0006_recommendationrun_fill_shared_fields"),
    ("rm_tasks", "0004_taskrun_fill_shared_fields"),
]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps(transactional_db: None, settings: Any) -> Iterator[Any]:
    """The four run tables as they were before the one run model; back to today after."""
    # The suite may make its databases from the models (pytest --nomigrations, the SQLite
    # leg of scripts/run-tests): this test needs the real migrations, and a database made
    # from the models is the state of the last migration of each app (`makemigrations
    # --check` holds that), so every migration is recorded as applied first.
    settings.MIGRATION_MODULES = {}
    recorder = MigrationRecorder(connection)
    if not recorder.has_table() or not recorder.applied_migrations():
        recorder.ensure_schema()
        executor = MigrationExecutor(connection)
        for app_label, name in executor.loader.graph.nodes:
            recorder.record_applied(app_label, name)
    try:
        yield _migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_stored_runs_survive_the_move_to_the_one_run_model(old_apps: Any) -> None:
    user = old_apps.get_model("auth", "User").objects.create(username="hannah")
    t0 = dt.datetime(2026, 9, 30, 0, 0, tzinfo=dt.UTC)
    version = old_apps.get_model("policies", "PolicyVersion").objects.create(
        kind="segmentation",
        label="v7",
        yaml_text="x: 1",
        digest="d" * 64,
        status="active",
        created_at=t0,
    )
    t1 = t0 + dt.timedelta(minutes=3)
    seg = old_apps.get_model("segments", "SegmentRun").objects.create(
        as_of=dt.date(2026, 9, 30), policy_version=version, lake_path="/lake",
        status="superseded", started_at=t0, finished_at=t1, customer_count=12, skipped=1,
        actor=user, actor_label="hannah",
    )  # fmt: skip
    period = old_apps.get_model("performance", "PerfPeriod").objects.create(
        key="2026Q3",
        kind="quarter",
        start=dt.date(2026, 7, 1),
        end=dt.date(2026, 9, 30),
        opened_at=t0,
    )
    score = old_apps.get_model("performance", "ScoringRun").objects.create(
        period=period, status="succeeded", lake_path="/lake", policy_digest="p",
        targets_digest="t", inputs_digest="i" * 64, result_count=7, started_at=t0,
        finished_at=t1, actor_label="system",
    )  # fmt: skip
    rec = old_apps.get_model("recommend", "RecommendationRun").objects.create(
        as_of=dt.date(2026, 9, 30), policy_version="v3", lake_path="/lake", started_by=user,
        created_at=t0, recommended=40, withheld=2,
    )  # fmt: skip
    task = old_apps.get_model("rm_tasks", "TaskRun").objects.create(
        as_of=dt.date(2026, 9, 30), lake_path="/lake", policy_digest="q", proposed=9,
        created=5, closed=3, skipped=1, started_at=t0, finished_at=t1,
    )  # fmt: skip

    new_apps = _migrate(AFTER)

    seg = new_apps.get_model("segments", "SegmentRun").objects.get(pk=seg.pk)
    assert (seg.policy_id, seg.policy_label, seg.row_count, seg.status) == (
        version.pk, "segmentation v7", 12, "superseded",
    )  # fmt: skip
    score = new_apps.get_model("performance", "ScoringRun").objects.get(pk=score.pk)
    assert (score.row_count, score.status, score.inputs_digest, score.problem) == (
        7, "succeeded", "i" * 64, "",
    )  # fmt: skip
    rec = new_apps.get_model("recommend", "RecommendationRun").objects.get(pk=rec.pk)
    assert (rec.status, rec.started_at, rec.finished_at) == ("succeeded", t0, t0)
    assert (rec.actor_id, rec.actor_label, rec.row_count) == (user.pk, "hannah", 42)
    task = new_apps.get_model("rm_tasks", "TaskRun").objects.get(pk=task.pk)
    assert (task.status, task.actor_id, task.actor_label, task.row_count) == (
        "succeeded", None, "system", 8,
    )  # fmt: skip
    assert (task.started_at, task.finished_at) == (t0, t1)
