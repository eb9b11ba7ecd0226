"""`rmperf segment-migration`: tier migration between two dates, from a lake, no database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated, say_if_empty

if TYPE_CHECKING:
    from decimal import Decimal

    from rmperf.engine.segmentation.migration import MigrationReport


def register(sub: Any) -> None:
    mig = sub.add_parser(
        "segment-migration",
        help="tier-to-tier migration, sleeping share and wake-up rate between two dates",
        description="Segment the lake at --from and at --to with one policy and write the "
        "migration matrix of the bank, of every RM (in charge at --to) and of every branch "
        "as one long table: scope, scope_id, from_tier, to_tier, count, share (of the from "
        "row). 'new' rows are customers opened in between. CSV or Parquet by the output's "
        "extension; --summary writes sleeping shares and wake-up rates per scope as JSON.",
    )
    mig.add_argument("--lake", type=Path, required=True, help="lake directory")
    mig.add_argument(
        "--from", dest="date_from", type=parse_date, required=True, help="first date YYYY-MM-DD"
    )
    mig.add_argument(
        "--to", dest="date_to", type=parse_date, required=True, help="second date YYYY-MM-DD"
    )
    mig.add_argument("--policy", type=Path, help="segmentation policy YAML (default: shipped)")
    mig.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    mig.add_argument("--out", type=Path, required=True, help="matrix file (.csv or .parquet)")
    mig.add_argument("--summary", type=Path, help="also write the per-scope summary as JSON")
    mig.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(mig)
    mig.set_defaults(handler=cmd_segment_migration)


def cmd_segment_migration(args: argparse.Namespace) -> int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation import load_segmentation_policy
    from rmperf.engine.segmentation.migration import segment_migration

    try:
        check_output_path(args.out)
        if args.summary is not None and not args.summary.parent.is_dir():
            raise ValueError(f"{args.summary.parent}: the summary folder does not exist")
        if args.date_from >= args.date_to:
            raise ValueError(f"--from ({args.date_from}) must be before --to ({args.date_to})")
        loaded = load_segmentation_policy(args.policy)
    except (ValueError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    report = gated(
        args,
        lake,
        lambda: segment_migration(
            lake,
            date_from=args.date_from,
            date_to=args.date_to,
            policy=loaded.policy,
            backend=args.engine,
        ),
    )
    if isinstance(report, int):
        return report
    table = report.table()
    say_if_empty(table.num_rows, "tier pairs")
    write_result(table, args.out)
    if args.summary is not None:
        doc = {"policy_version": loaded.version, **report.as_json()}
        tmp = args.summary.with_name(f".{args.summary.name}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(args.summary)
    print(summary_text(report, policy_version=loaded.version), end="")
    written = f"wrote {args.out}" + (f" and {args.summary}" if args.summary else "")
    print(written)
    return 0


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def summary_text(report: MigrationReport, *, policy_version: str) -> str:
    """The bank's matrix (counts, then share of the from row) and its headline rates."""
    from rmperf.engine.segmentation.migration import FROM_ROWS, TO_COLUMNS, Scope

    bank = report.summary()
    grid = report.matrix()
    width = max(len(t) for t in (*FROM_ROWS, *TO_COLUMNS)) + 2
    lines = [
        f"tier migration {report.date_from} → {report.date_to} (policy {policy_version}): "
        f"{bank.customers_from:,} customers at from, {bank.customers_to:,} at to "
        f"({bank.new:,} new, {bank.gone:,} gone)",
        "from \\ to".ljust(width) + "".join(t.rjust(width + 2) for t in TO_COLUMNS),
    ]
    for f in FROM_ROWS:
        lines.append(
            f.ljust(width)
            + "".join(
                (f"{grid[(f, t)]:,}" if (f, t) in grid else "").rjust(width + 2) for t in TO_COLUMNS
            )
        )
    rms = sum(1 for s in report.summaries if s.scope == Scope.RM)
    branches = sum(1 for s in report.summaries if s.scope == Scope.BRANCH)
    lines += [
        f"sleeping share: {_pct(bank.sleeping_share_from)} at from, "
        f"{_pct(bank.sleeping_share_to)} at to",
        f"wake-up rate (sleeping → core/potential/basic): {_pct(bank.wake_up_rate)} "
        f"({bank.woken:,} of {bank.sleeping_from:,}); left sleeping (any other tier): "
        f"{_pct(bank.left_sleeping_rate)}",
        f"{rms:,} RM scopes, {branches:,} branch scopes",
    ]
    return "\n".join(lines) + "\n"
