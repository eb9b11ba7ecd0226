"""`rmperf generate` and `rmperf validate`: writing and checking lakes, no database."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today


def register(sub: Any) -> None:
    gen = sub.add_parser(
        "generate",
        help="write a synthetic bank as a data lake",
        description="Write a synthetic bank in the lake contract (docs/data-format.md). "
        "Deterministic for a seed.",
    )
    gen.add_argument(
        "--scale",
        choices=("tiny", "small", "medium", "large"),
        default="tiny",
        help="tiny ≈ 400 customers, small ≈ 20k, medium ≈ 200k, large ≈ 2M",
    )
    gen.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    gen.add_argument("--out", type=Path, required=True, help="lake directory to create")
    gen.add_argument(
        "--start",
        type=parse_date,
        default=dt.date(2024, 1, 1),
        help="first day of history (default 2024-01-01)",
    )
    gen.add_argument(
        "--end",
        type=parse_date,
        default=dt.date(2026, 9, 30),
        help="last day of history (default 2026-09-30)",
    )
    gen.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format (default parquet)",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress output")
    gen.set_defaults(handler=cmd_generate)

    val = sub.add_parser(
        "validate",
        help="check a lake against the contract (no database)",
        description="Validate every table of a lake; bad rows go to DIR/_rejects/<table>.csv. "
        "Exit 0: clean; 1: rows rejected or files unusable.",
    )
    val.add_argument("lake", type=Path, help="lake directory")
    val.add_argument("--today", type=parse_date, help="validation day (default: today)")
    val.set_defaults(handler=cmd_validate)


def progress_printer() -> Callable[[str, int, int], None]:
    """A progress callback printing one updating line per table to stderr."""
    last: dict[str, int] = {}

    def show(table_name: str, done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if last.get(table_name) == pct:
            return
        last[table_name] = pct
        end = "\n" if done >= total else "\r"
        print(f"  {table_name:<14} {pct:3d}%", end=end, file=sys.stderr, flush=True)

    return show


def cmd_generate(args: argparse.Namespace) -> int:
    from rmperf.synth import generate

    if args.end < args.start:
        print(f"error: --end {args.end} is before --start {args.start}", file=sys.stderr)
        return 2
    try:
        report = generate(
            scale=args.scale,
            seed=args.seed,
            out=args.out,
            start=args.start,
            end=args.end,
            fmt=args.format,
            progress=None if args.quiet else progress_printer(),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(report.rows.values())
    for table_name, rows in report.rows.items():
        print(f"  {table_name:<14} {rows:>12,}")
    rate = total / report.seconds if report.seconds else float("inf")
    print(f"wrote {total:,} rows to {args.out} in {report.seconds:.1f} s ({rate:,.0f} rows/s)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from rmperf.engine.validate import UnsafeLakeError, validate_lake

    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    try:
        result = validate_lake(args.lake, today=args.today or system_today())
    except UnsafeLakeError as exc:
        print(f"error: {args.lake}: {exc}", file=sys.stderr)
        return 2
    print_validation(result, args.lake)
    return 0 if result.ok else 1


def print_validation(result: Any, lake: Path) -> None:
    for problem in result.problems:
        print(f"  problem: {problem}")
    for name, summary in result.summaries.items():
        flag = f"  → {lake / '_rejects' / (name + '.csv')}" if summary.rejected else ""
        print(f"  {name:<14} {summary.rows:>12,} rows {summary.rejected:>8,} rejected{flag}")
    print(
        f"{result.total_rows:,} rows checked, {result.total_rejected:,} rejected, "
        f"{len(result.problems)} file problems"
    )
