"""Scoring org units (seed 003 §五, 功能差异化考核): branch and business-line cards.

A unit card (`subject: unit`) scores every org unit of its `applies_to.unit_kind` (branch
or team) that has at least one RM in the period. Its indicator values are the roll-up of
the unit's RMs (engine/indicators/rollup.py: numerators and denominators summed, a ratio
divided once; `roe` from the units' own `unit_financials` rows), and the pure scorer
(`score.score`) does the rest, with the unit id where an RM card has the staff id.
Targets are the card's fixed ones (the target sheet is per person), there are no manual
lines, and peers are the other units on the card (rules `unit_lines_supported`).

The compliance and the risk category of a unit card each weigh at least the heaviest
other category plus the card's `compliance_risk_margin` (P-02, rule
`unit_compliance_risk_weigh_more`); deposits are never ranked or compared with the
market (P-03, `no_deposit_ranking`, as on every card).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.backends import BackendName
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy
from rmperf.engine.scoring.library import Library
from rmperf.engine.scoring.policy import ManualLine, Scorecard
from rmperf.engine.scoring.score import ScoreResult, score, values_from_table


@dataclass(frozen=True)
class UnitInfo:
    """A scored unit: its name, kind and how many RMs its values roll up."""

    unit_id: str
    name: str
    kind: str
    staff_count: int


@dataclass(frozen=True)
class UnitScores:
    """The unit cards' result (`staff_id` of its rows holds the unit id), the units, the
    rolled-up values and the units of a card's kind left out with the reason."""

    result: ScoreResult
    units: Mapping[str, UnitInfo]
    values: pa.Table
    skipped: Mapping[str, str] = field(default_factory=dict)
    #: The RMs' values the roll-up summed (`compute_indicators` rows of the unit cards'
    #: indicators): the rows behind a unit's value.
    rm_values: pa.Table | None = None


EMPTY = ScoreResult((), ())


def unit_indicators(cards: Mapping[str, LoadedPolicy[Scorecard]]) -> list[str]:
    """Every indicator the unit cards read (lines and adjustments)."""
    found: set[str] = set()
    for loaded in cards.values():
        if not loaded.policy.is_unit:
            continue
        for line in loaded.policy.lines:
            if not isinstance(line, ManualLine) and line.indicator is not None:
                found.add(line.indicator)
        for adj in loaded.policy.adjustments:
            if adj.indicator is not None:
                found.add(adj.indicator)
    return sorted(found)


def _org_units(lake: Lake, backend: BackendName) -> list[dict[str, str]]:
    from rmperf.engine.backends import attach_lake, open_backend

    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["org_units"])
        rows: list[dict[str, str]] = engine.to_arrow(
            "SELECT unit_id, name, kind FROM rm_valid_org_units ORDER BY unit_id"
        ).to_pylist()
        return rows
    finally:
        engine.close()


def score_units(
    values: pa.Table,
    lake: Lake,
    *,
    period: Period,
    cards: Mapping[str, LoadedPolicy[Scorecard]],
    library: Library,
    backend: BackendName = "duckdb",
) -> UnitScores:
    """Score every unit of each unit card's kind from `values` (`compute_indicators`
    output for the period's RMs, holding at least `unit_indicators(cards)`)."""
    from rmperf.engine.indicators.rollup import ROLLUP_SCHEMA, rollup

    unit_cards = {name: c for name, c in cards.items() if c.policy.is_unit}
    if not unit_cards:
        return UnitScores(EMPTY, {}, ROLLUP_SCHEMA.empty_table())
    org = _org_units(lake, backend)
    wanted = set(unit_indicators(unit_cards))
    ids = values.column("indicator").to_pylist()
    mask = pa.array([i in wanted for i in ids], type=pa.bool_())
    mine = values.filter(mask)
    assignment: dict[str, str] = {}
    units: dict[str, UnitInfo] = {}
    skipped: dict[str, str] = {}
    parts: list[pa.Table] = []
    for name, loaded in sorted(unit_cards.items()):
        kind = str(loaded.policy.applies_to.unit_kind)
        rolled = rollup(mine, lake, level=kind, backend=backend, period=period)  # type: ignore[arg-type]
        rows = [r for r in rolled.to_pylist() if r["unit_id"] is not None]
        parts.append(pa.Table.from_pylist(rows, schema=ROLLUP_SCHEMA))
        counts = {r["unit_id"]: r["staff_count"] for r in rows}
        for u in org:
            if u["kind"] != kind:
                continue
            if u["unit_id"] not in counts:
                skipped[u["unit_id"]] = f"no RM in this {kind} for {period.key}"
                continue
            assignment[u["unit_id"]] = name
            units[u["unit_id"]] = UnitInfo(u["unit_id"], u["name"], kind, counts[u["unit_id"]])
    table = pa.concat_tables(parts) if parts else ROLLUP_SCHEMA.empty_table()
    lookup = values_from_table(
        table.select(["unit_id", "indicator", "value"]).rename_columns(
            ["staff_id", "indicator", "value"]
        )
    )
    result = score(lookup, cards=unit_cards, assignment=assignment, period=period, library=library)
    return UnitScores(result, units, table, skipped, mine)


# -- result tables -------------------------------------------------------------------------


def unit_totals_table(scores: UnitScores) -> pa.Table:
    """One row per unit: unit_id, unit_name, unit_kind, staff_count, then the columns of
    the RM totals (scorecard, period, total, tier …) without staff_id."""
    from rmperf.engine.scoring.run import TOTALS_SCHEMA, totals_table

    rm_like = totals_table(scores.result)
    schema = pa.schema(
        [
            ("unit_id", pa.string()),
            ("unit_name", pa.string()),
            ("unit_kind", pa.string()),
            ("staff_count", pa.int64()),
            *[f for f in TOTALS_SCHEMA if f.name != "staff_id"],
        ]
    )
    rows = []
    for row in rm_like.to_pylist():
        info = scores.units[row["staff_id"]]
        rows.append(
            {
                "unit_id": info.unit_id,
                "unit_name": info.name,
                "unit_kind": info.kind,
                "staff_count": info.staff_count,
                **{k: v for k, v in row.items() if k != "staff_id"},
            }
        )
    return table_from_rows(rows, schema)


def unit_lines_table(scores: UnitScores) -> pa.Table:
    """One row per unit per line: unit_id, then the columns of the RM lines table."""
    from rmperf.engine.scoring.run import lines_table

    table = lines_table(scores.result)
    return table.rename_columns(["unit_id", *table.column_names[1:]])
