"""`rmperf tasks`: the day's reminders and tasks per RM from a lake (no database)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated, say_if_empty


def register(sub: Any) -> None:
    p = sub.add_parser(
        "tasks",
        help="the day's reminders and tasks per RM (no database)",
        description="Write one row per task: staff_id, customer_id, kind (birthday, maturity, "
        "wake_up, request_sla, contact_refresh, risk_assessment, high_potential, core_review, "
        "holiday_benefit), due_date, "
        "reason, reason_zh, action, action_zh, source_key, as_of. Every window is in the tasks "
        "policy (docs/tasks.md). CSV or Parquet by the output's extension.",
    )
    p.add_argument("--lake", type=Path, required=True, help="lake directory")
    p.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    p.add_argument("--policy", type=Path, help="tasks policy YAML (default: shipped)")
    p.add_argument(
        "--segmentation-policy",
        type=Path,
        help="segmentation policy YAML for tiers, offers and the high-potential list "
        "(default: shipped)",
    )
    p.add_argument(
        "--segments",
        type=Path,
        help="a `rmperf segment` result (.csv or .parquet) of the same as-of date and "
        "segmentation policy: its tiers are used instead of computing R/F/M again",
    )
    p.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    p.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(p)
    p.set_defaults(handler=cmd_tasks)


def _read_segments(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    if path.suffix.lower() == ".csv":
        types = {"customer_id": pa.string(), "rm_id": pa.string(), "recency_days": pa.int64()}
        return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(column_types=types))
    raise ValueError("a segmentation result ends in .csv or .parquet")


def cmd_tasks(args: argparse.Namespace) -> int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation import load_segmentation_policy
    from rmperf.engine.segmentation.names import ValueSourceError
    from rmperf.engine.tasks import generate_tasks, load_tasks_policy

    try:
        check_output_path(args.out)
        loaded = load_tasks_policy(args.policy)
        seg = load_segmentation_policy(args.segmentation_policy)
    except (ValueError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    tiers = None
    if args.segments is not None:
        try:
            tiers = _read_segments(args.segments)
        except (OSError, ValueError) as exc:
            print(f"error: {args.segments}: {exc}", file=sys.stderr)
            return 2
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    try:
        run = gated(
            args,
            lake,
            lambda: generate_tasks(
                lake, as_of=args.as_of, policy=loaded.policy, segmentation=seg.policy, tiers=tiers
            ),
        )
    except (ValueSourceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if isinstance(run, int):
        return run
    say_if_empty(run.tasks.num_rows, "tasks")
    write_result(run.tasks, args.out)
    counts: dict[str, int] = {}
    for kind in run.tasks.column("kind").to_pylist():
        counts[kind] = counts.get(kind, 0) + 1
    summary = ", ".join(f"{k} {counts.get(k.value, 0):,}" for k in run.kinds)
    print(f"{run.tasks.num_rows:,} tasks ({summary}); policy {loaded.version}; wrote {args.out}")
    return 0
