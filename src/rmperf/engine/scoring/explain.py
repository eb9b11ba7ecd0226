""" "Why this score": one RM's lines, adjustments and verdict as plain text (PIPL art. 24).

Every number printed is one the result rows hold; the rows behind each indicator value
come from the indicator library (`indicator_rows`) and are passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import pyarrow as pa

from rmperf.engine.scoring.policy import TIER_ZH
from rmperf.engine.scoring.score import ScoreResult


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return str(value)


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    out = [indent + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for r in rows:
        out.append(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return out


def row_weight(row: dict[str, object]) -> tuple[int, Decimal]:
    """Flagged rows first, then the rows that moved the value most."""
    part = row.get("contribution")
    if not isinstance(part, Decimal):
        part = row.get("numerator")
    size = abs(part) if isinstance(part, Decimal) else Decimal(0)
    return (0 if row.get("flag") else 1, -size)


def explain_text(
    result: ScoreResult,
    staff_id: str,
    *,
    rows: Mapping[str, pa.Table] | None = None,
    top: int = 10,
) -> str:
    """The explanation of one RM's score; `rows` maps indicator → the rows behind it.

    Of each indicator's rows the `top` are shown: flagged rows (e.g. a month-end spike)
    first, then by the size of their contribution (or numerator), largest first.
    """
    total = result.total_of(staff_id)
    lines = result.lines_of(staff_id)
    adjustments = [a for a in result.adjustments if a.staff_id == staff_id]
    out = [
        f"{staff_id}  scorecard {total.scorecard} (policy {total.policy_version})  "
        f"period {total.period}",
        f"total {_fmt(total.total)}  tier {total.tier} ({TIER_ZH[total.tier]})  = base "
        f"{_fmt(total.base)} + bonus {_fmt(total.bonus)} − deduction {_fmt(total.deduction)}"
        + (f"; veto: {total.veto}" if total.veto else ""),
    ]
    if total.demoted:
        out.append(f"rated {total.rated_tier}; {total.reason}")
    if total.lines_unused:
        out.append(
            f"{total.lines_unused} line(s) undefined for this RM: the other lines' weights are "
            "re-normalised to 100 (effective weight)"
        )
    out.append("")
    header = [
        "line",
        "method",
        "weight",
        "eff.weight",
        "value",
        "target",
        "completion",
        "share",
        "points",
        "note",
    ]
    grid = [
        [
            ln.line,
            ln.method,
            _fmt(ln.weight),
            _fmt(ln.effective_weight),
            _fmt(ln.value),
            _fmt(ln.target),
            _fmt(ln.completion),
            _fmt(ln.share),
            _fmt(ln.points),
            "; ".join(
                p
                for p in (ln.note, f"target from {ln.target_source}" if ln.target_source else "")
                if p
            ),
        ]
        for ln in lines
    ]
    out.extend(_grid(header, grid))
    if adjustments:
        out.append("")
        out.extend(
            _grid(
                ["adjustment", "kind", "value", "points"],
                [[a.item, a.kind, _fmt(a.value), _fmt(a.points)] for a in adjustments],
            )
        )
    behind = [(ln.line, ln.indicator) for ln in lines]
    behind += [(f"adjustment {a.item}", a.indicator) for a in adjustments if a.indicator]
    for label, indicator in behind:
        table = (rows or {}).get(indicator)
        if table is None:
            continue
        out.append("")
        shown = pa.Table.from_pylist(
            sorted(table.to_pylist(), key=row_weight)[:top], schema=table.schema
        )
        out.append(
            f"rows behind {label} ({indicator}): {min(top, table.num_rows)} of {table.num_rows}"
        )
        if table.num_rows:
            cols = shown.column_names
            data = [[_fmt(v) for v in row.values()] for row in shown.to_pylist()]
            out.extend(_grid(cols, data, indent="  "))
    return "\n".join(out) + "\n"
