"""The squashed migrations (2026-12-07): each app's chain of migrations became one.

A database made by the releases before the squash holds the old migrations' names in
`django_migrations`; Django takes a squashed migration as applied when every migration it
replaces is recorded, so such a database has nothing to apply. A database stopped half-way
through an old chain cannot be carried on by the squashed one (its data migrations are
gone): it is refused, naming the app, and must first be brought to the end of its chain by
the release before the squash (docs/operations.md, "Upgrading").
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation

from rmperf.core.checks import check_squashed_migrations

#: Every migration of the squashed apps as releases before the squash recorded them
#: (git history: `git show 1607e44 --stat`, src/rmperf/*/migrations).
OLD_CHAINS = {
    "analysis": ["0001_workload_rebalancing_gaming_queue", "0002_gaming_kind_bulk_task_closing",
                 "0003_whatif_run", "0004_threshold_proposal"],
    "customers": ["0001_initial", "0002_customer_profile"],
    "lakes": ["0001_initial", "0002_lakeimport_notes", "0003_lakeimport_status_refused"],
    "org": ["0001_initial", "0002_staff_business_line"],
    "performance": ["0001_initial", "0002_scoringrun_policy_scoringrun_policy_label",
                    "0003_manual_scores_reopen_cards", "0004_scoringrun_batch_run",
                    "0005_target_sheet_cosetting_versions_weights", "0006_feedback_entries",
                    "0007_panel_score_confirmed_at", "0008_unit_results",
                    "0009_innovation_proposals"],
    "policies": ["0001_initial", "0002_alter_policyversion_kind",
                 "0003_policyversion_kind_career", "0004_policyversion_kind_pay",
                 "0005_policyversion_kind_lake", "0006_policyversion_kind_workload_gaming",
                 "0007_feedback_policy_kind", "0008_reviews_policy_kind",
                 "0009_fishbone_policy_kind"],
    "recommend": ["0001_initial", "0002_campaigns",
                  "0003_campaign_policy_campaign_policy_label_and_more",
                  "0004_offer_time_and_refresh", "0005_recommendationrun_batch_run",
                  "0006_recommendationrun_fill_shared_fields"],
    "referrals": ["0001_initial", "0002_referral_policy_referral_policy_label"],
    "segments": ["0001_initial", "0002_segmentrun_batch_run",
                 "0003_segmentrun_fill_policy_label"],
    "rm_tasks": ["0001_initial", "0002_taskrun_policy_taskrun_policy_label",
                 "0003_taskrun_batch_run", "0004_taskrun_fill_shared_fields",
                 "0005_task_kinds_core_review_holiday_benefit"],
}  # fmt: skip


@pytest.fixture
def real_migrations(settings: Any) -> None:
    """The migration modules, also where the suite makes its databases from the models
    (pytest --nomigrations, the SQLite leg of scripts/run-tests)."""
    settings.MIGRATION_MODULES = {}


def _old_release(
    monkeypatch: pytest.MonkeyPatch, *, leave_out: tuple[str, str] | None = None
) -> None:
    """Make `django_migrations` read as a database at the end of the old chains holds it:
    the squashed apps' old names, every other app's migrations as they are (`leave_out`:
    one migration not applied). Nothing is written to the test database."""
    names = {(app, name): None for app, chain in OLD_CHAINS.items() for name in chain}
    for (app, name), migration in MigrationLoader(None).disk_migrations.items():
        if app not in OLD_CHAINS:
            names[(app, name)] = None
        else:
            assert migration.replaces, f"{app}.{name} is not a squashed migration"
    if leave_out is not None:
        del names[leave_out]
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: dict(names))
    monkeypatch.setattr(MigrationRecorder, "has_table", lambda self: True)


def test_each_squashed_migration_replaces_exactly_its_old_chain(real_migrations: None) -> None:
    ours = [
        (app, migration)
        for (app, _), migration in MigrationLoader(None).disk_migrations.items()
        if migration.__module__.startswith("rmperf.")
    ]
    apps = [app for app, _ in ours]
    assert len(apps) == len(set(apps))  # one migration per app of the project now
    squashed = {app: m.replaces for app, m in ours if m.replaces}
    assert squashed == {app: [(app, name) for name in chain] for app, chain in OLD_CHAINS.items()}


def test_a_database_at_the_end_of_the_old_chains_has_nothing_to_apply(
    real_migrations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_release(monkeypatch)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(leaves) == []
    applied = executor.loader.applied_migrations
    for app in OLD_CHAINS:
        assert any(a == app and "squashed" in name for a, name in applied), app


@pytest.mark.django_db
def test_a_database_half_way_through_an_old_chain_is_refused_naming_the_app(
    real_migrations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_release(monkeypatch, leave_out=("performance", "0009_innovation_proposals"))
    # Django alone would drop the app from its plan without a word…
    executor = MigrationExecutor(connection)
    assert not [key for key in executor.loader.graph.nodes if key[0] == "performance"]
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # …so the project's check refuses it, before migrate does anything.
    with translation.override("en"):
        [error] = check_squashed_migrations(databases=["default"])
        assert error.id == "rmperf.E001"
        assert "performance.0001_squashed_innovation_proposals" in error.msg
        assert "missing: 0009_innovation_proposals." in error.msg
        with pytest.raises(SystemCheckError, match="0009_innovation_proposals"):
            call_command("migrate", plan=True, skip_checks=False)


@pytest.mark.django_db
def test_the_refusal_is_said_in_the_active_language(
    real_migrations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_release(monkeypatch, leave_out=("performance", "0009_innovation_proposals"))
    said = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            [error] = check_squashed_migrations(databases=["default"])
            # What `rmperf migrate` and `rmperf demo` print: the checks run before the
            # command, in the language it runs in.
            with pytest.raises(SystemCheckError) as refused:
                call_command("migrate", plan=True, skip_checks=False)
        assert error.msg in str(refused.value) and str(error.hint) in str(refused.value)
        said[language] = (error.msg, error.hint)
    zh, en = said["zh-hans"], said["en"]
    assert en[0] == (
        "The database holds only part of the migrations that "
        "performance.0001_squashed_innovation_proposals replaces; "
        "missing: 0009_innovation_proposals."
    )
    assert en[1].startswith("Bring the database to the end of its migrations")
    assert zh[0] == (
        "数据库只应用了 performance.0001_squashed_innovation_proposals "
        "所替代的部分迁移；缺少：0009_innovation_proposals。"
    )
    assert zh[1].startswith("请先用 2026-12-07 之前的版本")


def test_the_check_is_quiet_on_a_whole_old_chain_and_on_a_new_database(
    real_migrations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_release(monkeypatch)
    assert check_squashed_migrations(databases=["default"]) == []
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: {})
    assert check_squashed_migrations(databases=["default"]) == []
