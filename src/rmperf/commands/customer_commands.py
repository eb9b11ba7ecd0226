"""`rmperf profile-retention`: erase the customer profiles kept past their retention
(customers.services.customer_profiles_expire; docs/security.md), as the system."""

from __future__ import annotations

import argparse
from typing import Any

from rmperf.commands import parse_date, setup_django


def register(sub: Any) -> None:
    p = sub.add_parser(
        "profile-retention",
        help="erase customer profiles kept past RMPERF_PROFILE_RETENTION_DAYS (daily job)",
        description="Erase the profile (industry, household, hobbies, preferred contact "
        "times) of every customer who has had no RM for more than "
        "RMPERF_PROFILE_RETENTION_DAYS days (default 365). Idempotent; one audit event "
        "per run with the count, never the texts.",
    )
    p.add_argument("--today", type=parse_date, help="the bank date to act as of (default: today)")
    p.set_defaults(handler=cmd_profile_retention)


def cmd_profile_retention(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from rmperf.customers.services import customer_profiles_expire

    today = args.today or timezone.localdate()
    done = customer_profiles_expire(actor=None, today=today)
    print(f"customer profiles: {done.customers:,} erased (no RM since before {done.cutoff})")
    return 0
