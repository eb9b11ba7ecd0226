"""`rmperf career` and `rmperf negative-list`: §6's ladder and negative list on a lake."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lake", type=Path, required=True, help="lake directory")
    p.add_argument("--policy", type=Path, help="career policy YAML (default: shipped)")
    p.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    p.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(p)


def register(sub: Any) -> None:
    c = sub.add_parser(
        "career",
        help="year-end career ladder check per RM: the next rank's rules (no database)",
        description="Write one row per RM hired by the year end: rank, next_rank, each rule "
        "of the next rank with its measured value (years since hire, managed loans, overdue "
        "rate, annual ratings) and whether it is met, eligible, grade_steps, honours and "
        "training_priority (docs/career.md). Without --ratings the years needed are scored "
        "with the shipped scorecards.",
    )
    _common(c)
    c.add_argument("--year", type=int, required=True, help="the year checked, e.g. 2026")
    c.add_argument(
        "--ratings",
        type=Path,
        help="CSV staff_id, period, tier (the tiers of `rmperf score`; annual periods "
        "such as 2026 are read; concatenated score outputs work)",
    )
    c.set_defaults(handler=cmd_career)

    n = sub.add_parser(
        "negative-list",
        help="RMs lowest on their card in their branch two quarters running (no database)",
        description="Write one row per RM scored in --period: staff_id, branch, scorecard, "
        "period, previous_period, total, previous_total, listed (docs/career.md). Without "
        "--scores the quarter and the one before are scored with the shipped scorecards.",
    )
    _common(n)
    n.add_argument("--period", required=True, help="the quarter, e.g. 2026Q3")
    n.add_argument(
        "--scores",
        type=Path,
        help="concatenated `rmperf score --out` CSV files (staff_id, scorecard, period, "
        "total …) holding the quarter and the one before",
    )
    n.set_defaults(handler=cmd_negative_list)


def _fail(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_career(args: argparse.Namespace) -> int:
    from rmperf.engine.career.inputs import load_ratings
    from rmperf.engine.career.ladder import career_table
    from rmperf.engine.career.policy import load_career_policy
    from rmperf.engine.career.run import career_lake, file_ratings
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.score import ScoringError

    if not 1900 <= args.year <= 2999:
        return _fail(f"--year {args.year} is not a year")
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    try:
        check_output_path(args.out)
        policy = load_career_policy(args.policy)
        ratings = file_ratings(load_ratings(args.ratings)) if args.ratings is not None else None
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    lake = Lake(args.lake, today=args.today or system_today())
    try:
        outcome = gated(
            args,
            lake,
            lambda: career_lake(
                lake, year=args.year, policy=policy, ratings=ratings, backend=args.engine
            ),
        )
    except (ScoringError, PolicyError) as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    run = outcome
    if not run.loans_found:
        print(
            f"warning: no loan has a positive balance in loan_status for {run.as_of_month}: "
            "every managed-loan count is 0",
            file=sys.stderr,
        )
    unrated = [r.staff_id for r in run.rows if r.rating is None]
    if unrated:
        shown = ", ".join(unrated[:10]) + (" …" if len(unrated) > 10 else "")
        print(
            f"warning: {len(unrated):,} RM(s) without an annual rating for {args.year} "
            f"(their rating rules are not met): {shown}",
            file=sys.stderr,
        )
    write_result(career_table(run.rows), args.out)
    eligible = sum(r.eligible for r in run.rows)
    print(
        f"{len(run.rows):,} RMs checked for {args.year} ({eligible:,} eligible for the next "
        f"rank; ratings: {run.ratings_source}); policy {policy.version}; wrote {args.out}"
    )
    return 0


def cmd_negative_list(args: argparse.Namespace) -> int:
    from rmperf.engine.career.inputs import load_totals
    from rmperf.engine.career.negative import negative_table, quarter
    from rmperf.engine.career.policy import load_career_policy
    from rmperf.engine.career.run import branches_of, negative_lake
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.score import ScoringError

    try:
        period = quarter(args.period)
    except ValueError as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    try:
        check_output_path(args.out)
        policy = load_career_policy(args.policy)
        totals = load_totals(args.scores) if args.scores is not None else None
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    lake = Lake(args.lake, today=args.today or system_today())
    if totals is not None:
        held = {t.period for t in totals}
        for needed in (period.previous().key, period.key):
            if needed not in held:
                return _fail(f"{args.scores}: no total for {needed} (the list needs both quarters)")
        rms = branches_of(lake, period=period, backend=args.engine)
        wanted = (period.previous().key, period.key)
        strangers = sorted({t.staff_id for t in totals if t.period in wanted} - set(rms))
        if strangers:
            return _fail(
                f"{args.scores}: not an RM of {args.lake} by {period.key}: {', '.join(strangers)}"
            )
    try:
        outcome = gated(
            args,
            lake,
            lambda: negative_lake(
                lake, period=period, policy=policy, totals=totals, backend=args.engine
            ),
        )
    except ScoringError as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    rows = outcome
    write_result(negative_table(rows), args.out)
    listed = sum(r.listed for r in rows)
    print(
        f"{len(rows):,} RMs with a {period.key} total; {listed:,} listed; "
        f"policy {policy.version}; wrote {args.out}"
    )
    return 0
