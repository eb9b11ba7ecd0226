"""Rolling RM values up the org tree: team, branch, bank.

A ratio is never averaged: numerators and denominators of the RMs are summed and the
sum divided once (`combine = ratio`). A `sum` indicator sums numerators over the
denominator every RM shares (e.g. the period's days), or sums values when there is none.

A unit's own figures are not per RM: `roe` of an RM is the ROE of the unit they work in,
so summing it per RM would weigh a team's profit by its headcount. Given the `period`,
`rollup` takes such indicators (`UNIT_FIGURES`) from the units' rows instead: the
`unit_financials` rows of the unit and of every unit under it, each row once.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa

from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.indicators.compute import VALUE, _six, divide
from rmperf.engine.indicators.library import LIBRARY
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period

Level = Literal["team", "branch", "bank"]
#: Indicators whose roll-up reads the units' own rows (each once), not the RMs' values.
UNIT_FIGURES = ("roe",)

ROLLUP_SCHEMA = pa.schema(
    [
        pa.field("level", pa.string(), nullable=False),
        pa.field("unit_id", pa.string()),  # NULL: RMs outside any unit of that level
        pa.field("unit_name", pa.string()),
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("staff_count", pa.int64(), nullable=False),
        pa.field("value", VALUE),
        pa.field("numerator", VALUE),
        pa.field("denominator", VALUE),
    ]
)


def _org(lake: Lake, backend: BackendName) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["staff", "org_units"])
        staff = engine.to_arrow("SELECT staff_id, unit_id FROM rm_valid_staff").to_pylist()
        units = engine.to_arrow(
            "SELECT unit_id, name, kind, parent_id FROM rm_valid_org_units"
        ).to_pylist()
    finally:
        engine.close()
    return {s["staff_id"]: s["unit_id"] for s in staff}, {u["unit_id"]: u for u in units}


def unit_at_level(
    unit_id: str | None, units: dict[str, dict[str, Any]], level: Level
) -> str | None:
    """The unit itself or its nearest ancestor of kind `level` (None when there is none)."""
    seen: set[str] = set()
    while unit_id is not None and unit_id in units and unit_id not in seen:
        seen.add(unit_id)
        if units[unit_id]["kind"] == level:
            return unit_id
        unit_id = units[unit_id]["parent_id"]
    return None


def _unit_figures(
    lake: Lake, period: Period, units: dict[str, dict[str, Any]], level: Level, backend: BackendName
) -> dict[str | None, tuple[Decimal, Decimal]]:
    """ROE's numerator (Σ net profit × 12) and denominator (Σ equity) per unit of `level`,
    over the `unit_financials` rows of the period's months of the units at or under it."""
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["org_units", "unit_financials"])
        months = ", ".join(f"'{m}'" for m in period.months)
        rows = engine.to_arrow(
            "SELECT unit_id, net_profit, equity FROM rm_valid_unit_financials "  # noqa: S608
            f"WHERE month IN ({months})"
        ).to_pylist()
    finally:
        engine.close()
    out: dict[str | None, tuple[Decimal, Decimal]] = {}
    for r in rows:
        unit = unit_at_level(r["unit_id"], units, level)
        num, den = out.get(unit, (Decimal(0), Decimal(0)))
        out[unit] = (num + Decimal(r["net_profit"]) * 12, den + Decimal(r["equity"]))
    return out


def rollup(
    values: pa.Table,
    lake: Lake,
    *,
    level: Level,
    backend: BackendName = "duckdb",
    period: Period | None = None,
) -> pa.Table:
    """`compute_indicators` output summed per team, branch or the bank.

    Each RM belongs to the unit of kind `level` at or above `staff.unit_id`; an RM with
    none (e.g. attached straight to a branch, rolled up by team) goes to unit_id NULL.
    With `period`, the `UNIT_FIGURES` are the units' own (module docstring).
    """
    staff_unit, units = _org(lake, backend)
    num: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    den: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    shared: dict[tuple[str | None, str], Decimal | None] = {}
    count: dict[tuple[str | None, str], int] = defaultdict(int)
    for row in values.to_pylist():
        unit = unit_at_level(staff_unit.get(row["staff_id"]), units, level)
        key = (unit, row["indicator"])
        count[key] += 1
        num[key] += row["numerator"] if row["numerator"] is not None else Decimal(0)
        d = row["denominator"]
        if LIBRARY[row["indicator"]].combine == "ratio":
            den[key] += d if d is not None else Decimal(0)
        else:
            previous = shared.setdefault(key, d)
            if previous != d:
                raise ValueError(
                    f"{row['indicator']}: RMs of one roll-up have different denominators "
                    f"({previous} and {d}); were the values computed for one period?"
                )
    if period is not None and any(ind in UNIT_FIGURES for _, ind in count):
        figures = _unit_figures(lake, period, units, level, backend)
        for unit, ind in count:
            if ind in UNIT_FIGURES:
                own = figures.get(unit) if unit is not None else None
                num[(unit, ind)], den[(unit, ind)] = own or (Decimal(0), Decimal(0))
    order = list(LIBRARY)
    out: dict[str, list[Any]] = {n: [] for n in ROLLUP_SCHEMA.names}
    for unit, ind in sorted(count, key=lambda k: (k[0] is None, k[0] or "", order.index(k[1]))):
        key = (unit, ind)
        d_out = den[key] if LIBRARY[ind].combine == "ratio" else shared.get(key)
        out["level"].append(level)
        out["unit_id"].append(unit)
        out["unit_name"].append(units[unit]["name"] if unit is not None else None)
        out["indicator"].append(ind)
        out["staff_count"].append(count[key])
        out["value"].append(divide(num[key], d_out))
        out["numerator"].append(_six(num[key]))
        out["denominator"].append(_six(d_out))
    return pa.table(out, schema=ROLLUP_SCHEMA)
