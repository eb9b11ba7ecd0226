"""`rmperf workload`: person-days demanded, working days available and utilisation per RM;
`rmperf gaming`: gaming-detection flags per RM with their evidence rows; `rmperf what-if`:
a draft scorecard, target sheet or pay plan beside the version in force; `rmperf
thresholds`: proposed level targets from history and the economic cycle. From a lake, no
database (DOMAIN §8, docs/analysis.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated


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
    add_gate_arguments(wl)
    wl.set_defaults(handler=cmd_workload)

    gm = sub.add_parser(
        "gaming",
        help="gaming-detection flags per RM with their evidence (no database)",
        description="Write one row per staff member and rule that fired: staff_id, period, kind "
        "(balance_pump, loan_bunching, split_transactions, circular_referrals; "
        "bulk_task_closing needs the app's tasks and is judged only there), instances, "
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
    add_gate_arguments(gm)
    gm.set_defaults(handler=cmd_gaming)

    wi = sub.add_parser(
        "what-if",
        help="a draft scorecard, target sheet or pay plan beside the version in force, "
        "for a past period (no database; nothing stored)",
        description="Score (and, for a quarter, pay) every RM under the version in force and "
        "under the draft, and write one row per RM: staff_id, scorecard, total_in_force, "
        "total_draft, tier_in_force, tier_draft, tier_changed, pay_in_force, pay_draft, "
        "pay_change (total paid in the quarter), performance_pay_in_force, "
        "performance_pay_draft, performance_pay_change, scorecard_draft; with --summary the "
        "RMs per tier and the pay cost under both and the count of tier changes. The draft's "
        "kind is told from the document (or --kind); a bad draft is refused with its file, "
        "line and rule and nothing is written. See docs/analysis.md.",
    )
    wi.add_argument("--lake", type=Path, required=True, help="lake directory")
    wi.add_argument("--period", required=True, help="period: 2026-09, 2026Q3, 2026H1 or 2026")
    wi.add_argument(
        "--draft",
        type=Path,
        required=True,
        help="the draft: a scorecard YAML or a folder of them, a target sheet (CSV or YAML), "
        "or a pay plan YAML",
    )
    wi.add_argument(
        "--kind",
        choices=("scorecard", "targets", "pay_plan"),
        help="what the draft is (default: told from the document)",
    )
    wi.add_argument(
        "--in-force",
        type=Path,
        help="the version in force of the draft's kind (default: the shipped one; for a "
        "target sheet: the cards' default targets)",
    )
    wi.add_argument(
        "--scorecard",
        type=Path,
        help="scorecards in force when the draft is not a scorecard (default: shipped)",
    )
    wi.add_argument(
        "--targets",
        type=Path,
        help="target sheet in force when the draft is not a target sheet (default: none)",
    )
    wi.add_argument("--plan", type=Path, help="pay plan in force when the draft is not a pay plan")
    wi.add_argument(
        "--ratings",
        type=Path,
        help="CSV staff_id, period, tier: the ratings of the quarters before --period, the "
        "same on both sides (default: each side scores them)",
    )
    wi.add_argument("--out", type=Path, required=True, help="per-RM file (.csv or .parquet)")
    wi.add_argument("--summary", type=Path, help="summary file (.csv or .parquet)")
    wi.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(wi)
    wi.set_defaults(handler=cmd_what_if)

    th = sub.add_parser(
        "thresholds",
        help="proposed next-period level targets per branch from history and the economic "
        "series (no database; a proposal applies only once approved in the app)",
        description="Fit, per branch and scorecard line with a fixed level target, an OLS "
        "model of the indicator on a trend and the previous period's economic series "
        "(scikit-learn LinearRegression), backtest it by rolling origin and write one row per "
        "branch × line: unit_id, unit_name, scorecard, indicator, period, current, proposed, "
        "low, high (± 1.96 × sd of the backtest errors), model, backtest_mae, backtest_mape, "
        'observations, note, inputs_digest. See docs/analysis.md "Dynamic thresholds".',
    )
    th.add_argument("--lake", type=Path, required=True, help="lake directory")
    th.add_argument("--period", required=True, help="period proposed for: 2026Q4, 2026-10 …")
    th.add_argument("--scorecard", type=Path, help="scorecard YAML or folder (default: shipped)")
    th.add_argument(
        "--series",
        default="pmi,gdp_growth",
        help="economic series the model uses, comma-separated (default: pmi,gdp_growth)",
    )
    th.add_argument("--history", type=int, default=8, help="periods of history (default 8)")
    th.add_argument(
        "--backtest", type=int, default=3, help="periods held out in the backtest (default 3)"
    )
    th.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    th.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(th)
    th.set_defaults(handler=cmd_thresholds)


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
        outcome = gated(
            args,
            lake,
            lambda: workload(
                lake,
                period=period,
                policy=loaded.policy,
                asset_categories=segmentation.policy.monetary.asset_categories,
                policy_version=loaded.version,
            ),
        )
    except CalendarError as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    table = outcome
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
    outcome = gated(
        args,
        lake,
        lambda: detect_gaming(
            lake, period=period, policy=loaded.policy, policy_version=loaded.version
        ),
    )
    if isinstance(outcome, int):
        return outcome
    result = outcome
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


def cmd_what_if(args: argparse.Namespace) -> int:
    from rmperf.engine.analysis.whatif import (
        DraftKind,
        Side,
        detect_kind,
        draft_side,
        in_force_side,
        load_draft,
        summary_rows,
        summary_table,
        what_if,
        whatif_table,
    )
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.pay.compute import PayError
    from rmperf.engine.pay.plan import load_pay_plan
    from rmperf.engine.pay.run import load_ratings
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.library import default_library
    from rmperf.engine.scoring.load import load_scorecards
    from rmperf.engine.scoring.score import ScoringError
    from rmperf.engine.scoring.targets import load_target_sheet

    try:
        check_output_path(args.out)
        if args.summary is not None:
            check_output_path(args.summary)
            if args.summary.resolve() == args.out.resolve():
                raise ValueError(f"{args.out}: --out and --summary must be different files")
        period = Period.parse(args.period)
        library = default_library()
        kind = DraftKind(args.kind) if args.kind is not None else detect_kind(args.draft)
        draft = load_draft(args.draft, kind=kind, library=library)
        # The option naming the in-force policy of the draft's own kind is --in-force.
        own = {
            DraftKind.SCORECARD: ("--scorecard", args.scorecard),
            DraftKind.TARGETS: ("--targets", args.targets),
            DraftKind.PAY_PLAN: ("--plan", args.plan),
        }[kind]
        if own[1] is not None:
            raise ValueError(
                f"the draft is a {kind}: give the {kind} in force with --in-force, not {own[0]}"
            )
        current = load_draft(args.in_force, kind=kind, library=library) if args.in_force else None
        base: Side = in_force_side(
            cards=load_scorecards(args.scorecard, library=library)
            if args.scorecard is not None
            else None,
            targets=load_target_sheet(args.targets, indicators=library)
            if args.targets is not None
            else None,
            plan=load_pay_plan(args.plan) if args.plan is not None else None,
            library=library,
        )
        in_force = draft_side(base, current) if current is not None else base
        history = load_ratings(args.ratings) if args.ratings is not None else None
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    lake = Lake(args.lake, today=args.today or system_today())
    try:
        outcome = gated(
            args,
            lake,
            lambda: what_if(
                lake,
                period=period,
                in_force=in_force,
                draft=draft_side(in_force, draft),
                history=history,
                library=library,
            ),
        )
    except (ScoringError, PayError, ValueError) as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    result = outcome
    for side, skipped in (("in force", result.skipped_in_force), ("draft", result.skipped_draft)):
        for staff_id, why in sorted(skipped.items()):
            print(f"warning: {staff_id} not scored ({side}): {why}", file=sys.stderr)
    outputs = [(whatif_table(result), args.out)]
    if args.summary is not None:
        outputs.append((summary_table(result), args.summary))
    _write_all(outputs)
    print(
        f"what-if of the {kind} draft {args.draft} ({draft.version}) against the version in "
        f"force for {period.key}: {len(result.rows):,} RMs; "
        f"{result.scorings} scoring run(s)"
    )
    for measure, before, after, change in summary_rows(result):
        shown = f"{before} → {after} ({change})" if before or after else change
        print(f"  {measure}: {shown}")
    wrote = ", ".join(str(p) for _, p in outputs)
    print(f"nothing stored; wrote {wrote}")
    return 0


def cmd_thresholds(args: argparse.Namespace) -> int:
    from rmperf.engine.analysis.thresholds import (
        EconomicSeriesError,
        propose_thresholds,
        thresholds_table,
    )
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.load import load_scorecards

    try:
        check_output_path(args.out)
        period = Period.parse(args.period)
        cards = load_scorecards(args.scorecard)
        series = [s.strip() for s in args.series.split(",") if s.strip()]
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    lake = Lake(args.lake, today=args.today or system_today())
    try:
        outcome = gated(
            args,
            lake,
            lambda: propose_thresholds(
                lake,
                period=period,
                cards=cards,
                series=series,
                history=args.history,
                backtest=args.backtest,
            ),
        )
    except (EconomicSeriesError, ValueError) as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    run = outcome
    _write_all([(thresholds_table(run), args.out)])
    proposed = sum(p.fit.proposed is not None for p in run.proposals)
    print(
        f"{len(run.proposals):,} branch × line rows for {period.key} ({proposed:,} proposed) "
        f"from {run.history[0]}–{run.history[-1]}; model {run.model}; inputs {run.digest[:12]}; "
        f"nothing applies until approved; wrote {args.out}"
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
