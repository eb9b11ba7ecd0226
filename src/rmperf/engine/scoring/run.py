"""Scoring a lake: who is an RM, which card applies, the indicators, then the pure scorer.

Which card scores an RM, first that applies:
1. an explicit mapping (`--assign FILE`: staff_id → card name or business line);
2. the staff table's optional `business_line` column (retail, corporate, sci_tech);
3. the kind most of the RM's customers have (customers assigned to them at any time in
   the period): corporate if more are corporate, otherwise retail (a tie or an RM
   without customers counts as retail). Sci-tech RMs cannot be told from customer kinds:
   give them a business_line or an --assign entry.
An RM whose line has no card is reported and not scored. Staff hired after the
period's end are not scored; those hired during it have annual-basis targets scaled by
their days in post (see targets.joiner_factor).
"""

# ruff: noqa: S608 - SQL over the contract's view names and ISO date literals; no user text

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.indicators.feedback import FeedbackRow
from rmperf.engine.indicators.offers import Offers
from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams
from rmperf.engine.indicators.proposals import ProposalRow
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy
from rmperf.engine.scoring.library import Library, default_library
from rmperf.engine.scoring.load import resolve_card_name
from rmperf.engine.scoring.policy import BusinessLine, ManualLine, Scorecard
from rmperf.engine.scoring.score import (
    LineScore,
    ManualScores,
    ScoreResult,
    StaffInfo,
    score,
    values_from_table,
)
from rmperf.engine.scoring.targets import EMPTY_SHEET, TargetSheet, round_half_up
from rmperf.engine.scoring.units import UnitScores, score_units, unit_indicators
from rmperf.engine.validity import valid_view_name

STAFF_TABLES = ("staff", "org_units", "customers", "assignments")


def _date_sql(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def staff_info(
    lake: Lake, *, period: Period, backend: BackendName = "duckdb"
) -> dict[str, StaffInfo]:
    """Every RM hired by the period's end: team, branch, org path, hire date, business line."""
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, list(STAFF_TABLES))
        s, o = valid_view_name("staff"), valid_view_name("org_units")
        c, a = valid_view_name("customers"), valid_view_name("assignments")
        sql = f"""
            WITH kinds AS (
              SELECT x.staff_id,
                     SUM(CASE WHEN cu.kind = 'corporate' THEN 1 ELSE 0 END) AS corporate,
                     SUM(CASE WHEN cu.kind = 'retail' THEN 1 ELSE 0 END) AS retail
              FROM (SELECT DISTINCT staff_id, customer_id FROM {a}
                    WHERE valid_from <= {_date_sql(period.end)}
                      AND (valid_to IS NULL OR valid_to >= {_date_sql(period.start)})) x
              JOIN {c} cu ON cu.customer_id = x.customer_id
              GROUP BY x.staff_id)
            SELECT r.staff_id, r.unit_id, u.kind AS unit_kind, u.parent_id, r.hired_on,
                   k.corporate, k.retail, r.business_line
            FROM {s} r
            LEFT JOIN {o} u ON u.unit_id = r.unit_id
            LEFT JOIN kinds k ON k.staff_id = r.staff_id
            WHERE r.role = 'rm' AND r.hired_on <= {_date_sql(period.end)}
            ORDER BY r.staff_id
        """
        table = engine.to_arrow(sql)
        units = engine.to_arrow(f"SELECT unit_id, kind, parent_id FROM {o}").to_pylist()
    finally:
        engine.close()
    tree = {u["unit_id"]: (u["kind"], u["parent_id"]) for u in units}
    out: dict[str, StaffInfo] = {}
    for row in table.to_pylist():
        kind = row["unit_kind"]
        team = row["unit_id"] if kind == "team" else None
        branch = (
            row["parent_id"] if kind == "team" else (row["unit_id"] if kind == "branch" else None)
        )
        line = row["business_line"]  # validated against contract.BUSINESS_LINES
        if line is not None:
            source = "staff.business_line"
        else:
            corporate, retail = row["corporate"] or 0, row["retail"] or 0
            line = BusinessLine.CORPORATE if corporate > retail else BusinessLine.RETAIL
            source = f"customers: {corporate} corporate, {retail} retail"
        out[row["staff_id"]] = StaffInfo(
            staff_id=row["staff_id"],
            team=team,
            branch=branch,
            hired_on=row["hired_on"],
            business_line=str(line),
            business_line_source=source,
            org_path=org_path(tree, row["unit_id"]),
        )
    return out


def org_path(
    tree: Mapping[str, tuple[str, str | None]], unit_id: str | None
) -> tuple[tuple[str, str], ...]:
    """(unit_id, kind) from `unit_id` up to the root of the org tree (unit → (kind, parent))."""
    path: list[tuple[str, str]] = []
    seen: set[str] = set()
    while unit_id is not None and unit_id in tree and unit_id not in seen:
        seen.add(unit_id)
        kind, parent = tree[unit_id]
        path.append((unit_id, kind))
        unit_id = parent
    return tuple(path)


def assign_cards(
    staff: Mapping[str, StaffInfo],
    cards: Mapping[str, LoadedPolicy[Scorecard]],
    *,
    explicit: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(staff_id → card name, staff_id → why not scored) per the module's order of rules."""
    assignment: dict[str, str] = {}
    skipped: dict[str, str] = {}
    given = explicit or {}
    for staff_id in given:
        if staff_id not in staff:
            skipped[staff_id] = "in the assignment file but not an RM in the lake for this period"
    for staff_id, info in staff.items():
        choice = given.get(staff_id) or info.business_line or ""
        name = resolve_card_name(choice, cards)
        if name is None:
            where = "assignment file" if staff_id in given else info.business_line_source
            skipped[staff_id] = f"no scorecard for {choice!r} (from {where})"
        else:
            assignment[staff_id] = name
    return assignment, skipped


def needed_indicators(cards: Mapping[str, LoadedPolicy[Scorecard]]) -> list[str]:
    """Every indicator any card reads (lines and adjustments)."""
    found: set[str] = set()
    for loaded in cards.values():
        for line in loaded.policy.lines:
            if not isinstance(line, ManualLine) and line.indicator is not None:
                found.add(line.indicator)
        for adj in loaded.policy.adjustments:
            if adj.indicator is not None:
                found.add(adj.indicator)
    return sorted(found)


@dataclass(frozen=True)
class LakeScore:
    """A scored lake: the result, the indicator values used, and the RMs left out."""

    result: ScoreResult
    values: pa.Table
    staff: Mapping[str, StaffInfo]
    skipped: Mapping[str, str] = field(default_factory=dict)
    #: The unit cards' scores (`score_lake(..., units=True)`), else None.
    units: UnitScores | None = None


def score_lake(
    lake: Lake,
    *,
    period: Period,
    cards: Mapping[str, LoadedPolicy[Scorecard]],
    targets: TargetSheet = EMPTY_SHEET,
    manual: ManualScores | None = None,
    explicit: Mapping[str, str] | None = None,
    only: str | None = None,
    backend: BackendName = "duckdb",
    library: Library | None = None,
    offers: Offers | None = None,
    feedback: Sequence[FeedbackRow] = (),
    proposals: Sequence[ProposalRow] = (),
    units: bool = False,
    params: IndicatorParams = DEFAULT_PARAMS,
) -> LakeScore:
    """Compute the cards' indicators for `period` on `lake`, then score every RM (and,
    with `units`, every org unit the set's unit cards apply to: units.py).

    With `only`, the indicators are still computed for everyone (peer groups need them)
    but the caller is told when that staff_id is no RM of the lake. `offers` (the
    offers input) feeds the offer_* indicators; a card naming one needs it. `feedback`
    (360 feedback recorded outside the lake) joins the lake's feedback rows, `proposals`
    (adopted proposals recorded in the app) the lake's proposals. `params`:
    the indicators' parameters (e.g. the referrals policy's points rule in force).
    """
    lib = library if library is not None else default_library()
    staff = staff_info(lake, period=period, backend=backend)
    if only is not None and only not in staff:
        raise KeyError(only)
    from rmperf.engine.indicators import compute_indicators

    assignment, skipped = assign_cards(staff, cards, explicit=explicit)
    # Only the cards somebody is scored with need their indicators computed.
    used = {name: cards[name] for name in sorted(set(assignment.values()))}
    wanted = needed_indicators(used)
    rm_wanted = wanted
    if units:
        wanted = sorted(set(wanted) | set(unit_indicators(cards)))
    values = (
        compute_indicators(
            lake,
            period=period,
            indicators=wanted,
            backend=backend,
            offers=offers,
            feedback=feedback,
            proposals=proposals,
            params=params,
        )
        if wanted
        else pa.table({"staff_id": [], "indicator": [], "value": []})
    )
    unit_scores = (
        score_units(values, lake, period=period, cards=cards, library=lib, backend=backend)
        if units
        else None
    )
    if wanted != rm_wanted:
        keep = set(rm_wanted)
        ids = values.column("indicator").to_pylist()
        values = values.filter(pa.array([i in keep for i in ids], type=pa.bool_()))
    result = score(
        values_from_table(values),
        cards={name: c for name, c in cards.items() if not c.policy.is_unit},
        assignment=assignment,
        period=period,
        library=lib,
        targets=targets,
        manual=manual,
        staff=staff,
    )
    return LakeScore(result, values, staff, skipped, unit_scores)


# -- result tables -------------------------------------------------------------------------

MONEY = pa.decimal128(18, 2)
VALUE = pa.decimal128(24, 6)
RATIO = pa.decimal128(18, 4)

TOTALS_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("scorecard", pa.string()),
        ("period", pa.string()),
        ("total", MONEY),
        ("tier", pa.string()),
        ("rated_tier", pa.string()),
        ("demoted", pa.bool_()),
        ("reason", pa.string()),
        ("base", MONEY),
        ("bonus", MONEY),
        ("deduction", MONEY),
        ("veto", pa.string()),
        ("lines_used", pa.int32()),
        ("lines_unused", pa.int32()),
        ("policy_version", pa.string()),
    ]
)

LINES_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("scorecard", pa.string()),
        ("line", pa.string()),
        ("indicator", pa.string()),
        ("method", pa.string()),
        ("weight", RATIO),
        ("value", VALUE),
        ("target", VALUE),
        ("target_source", pa.string()),
        ("completion", RATIO),
        ("share", RATIO),
        ("effective_weight", RATIO),
        ("points", MONEY),
        ("used", pa.bool_()),
        ("breach", pa.bool_()),
        ("warning", pa.bool_()),
        ("note", pa.string()),
        ("time_progress", RATIO),
        ("behind", pa.bool_()),
    ]
)


def _fit(value: Decimal | None, places: str) -> Decimal | None:
    return None if value is None else round_half_up(value, Decimal(places))


def totals_table(result: ScoreResult) -> pa.Table:
    """One row per RM: staff_id, scorecard, period, total, tier … policy_version."""
    rows = [
        {
            "staff_id": t.staff_id,
            "scorecard": t.scorecard,
            "period": t.period,
            "total": t.total,
            "tier": str(t.tier),
            "rated_tier": str(t.rated_tier),
            "demoted": t.demoted,
            "reason": t.reason,
            "base": t.base,
            "bonus": t.bonus,
            "deduction": t.deduction,
            "veto": t.veto,
            "lines_used": t.lines_used,
            "lines_unused": t.lines_unused,
            "policy_version": t.policy_version,
        }
        for t in result.totals
    ]
    return table_from_rows(rows, TOTALS_SCHEMA)  # no pandas import (arrow_rows.py)


def lines_table(
    result: ScoreResult, *, period: Period | None = None, as_of: dt.date | None = None
) -> pa.Table:
    """One row per RM per line: value, target, completion, method, points and notes.

    With `as_of` (序时进度), lines with a target also get `time_progress`, the share of
    `period` elapsed by that day, and `behind` = completion < time_progress.
    """
    expected = period.time_progress(as_of) if period is not None and as_of is not None else None

    def progress(ln: LineScore) -> tuple[Decimal | None, bool | None]:
        if expected is None or ln.target is None or ln.completion is None:
            return None, None
        return expected, ln.completion < expected

    rows = [
        {
            "staff_id": ln.staff_id,
            "scorecard": ln.scorecard,
            "line": ln.line,
            "indicator": ln.indicator,
            "method": ln.method,
            "weight": _fit(ln.weight, "0.0001"),
            "value": _fit(ln.value, "0.000001"),
            "target": _fit(ln.target, "0.000001"),
            "target_source": ln.target_source,
            "completion": _fit(ln.completion, "0.0001"),
            "share": _fit(ln.share, "0.0001"),
            "effective_weight": _fit(ln.effective_weight, "0.0001"),
            "points": ln.points,
            "used": ln.used,
            "breach": ln.breach,
            "warning": ln.warning,
            "note": ln.note,
            "time_progress": progress(ln)[0],
            "behind": progress(ln)[1],
        }
        for ln in result.lines
    ]
    return table_from_rows(rows, LINES_SCHEMA)
