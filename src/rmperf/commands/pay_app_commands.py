"""`rmperf pay-run QUARTER`: the pay app's run from the command line, as the system (the
audit log names "system"), on the imported lake, the pay plan in force, the approved
target sheets and the confirmed ratings (rmperf.pay; docs/pay.md "In the app").
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rmperf.commands import setup_django


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pay-run",
        help="pay every RM for a quarter in the app from the confirmed ratings",
        description="Compute and store every RM's pay statement for a quarter (statements "
        "and lines) from the imported lake, the pay plan in force, the approved target "
        "sheets and the confirmed (calibrated or closed) ratings of every quarter the "
        "state needs. Refused (exit 2, nothing written) when a quarter is not confirmed or "
        "the quarter's pay is already approved; a second person approves it in the app.",
    )
    p.add_argument("period", help="the quarter, e.g. 2026Q3")
    p.set_defaults(handler=cmd_pay_run)


def cmd_pay_run(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.pay.services import PayRefused, pay_run

    try:
        run = pay_run(actor=None, key=args.period)
    except PayRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"pay {run.period}: {run.row_count:,} statements (history from {run.first_period}, "
        f"{len(run.rated_periods)} rated quarter(s)), total paid {run.total_paid:,.2f}; "
        f"{run.policy_label}; awaiting approval (run {run.run_id})"
    )
    return 0
