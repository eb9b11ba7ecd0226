"""`rmperf career-propose YEAR` and `rmperf negative-list-run QUARTER`: the careers app's
runs from the command line, as the system (the audit log names "system").

The app side of `rmperf career` / `rmperf negative-list`: the same engine on the stored,
confirmed results, persisted for the pages (rmperf.careers; docs/career.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rmperf.commands import setup_django


def register(sub: Any) -> None:
    p = sub.add_parser(
        "career-propose",
        help="check every RM at a year end in the app and store the promotion proposals",
        description="Check every RM hired by the year end against the next rank from the "
        "year's confirmed annual ratings and the imported lake's loan book; eligible RMs "
        "become proposals a branch manager confirms or rejects. Decided ones are kept.",
    )
    p.add_argument("year", type=int, help="the year, e.g. 2026")
    p.set_defaults(handler=cmd_propose)
    n = sub.add_parser(
        "negative-list-run",
        help="compute a quarter's negative list in the app from the stored results",
        description="List the RMs lowest on their card in their branch in the quarter and the "
        "one before, from the stored results; refused once follow-up has started.",
    )
    n.add_argument("period", help="the quarter, e.g. 2026Q3")
    n.set_defaults(handler=cmd_negative)


def cmd_propose(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.careers.models import CareerCheck, CheckStatus
    from rmperf.careers.services import CareerError, career_checks_compute

    try:
        count = career_checks_compute(actor=None, year=args.year)
    except CareerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    proposed = CareerCheck.objects.filter(year=args.year, status=CheckStatus.PROPOSED).count()
    print(f"{count:,} RMs checked for {args.year}; {proposed:,} proposals await a decision")
    return 0


def cmd_negative(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.careers.services import CareerError, negative_list_compute

    try:
        run = negative_list_compute(actor=None, key=args.period)
    except CareerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"negative list {run.period}: {run.listed:,} of {run.scored:,} RMs listed")
    return 0
