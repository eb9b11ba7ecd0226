"""`rmperf monthly-reports`: every RM's monthly work report (月度工作报告) in the app, as
the system (the audit log names "system"), from the imported lake and the app's rows
(rmperf.reports; docs/reports.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rmperf.commands import parse_date, setup_django


def register(sub: Any) -> None:
    p = sub.add_parser(
        "monthly-reports",
        help="generate every RM's monthly work report (idempotent; for the daily job)",
        description="Generate the monthly work report of every RM employed in a month: "
        "contacts and customers served per working day (from the lake), tier movement of "
        "the book, targets and time-progress, referrals, tasks and the quarter's score so "
        "far (from the app). A report that exists is left unchanged, so the command may "
        "run every day. Without --month it generates the previous month's reports once "
        "today has reached the first mainland-China working day of its month, and does "
        "nothing before; with --month it generates that month's, refused (exit 2) while "
        "the month is not over.",
    )
    p.add_argument("--month", help="the month, e.g. 2026-11 (default: the month due today)")
    p.add_argument("--today", type=parse_date, help="the bank date to act as of (default: today)")
    p.set_defaults(handler=cmd_monthly_reports)


def cmd_monthly_reports(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from rmperf.reports.services import (
        ReportRefused,
        first_working_day,
        monthly_reports_due,
        monthly_reports_generate,
    )

    today = args.today or timezone.localdate()
    try:
        if args.month:
            result = monthly_reports_generate(actor=None, month=args.month, today=today)
        else:
            due = monthly_reports_due(actor=None, today=today)
            if due is None:
                from rmperf.engine.periods import Period, PeriodKind

                first = first_working_day(Period.containing(today, PeriodKind.MONTH))
                print(f"no monthly reports due on {today}: they are generated from {first}")
                return 0
            result = due
    except ReportRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"monthly reports {result.month}: {result.created:,} generated, "
        f"{result.existing:,} already there (left unchanged)"
    )
    return 0
