"""`rmperf segment_run [--as-of DATE]`: segment the lake in use and store the tiers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rmperf.policies.models import PolicyVersion
from rmperf.segments.services import SegmentRunError, segment_run, segment_run_latest


class Command(BaseCommand):
    help = "Segment every customer of the imported lake at a date and store the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help="as-of date YYYY-MM-DD (default: the lake's last transaction day)",
        )
        parser.add_argument(
            "--policy-version", type=int, help="stored policy version id (default: active)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["as_of"] is None and options["policy_version"] is None:
                run = segment_run_latest(actor=None)
            else:
                version = (
                    PolicyVersion.objects.get(pk=options["policy_version"])
                    if options["policy_version"]
                    else None
                )
                if options["as_of"] is None:
                    raise CommandError("--as-of is required with --policy-version")
                run = segment_run(actor=None, as_of=options["as_of"], policy_version=version)
        except (SegmentRunError, PolicyVersion.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        tiers = ", ".join(f"{t} {n:,}" for t, _label, n in run.tiers)
        self.stdout.write(f"run {run.run_id} at {run.as_of}: {run.row_count:,} customers ({tiers})")
