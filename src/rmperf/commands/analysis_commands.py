"""`rmperf workload`: person-days demanded, working days available and utilisation per RM;
`rmperf gaming`: gaming-detection flags per RM with their evidence rows. From a lake, no
database (DOMAIN §8, docs/analysis.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today


def register(sub: Any) -> None:
    wl = sub.add_parser(
        "workload",
        help="workload, capacity and utilisation per RM for a period (no database)",
        description="Write one row per RM: staff_id, period, loans, days_loan_investigation, "
        "days_loan_entry, days_loan_signing, demand_days, available_days, utilisation, "
        "customers, avg_assets_per_customer, then count_<id> and days_<id> for each further "
        "activity of the workload policy, aum_benchmark, benchmark_position (above, at, "
        "below) and policy_version. CSV or Parquet by the output's extension.",
    )
    wl.add_argument("--lake", type=Path, required=True, help="lake directory")
    wl.add_argument("--period", required=True, help="period: 2026-09, 2026Q3, 2026H1 or 2026")
    wl.add_argument("--policy", type=Path, help="workload policy YAML (default: shipped)")
    wl.add_argument(
        "--segmentation-policy",
        type=Path,
        help="segmentation policy YAML whose asset categories define AUM (default: shipped)",
    )
    wl.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    wl.add_argument("--today", type=parse_date, help="validation day (default: today)")
    wl.set_defaults(handler=cmd_workload)

    gm = sub.add_parser(
        "gaming",
        help="gaming-detection flags per RM with their evidence (no database)",
        description="Write one row per staff member and rule that fired: staff_id, period, kind "
        "(balance_pump, loan_bunching, split_transactions, circular_referrals), instances, "
        "measure, threshold, policy_version; and with --evidence the lake rows behind each "
        "flag: kind, staff_id, customer_id, instance, table, row_key, row_values (JSON). "
        "A flag is for review and never changes a score.",
    )
    gm.add_argument("--lake", type=Path, required=True, help="lake directory")
    gm.add_argument("--period", required=True, help="period: 2026-09, 2026Q3, 2026H1 or 2026")
    gm.add_argument("--policy", type=Path, help="gaming policy YAML (default: shipped)")
    gm.add_argument("--out", type=Path, required=True, help="flags file (.csv or .parquet)")
    gm.add_argument("--evidence", type=Path, help="evidence file (.csv or .parquet)")
    gm.add_argument("--today", type=parse_date, help="validation day (default: today)")
    gm.set_defaults(handler=cmd_gaming)


def _fail(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_workload(args: argparse.Namespace) -> int:
    from rmperf.engine.analysis import CalendarError, load_workload_policy, workload
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation import load_segmentation_policy

    try:
        check_output_path(args.out)
        period = Period.parse(args.period)
        loaded = load_workload_policy(args.policy)
        segmentation = load_segmentation_policy(args.segmentation_policy)
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    try:
        table = workload(
            lake,
            period=period,
            policy=loaded.policy,
            asset_categories=segmentation.policy.monetary.asset_categories,
            policy_version=loaded.version,
        )
    except CalendarError as exc:
        return _fail(exc)
    _write_all([(table, args.out)])
    print(f"{table.num_rows:,} RMs for {period.key}; policy {loaded.version}; wrote {args.out}")
    return 0


def cmd_gaming(args: argparse.Namespace) -> int:
    from rmperf.engine.analysis import detect_gaming, load_gaming_policy
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError

    try:
        check_output_path(args.out)
        if args.evidence is not None:
            check_output_path(args.evidence)
            if args.evidence.resolve() == args.out.resolve():
                raise ValueError(f"{args.out}: --out and --evidence must be different files")
        period = Period.parse(args.period)
        loaded = load_gaming_policy(args.policy)
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    result = detect_gaming(lake, period=period, policy=loaded.policy, policy_version=loaded.version)
    outputs = [(result.flags, args.out)]
    if args.evidence is not None:
        outputs.append((result.evidence, args.evidence))
    _write_all(outputs)
    staff = len(set(result.flags.column("staff_id").to_pylist()))
    wrote = ", ".join(str(p) for _, p in outputs)
    print(
        f"{result.flags.num_rows:,} flags on {staff:,} staff for {period.key} "
        f"({result.evidence.num_rows:,} evidence rows); policy {loaded.version}; wrote {wrote}"
    )
    return 0


def _write_all(outputs: list[tuple[Any, Path]]) -> None:
    """Write every result beside its target first, then put them all in place, so a failed
    write leaves no result half-written."""
    from rmperf.engine.output import write_result

    staged = []
    try:
        for table, path in outputs:
            tmp = path.with_name(f".{path.stem}.staged{path.suffix}")
            write_result(table, tmp)
            staged.append((tmp, path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        tmp.replace(path)
