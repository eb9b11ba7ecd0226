"""`rmperf pay`: quarterly pay statements from a lake, stateless (no database)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated

if TYPE_CHECKING:
    from rmperf.engine.scoring.policy import Tier


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pay",
        help="quarterly pay statements: base, loan pay, deferral, NPL hold, malus and clawback",
        description="Compute every RM's pay statement for a quarter (DOMAIN §6), carrying "
        "holds, deferred thirds, malus and clawback quarter by quarter from the first quarter "
        "with loans. Writes one row per statement to --out and, with --lines, one row per "
        "line with its source (loan and bracket portions, quarter and third). CSV or Parquet "
        "by the extension; nothing is written on any error. See docs/pay.md.",
    )
    p.add_argument("--lake", type=Path, required=True, help="lake directory")
    p.add_argument("--period", required=True, help="the quarter to write, e.g. 2026Q3")
    p.add_argument(
        "--ratings",
        type=Path,
        help="CSV staff_id, period, tier (e.g. concatenated `rmperf score --out` files); "
        "default: score each quarter that needs a rating with the shipped scorecards",
    )
    p.add_argument(
        "--targets", type=Path, help="annual target sheet (new_loans for the excess reward)"
    )
    p.add_argument("--plan", type=Path, help="pay plan YAML (default: the shipped plan)")
    p.add_argument("--out", type=Path, required=True, help="statements file (.csv or .parquet)")
    p.add_argument("--lines", type=Path, help="statement lines file (.csv or .parquet)")
    add_gate_arguments(p)
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    p.add_argument("--today", type=parse_date, help="validation day (default: today)")
    p.set_defaults(handler=cmd_pay)


def _fail(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_pay(args: argparse.Namespace) -> int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path, write_result
    from rmperf.engine.pay.compute import PayError
    from rmperf.engine.pay.output import lines_table, statements_table
    from rmperf.engine.pay.plan import load_pay_plan
    from rmperf.engine.pay.quarters import quarter_index, quarter_period
    from rmperf.engine.pay.run import Scorer, load_ratings, pay_lake
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.library import default_library
    from rmperf.engine.scoring.targets import EMPTY_SHEET, load_target_sheet

    try:
        period = Period.parse(args.period)
        quarter_index(period)
    except ValueError as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    lake = Lake(args.lake, today=args.today or system_today())
    try:
        for out in (args.out, args.lines):
            if out is not None:
                check_output_path(out)
        plan = load_pay_plan(args.plan)
        library = default_library()
        targets = (
            load_target_sheet(args.targets, indicators=library)
            if args.targets is not None
            else EMPTY_SHEET
        )
        ratings = load_ratings(args.ratings) if args.ratings is not None else None
    except (ValueError, PolicyError) as exc:
        return _fail(exc)

    scorer: Scorer | None = None
    if ratings is None:
        from rmperf.engine.scoring import load_scorecards
        from rmperf.engine.scoring.run import score_lake

        cards = load_scorecards(None, library=library)

        def score_quarter(q: int) -> Mapping[str, Tier]:
            scored = score_lake(
                lake,
                period=quarter_period(q),
                cards=cards,
                targets=targets,
                backend=args.engine,
                library=library,
            )
            return {t.staff_id: t.tier for t in scored.result.totals}

        scorer = score_quarter
    try:
        outcome = gated(
            args,
            lake,
            lambda: pay_lake(
                lake,
                period=period,
                plan=plan.policy,
                ratings=ratings,
                scorer=scorer,
                targets=targets,
                backend=args.engine,
            ),
        )
    except (PayError, ValueError) as exc:
        return _fail(exc)
    if isinstance(outcome, int):
        return outcome
    result = outcome
    statements = statements_table(result.statements)
    lines = lines_table(result.statements) if args.lines is not None else None
    write_result(statements, args.out)
    if lines is not None:
        write_result(lines, args.lines)
    total = sum((s.total_paid for s in result.statements), start=0)
    scored = f"; scored {len(result.scored)} quarter(s)" if result.scored else ""
    print(
        f"{len(result.statements):,} statements for {result.period} (history from "
        f"{result.first}{scored}), total paid {total:,.2f}; plan {plan.policy.name} "
        f"{plan.version}; wrote {args.out}" + (f" and {args.lines}" if args.lines else "")
    )
    return 0
