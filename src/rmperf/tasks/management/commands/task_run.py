"""`rmperf task_run [--as-of DATE]`: the daily task run on the lake in use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rmperf.tasks.services import TaskRunError, task_run


class Command(BaseCommand):
    help = "Create today's RM tasks from the imported lake and close those whose cause went away."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="as-of date YYYY-MM-DD (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        try:
            run = task_run(actor=None, as_of=as_of)
        except TaskRunError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"task run {run.pk} at {run.as_of}: {run.proposed:,} proposed, {run.created:,} "
            f"created, {run.closed:,} closed, {run.skipped:,} skipped ({', '.join(run.kinds)}); "
            f"policy {run.policy_label}"
        )
