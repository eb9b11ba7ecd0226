"""`rmperf score` and `rmperf explain`: scorecards on a lake, stateless (no database)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmperf.commands import parse_date, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated

if TYPE_CHECKING:
    from rmperf.engine.scoring.run import LakeScore


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lake", type=Path, required=True, help="lake directory")
    p.add_argument("--period", required=True, help="2026-09, 2026Q3, 2026H1 or 2026")
    p.add_argument(
        "--scorecard",
        type=Path,
        help="scorecard YAML, or a folder of them (default: the shipped retail, corporate "
        "and sci-tech cards)",
    )
    p.add_argument("--targets", type=Path, help="annual target sheet, CSV or YAML (一人一表)")
    p.add_argument("--manual", type=Path, help="manual scores CSV: staff_id, key, score (0-100)")
    p.add_argument("--assign", type=Path, help="CSV staff_id, scorecard: which card scores whom")
    p.add_argument(
        "--offers",
        type=Path,
        help="offers file, CSV or Parquet (offer_id, staff_id, customer_id, product_id, "
        "offered_at with offset, outcome[, campaign_id]) for the offer_* indicators; "
        "see docs/indicators.md",
    )
    p.add_argument(
        "--referrals",
        type=Path,
        help="referrals policy YAML whose points rule the referral_points indicator applies "
        "(default: the shipped one; the app passes the version in force)",
    )
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="backend")
    p.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(p)


def register(sub: Any) -> None:
    sc = sub.add_parser(
        "score",
        help="score every RM on their scorecard for a period (no database)",
        description="Write one row per RM (staff_id, scorecard, period, total, tier, "
        "policy_version …) to --out and, with --lines, one row per RM per scorecard line "
        "(staff_id, indicator, value, target, completion, method, points …). CSV or Parquet "
        "by the extension. Without --targets, targets are the scorecards' defaults.",
    )
    _common(sc)
    sc.add_argument("--out", type=Path, required=True, help="totals file (.csv or .parquet)")
    sc.add_argument("--lines", type=Path, help="per-line file (.csv or .parquet)")
    sc.add_argument(
        "--units-out",
        type=Path,
        help="also score the org units of the set's unit cards (subject: unit, e.g. the "
        "branch card): one row per unit (unit_id, unit_name, unit_kind, staff_count, "
        "scorecard, period, total, tier …); see docs/scorecards.md",
    )
    sc.add_argument(
        "--unit-lines", type=Path, help="with --units-out: one row per unit per line (unit_id …)"
    )
    sc.add_argument(
        "--as-of",
        type=parse_date,
        help="序时进度: add each target line's expected completion at this date "
        "(time_progress) and whether it is behind",
    )
    sc.set_defaults(handler=cmd_score)

    ex = sub.add_parser(
        "explain",
        help="why an RM's score is what it is: lines, targets, points and the rows behind",
        description="Print each scorecard line's value, target, method and points for one RM, "
        "and the top rows (customers, loans, transactions …) behind each value, with flags.",
    )
    _common(ex)
    who = ex.add_mutually_exclusive_group(required=True)
    who.add_argument("--staff", help="staff_id of the RM")
    who.add_argument("--unit", help="unit_id of an org unit a unit card scores (e.g. a branch)")
    ex.add_argument("--top", type=int, default=10, help="rows shown per line (default 10)")
    ex.add_argument("--out", type=Path, help="write all rows behind the values (.csv/.parquet)")
    ex.add_argument(
        "--fishbone",
        action="store_true",
        help="add the gap attribution (鱼骨图): each target line's gap shared among skills, "
        "process, external, customer mix and effort, with the rows behind each",
    )
    ex.add_argument("--fishbone-policy", type=Path, help="fishbone policy YAML (default: shipped)")
    ex.add_argument(
        "--segmentation", type=Path, help="segmentation policy YAML for the customer mix"
    )
    ex.set_defaults(handler=cmd_explain)


def _params(referrals: Path | None) -> Any:
    """The indicators' parameters: the default, or with the points rule of --referrals."""
    from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams

    if referrals is None:
        return DEFAULT_PARAMS
    from rmperf.engine.referrals import load_referral_policy
    from rmperf.engine.referrals.points import ReferralPointsRule

    rule = ReferralPointsRule.from_policy(load_referral_policy(referrals).policy)
    return IndicatorParams(referral_points=rule)


def _fail(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _run(
    args: argparse.Namespace, *, only: str | None = None, units: bool = False
) -> LakeScore | int:
    """Load and check every input, then score; an int is the exit status of a failure."""
    from rmperf.engine.indicators.offers import OffersError, load_offers
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.periods import Period
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.scoring.library import default_library
    from rmperf.engine.scoring.load import (
        load_manual_scores,
        load_scorecards,
        parse_assignment,
        resolve_card_name,
    )
    from rmperf.engine.scoring.run import score_lake
    from rmperf.engine.scoring.score import ScoringError
    from rmperf.engine.scoring.targets import EMPTY_SHEET, load_target_sheet

    try:
        period = Period.parse(args.period)
    except ValueError as exc:
        return _fail(exc)
    if not args.lake.is_dir():
        return _fail(f"{args.lake} is not a directory")
    try:
        for out in (
            args.out,
            getattr(args, "lines", None),
            getattr(args, "units_out", None),
            getattr(args, "unit_lines", None),
        ):
            if out is not None:
                check_output_path(out)
        library = default_library()
        cards = load_scorecards(args.scorecard, library=library)
        targets = (
            load_target_sheet(args.targets, indicators=library)
            if args.targets is not None
            else EMPTY_SHEET
        )
        manual = (
            load_manual_scores(args.manual, period=period.key) if args.manual is not None else None
        )
        offers = load_offers(args.offers) if args.offers is not None else None
        params = _params(args.referrals)
        explicit = None
        if args.assign is not None:
            try:
                text = args.assign.read_text(encoding="utf-8")
            except OSError as exc:
                return _fail(f"{args.assign}: cannot read: {exc.strerror}")
            explicit = parse_assignment(text, source=str(args.assign))
            unknown = sorted({c for c in explicit.values() if resolve_card_name(c, cards) is None})
            if unknown:
                return _fail(f"{args.assign}: no scorecard called {', '.join(unknown)}")
    except (ValueError, PolicyError) as exc:
        return _fail(exc)
    lake = Lake(args.lake, today=args.today or system_today())
    try:
        return gated(
            args,
            lake,
            lambda: score_lake(
                lake,
                period=period,
                cards=cards,
                targets=targets,
                manual=manual,
                explicit=explicit,
                only=only,
                backend=args.engine,
                library=library,
                offers=offers,
                units=units,
                params=params,
            ),
        )
    except OffersError as exc:
        return _fail(exc)
    except KeyError:
        return _fail(f"unknown staff {only!r}: no RM with that staff_id in {args.lake} by {period}")
    except ScoringError as exc:
        return _fail(exc)


def cmd_score(args: argparse.Namespace) -> int:
    from rmperf.engine.output import write_result
    from rmperf.engine.scoring.run import lines_table, totals_table

    if args.unit_lines is not None and args.units_out is None:
        return _fail("--unit-lines needs --units-out")
    scored = _run(args, units=args.units_out is not None)
    if isinstance(scored, int):
        return scored
    for staff_id, why in sorted(scored.skipped.items()):
        print(f"warning: {staff_id} not scored: {why}", file=sys.stderr)
    if not scored.result.totals:
        print(f"warning: no RM in {args.lake} was scored for {args.period}", file=sys.stderr)
    result = scored.result
    write_result(totals_table(result), args.out)
    if args.lines is not None:
        from rmperf.engine.periods import Period

        period = Period.parse(args.period)
        write_result(lines_table(result, period=period, as_of=args.as_of), args.lines)
    counts: dict[str, int] = {}
    for t in result.totals:
        counts[str(t.tier)] = counts.get(str(t.tier), 0) + 1
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    versions = sorted({f"{t.scorecard} {t.policy_version}" for t in result.totals})
    print(
        f"{len(result.totals):,} RMs scored for {args.period} ({summary}); "
        f"policies {', '.join(versions)}; wrote {args.out}"
        + (f" and {args.lines}" if args.lines is not None else "")
    )
    if args.units_out is not None and scored.units is not None:
        _write_units(args, scored)
    return 0


def _write_units(args: argparse.Namespace, scored: LakeScore) -> None:
    from rmperf.engine.output import write_result
    from rmperf.engine.scoring.units import unit_lines_table, unit_totals_table

    units = scored.units
    assert units is not None  # noqa: S101 - called with units scored
    for unit_id, why in sorted(units.skipped.items()):
        print(f"warning: unit {unit_id} not scored: {why}", file=sys.stderr)
    if not units.result.totals:
        print(
            f"warning: no unit was scored for {args.period} (the scorecards hold no unit "
            "card, or no unit of its kind has an RM)",
            file=sys.stderr,
        )
    write_result(unit_totals_table(units), args.units_out)
    if args.unit_lines is not None:
        write_result(unit_lines_table(units), args.unit_lines)
    print(
        f"{len(units.result.totals):,} units scored for {args.period}; wrote {args.units_out}"
        + (f" and {args.unit_lines}" if args.unit_lines is not None else "")
    )


def cmd_explain(args: argparse.Namespace) -> int:
    import pyarrow as pa

    from rmperf.engine.indicators import ROWS_SCHEMA, indicator_rows_many
    from rmperf.engine.indicators.offers import load_offers
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import write_result
    from rmperf.engine.periods import Period
    from rmperf.engine.scoring.explain import explain_text

    if args.top < 0:
        return _fail("--top must be 0 or more")
    if args.unit is not None:
        if args.fishbone:
            return _fail("--fishbone attributes an RM's gaps: give --staff, not --unit")
        return _explain_unit(args)
    scored = _run(args, only=args.staff)
    if isinstance(scored, int):
        return scored
    if args.staff in scored.skipped:
        return _fail(f"{args.staff} is not scored: {scored.skipped[args.staff]}")
    result = scored.result
    lake = Lake(args.lake, today=args.today or system_today())
    period = Period.parse(args.period)
    offers = load_offers(args.offers) if args.offers is not None else None
    wanted = [ln.indicator for ln in result.lines_of(args.staff) if ln.method != "manual"]
    wanted += [a.indicator for a in result.adjustments if a.staff_id == args.staff and a.indicator]
    wanted = list(dict.fromkeys(wanted))
    # The rows behind every value at once: one engine, the lake staged once.
    rows: dict[str, pa.Table] = (
        indicator_rows_many(
            lake,
            period=period,
            staff_id=args.staff,
            indicators=wanted,
            backend=args.engine,
            offers=offers,
            params=_params(args.referrals),
        )
        if wanted
        else {}
    )
    print(explain_text(result, args.staff, rows=rows, top=args.top), end="")
    if args.fishbone:
        status = _print_fishbone(args, lake, period, result)
        if status:
            return status
    if args.out is not None:
        # The rows of every indicator share the library's ROWS_SCHEMA (it names the indicator).
        parts = [table for table in rows.values() if table.num_rows]
        merged = pa.concat_tables(parts) if parts else ROWS_SCHEMA.empty_table()
        write_result(merged, args.out)
        print(f"wrote {merged.num_rows:,} rows to {args.out}")
    return 0


def _print_fishbone(args: argparse.Namespace, lake: Any, period: Any, result: Any) -> int:
    """`explain --fishbone`: the gap attribution of the RM's target lines, in text."""
    from rmperf.engine.analysis.fishbone import (
        FishboneError,
        LineInput,
        attribute_gaps,
        fishbone_text,
    )
    from rmperf.engine.analysis.policy import load_fishbone_policy
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.segmentation.policy import load_segmentation_policy

    try:
        loaded = load_fishbone_policy(args.fishbone_policy)
        segmentation = load_segmentation_policy(args.segmentation)
    except PolicyError as exc:
        return _fail(exc)
    lines = [
        LineInput(ln.line, ln.indicator, ln.target, ln.value) for ln in result.lines_of(args.staff)
    ]
    try:
        fb = attribute_gaps(
            lake,
            period=period,
            staff_id=args.staff,
            lines=lines,
            policy=loaded.policy,
            segmentation=segmentation.policy,
            policy_version=loaded.version,
        )
    except FishboneError as exc:
        return _fail(exc)
    print(fishbone_text(fb, top=args.top), end="")
    return 0


def _explain_unit(args: argparse.Namespace) -> int:
    """A unit's lines, and behind each value the unit's RMs with their part of it."""
    import pyarrow as pa

    from rmperf.engine.output import write_result
    from rmperf.engine.scoring.explain import explain_text

    scored = _run(args, units=True)
    if isinstance(scored, int):
        return scored
    units = scored.units
    assert units is not None  # noqa: S101 - scored with units
    if args.unit in units.skipped:
        return _fail(f"unit {args.unit} is not scored: {units.skipped[args.unit]}")
    if args.unit not in units.units:
        return _fail(
            f"unknown unit {args.unit!r}: no unit card of the scorecards applies to it "
            f"(scored: {', '.join(sorted(units.units)) or 'none'})"
        )
    info = units.units[args.unit]
    members = {s for s, st in scored.staff.items() if any(u == args.unit for u, _ in st.org_path)}
    from rmperf.engine.indicators.rollup import UNIT_FIGURES

    rows: dict[str, pa.Table] = {}
    for ln in units.result.lines_of(args.unit):
        rows[ln.indicator] = _member_rows(units.rm_values, ln.indicator, members)
    print(f"{info.name} ({info.kind}, {info.staff_count} RMs rolled up)")
    print(
        "each value sums the numerators and denominators of the unit's RMs (rows below); "
        + ", ".join(UNIT_FIGURES)
        + " is the unit's own: Σ unit_financials of the unit and the units under it"
    )
    print(explain_text(units.result, args.unit, rows=rows, top=args.top), end="")
    if args.out is not None:
        parts = [t for t in rows.values() if t.num_rows]
        if parts:
            merged = pa.concat_tables(parts)
            write_result(merged, args.out)
            print(f"wrote {merged.num_rows:,} rows to {args.out}")
    return 0


def _member_rows(values: Any, indicator: str, members: set[str]) -> Any:
    """The unit's RMs' values of one indicator: what the unit's value sums."""
    import pyarrow as pa

    rows = [
        {
            "indicator": r["indicator"],
            "staff_id": r["staff_id"],
            "value": r["value"],
            "numerator": r["numerator"],
            "denominator": r["denominator"],
        }
        for r in values.to_pylist()
        if r["indicator"] == indicator and r["staff_id"] in members
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("indicator", pa.string()),
                ("staff_id", pa.string()),
                ("value", values.schema.field("value").type),
                ("numerator", values.schema.field("numerator").type),
                ("denominator", values.schema.field("denominator").type),
            ]
        ),
    )
