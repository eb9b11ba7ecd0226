"""`rmperf segment`: RFM tiers per customer at an as-of date, from a lake, no database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today


def register(sub: Any) -> None:
    seg = sub.add_parser(
        "segment",
        help="RFM tier of every customer at a date (no database)",
        description="Write one row per customer: customer_id, recency_days, frequency, "
        "monetary, tier (core, potential, basic, sleeping, other). CSV or Parquet by the "
        "output's extension.",
    )
    seg.add_argument("--lake", type=Path, required=True, help="lake directory")
    seg.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    seg.add_argument("--policy", type=Path, help="segmentation policy YAML (default: shipped)")
    seg.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    seg.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    seg.add_argument("--today", type=parse_date, help="validation day (default: today)")
    seg.set_defaults(handler=cmd_segment)


def cmd_segment(args: argparse.Namespace) -> int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation import load_segmentation_policy, segment

    try:
        check_output_path(args.out)
        loaded = load_segmentation_policy(args.policy)
    except (ValueError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    table = segment(lake, as_of=args.as_of, policy=loaded.policy, backend=args.engine)
    write_result(table, args.out)
    counts: dict[str, int] = {}
    for tier in table.column("tier").to_pylist():
        counts[tier] = counts.get(tier, 0) + 1
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    print(f"{table.num_rows:,} customers ({summary}); policy {loaded.version}; wrote {args.out}")
    return 0
