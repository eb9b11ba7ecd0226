"""`rmperf segment`: RFM tiers and tags per customer at an as-of date; `rmperf high-potential`:
the weekly high-potential list per RM. From a lake, no database."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated, say_if_empty


def register(sub: Any) -> None:
    seg = sub.add_parser(
        "segment",
        help="RFM tier of every customer at a date (no database)",
        description="Write one row per customer: customer_id, unit_id, rm_id, recency_days, "
        "frequency, monetary, tier (core, potential, basic, sleeping, other), then holds_<category> "
        "for every product category, product_count, risk_level, risk_assessment_current, tags "
        "(';'-joined ids) and contribution (expected annual contribution, docs/customer-value.md). "
        "CSV or Parquet by the output's extension.",
    )
    seg.add_argument("--lake", type=Path, required=True, help="lake directory")
    seg.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    seg.add_argument("--policy", type=Path, help="segmentation policy YAML (default: shipped)")
    seg.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    seg.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    seg.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(seg)
    seg.set_defaults(handler=cmd_segment)

    hp = sub.add_parser(
        "high-potential",
        help="weekly high-potential, not yet developed customers per RM (no database)",
        description="Write the customers near their next tier up, per RM and ranked by "
        "contribution: customer_id, rm_id, tier, next_tier, gap_recency, gap_frequency, "
        "gap_monetary, reason_en, reason_zh, action_en, action_zh, contribution, rank_in_book. "
        "CSV or Parquet by the output's extension.",
    )
    hp.add_argument("--lake", type=Path, required=True, help="lake directory")
    hp.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    hp.add_argument("--policy", type=Path, help="segmentation policy YAML (default: shipped)")
    hp.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    hp.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    hp.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(hp)
    hp.set_defaults(handler=cmd_high_potential)


def _segments(args: argparse.Namespace) -> tuple[Any, Any] | int:
    """The loaded policy and the segmentation result, or exit status 2 on bad input."""
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation import load_segmentation_policy, segment
    from rmperf.engine.segmentation.names import ValueSourceError

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
    try:
        table = gated(
            args,
            lake,
            lambda: segment(lake, as_of=args.as_of, policy=loaded.policy, backend=args.engine),
        )
    except ValueSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if isinstance(table, int):
        return table
    return loaded, table


def cmd_segment(args: argparse.Namespace) -> int:
    from rmperf.engine.output import write_result

    result = _segments(args)
    if isinstance(result, int):
        return result
    loaded, table = result
    say_if_empty(table.num_rows, "customers")
    write_result(table, args.out)
    # Counter over the strings: Arrow's value_counts would import pyarrow.compute.
    counts = Counter(table.column("tier").to_pylist())
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    print(f"{table.num_rows:,} customers ({summary}); policy {loaded.version}; wrote {args.out}")
    return 0


def cmd_high_potential(args: argparse.Namespace) -> int:
    from rmperf.engine.output import write_result
    from rmperf.engine.segmentation.potential import high_potential

    result = _segments(args)
    if isinstance(result, int):
        return result
    loaded, segments = result
    table = high_potential(segments, policy=loaded.policy)
    say_if_empty(table.num_rows, "high-potential customers")
    write_result(table, args.out)
    books = len(set(table.column("rm_id").to_pylist()))
    print(
        f"{table.num_rows:,} high-potential customers in {books:,} books; "
        f"policy {loaded.version}; wrote {args.out}"
    )
    return 0
