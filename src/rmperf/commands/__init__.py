"""The `rmperf` subcommands, one module each; every module exposes `register(subparsers)`.

A module adds its parser(s) and sets `handler` to a function taking the parsed
arguments and returning the exit status. Engine commands read a lake and write a
result file without touching the database; app commands set Django up first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]
DEFAULT_SETTINGS = "rmperf.config.settings"

#: Modules whose `register` is called, in the order their commands are listed in --help.
COMMAND_MODULES = (
    "rmperf.commands.lake_commands",
    "rmperf.commands.app_commands",
    "rmperf.commands.segment_commands",
    "rmperf.commands.migration_commands",
    "rmperf.commands.score_commands",
    "rmperf.commands.pay_commands",
    "rmperf.commands.referral_commands",
    "rmperf.commands.task_commands",
    "rmperf.commands.performance_commands",
    "rmperf.commands.recommend_commands",
    "rmperf.commands.career_commands",
    "rmperf.commands.careers_app_commands",
    "rmperf.commands.pay_app_commands",
    "rmperf.commands.backup_commands",
    "rmperf.commands.analysis_commands",
    "rmperf.commands.report_commands",
    "rmperf.commands.customer_commands",
)


def parse_date(text: str) -> dt.date:
    """An argparse type for ISO dates with a clear message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def system_today() -> dt.date:
    """Today in the bank's time zone, without Django (engine commands)."""
    from zoneinfo import ZoneInfo

    from rmperf.engine.contract import BANK_TIME_ZONE

    return dt.datetime.now(ZoneInfo(BANK_TIME_ZONE)).date()
