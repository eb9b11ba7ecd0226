"""`rmperf referral-candidates`: referrals the rule book proposes from a lake at a date (no
database). `rmperf referrals-sweep`: the app's periodic referral run (escalate, expire,
match purchases and award points)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, setup_django, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated, say_if_empty


def register(sub: Any) -> None:
    cand = sub.add_parser(
        "referral-candidates",
        help="referrals the rule book proposes from a lake at a date (no database)",
        description="Write one row per (rule, customer, need) whose trigger holds at the as-of "
        "date and that is not already referred: rule_id, customer_id, need, from_role, to_role, "
        "from_staff_id, to_staff_id, opened_on, deposit, trigger_event, trigger_date "
        "(docs/referrals.md). CSV or Parquet by the output's extension.",
    )
    cand.add_argument("--lake", type=Path, required=True, help="lake directory")
    cand.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    cand.add_argument("--policy", type=Path, help="referral rule book YAML (default: shipped)")
    cand.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    cand.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(cand)
    cand.set_defaults(handler=cmd_referral_candidates)

    sweep = sub.add_parser(
        "referrals-sweep",
        help="escalate and expire overdue referrals, match purchases, award points",
        description="The periodic referral run of the app (also run by the daily task): "
        "referrals unanswered past the response SLA are escalated to the team leader, past "
        "the expiry they expire; accepted or contacted referrals are matched against the "
        "current lake's holdings and converted, the referrer earning points.",
    )
    sweep.set_defaults(handler=cmd_referrals_sweep)

    export = sub.add_parser(
        "referrals-export",
        help="write the app's referrals as the lake's referrals table (CSV)",
        description="Write every referral made in the app as rows of the lake contract's "
        "`referrals` table (referral_id APP-<id>), for the next import to feed the "
        "collaboration indicators (docs/referrals.md).",
    )
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    export.set_defaults(handler=cmd_referrals_export)


def cmd_referral_candidates(args: argparse.Namespace) -> int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.referrals import load_referral_policy, referral_candidates

    try:
        check_output_path(args.out)
        loaded = load_referral_policy(args.policy)
    except (ValueError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    table = gated(
        args, lake, lambda: referral_candidates(lake, as_of=args.as_of, policy=loaded.policy)
    )
    if isinstance(table, int):
        return table
    say_if_empty(table.num_rows, "referral candidates")
    write_result(table, args.out)
    counts: dict[str, int] = {}
    for rule_id in table.column("rule_id").to_pylist():
        counts[rule_id] = counts.get(rule_id, 0) + 1
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "none"
    print(
        f"{table.num_rows:,} referral candidates ({summary}); policy {loaded.version}; "
        f"wrote {args.out}"
    )
    return 0


def cmd_referrals_sweep(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.referrals.services import referrals_sweep

    result = referrals_sweep(actor=None)
    print(
        f"{result.escalated} escalated, {result.expired} expired, {result.converted} converted "
        f"({result.points} points awarded); rule book {result.policy_label}"
        + ("" if result.lake else "; no lake imported yet: purchases not matched")
    )
    return 0


def cmd_referrals_export(args: argparse.Namespace) -> int:
    import csv

    if args.out.suffix.lower() != ".csv" or not args.out.parent.is_dir():
        print(f"error: {args.out}: give a .csv file in an existing folder", file=sys.stderr)
        return 2
    setup_django()
    from rmperf.referrals.selectors import LAKE_COLUMNS, referrals_lake_rows

    rows = referrals_lake_rows()
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(LAKE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(args.out)
    print(f"{len(rows):,} referrals; wrote {args.out}")
    return 0
