"""System checks of the database's state that Django's own checks do not make.

Half-applied squashes: on 2026-12-07 each app's chain of migrations was squashed into one
migration that `replaces` the old chain. Django takes the squashed migration as applied when
every migration it replaces is recorded in `django_migrations`, and applies it to an empty
database. A database that holds only part of an old chain is neither; Django then drops the
app from its migration plan without a word, so `migrate` would report nothing to do while
the app's newest tables or columns are missing. This check refuses that state (it runs
before `migrate` and `serve`), naming the app and the migrations that are missing, in the
active language (a check runs before the command, under the language the CLI runs in).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import DatabaseError
from django.utils.translation import gettext as _


def half_applied_squashes(applied: set[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    """(app, squashed migration, the replaced migrations not applied) for each squashed
    migration of which some but not all replaced migrations are applied."""
    found = []
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for (app, name), migration in sorted(disk.items()):
        if not migration.replaces:
            continue
        missing = [n for a, n in migration.replaces if (a, n) not in applied]
        if 0 < len(missing) < len(migration.replaces):
            found.append((app, name, missing))
    return found


@register(Tags.database)
def check_squashed_migrations(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in databases or []:
        if alias != DEFAULT_DB_ALIAS:
            continue
        try:
            recorder = MigrationRecorder(connections[alias])
            if not recorder.has_table():
                continue
            applied = set(recorder.applied_migrations())
        except DatabaseError:
            continue  # no database yet: Django's own checks and migrate report it
        for app, name, missing in half_applied_squashes(applied):
            errors.append(
                Error(
                    _(
                        "The database holds only part of the migrations that %(migration)s "
                        "replaces; missing: %(missing)s."
                    )
                    % {"migration": f"{app}.{name}", "missing": ", ".join(missing)},
                    hint=_(
                        "Bring the database to the end of its migrations with the release "
                        "before 2026-12-07 first (docs/operations.md, Upgrading), then run "
                        "`rmperf migrate` with this one."
                    ),
                    id="rmperf.E001",
                )
            )
    return errors
