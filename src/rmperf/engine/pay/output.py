"""The pay result tables: one row per statement (--out) and one per line (--lines).

Money is decimal(18, 2); the NPL ratio is shown to 6 places and the coefficient to 2,
rounded ROUND_HALF_UP for display only (the gate compares the exact ratio).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.pay.compute import Statement

MONEY = pa.decimal128(18, 2)
RATIO = pa.decimal128(18, 6)
COEFFICIENT = pa.decimal128(6, 2)
RATE = pa.decimal128(12, 4)

#: Money columns of a statement, in output order.
MONEY_COLUMNS = (
    "base",
    "loan_pay",
    "excess_reward",
    "performance_pay",
    "deferred",
    "immediate",
    "held",
    "held_released",
    "deferral_released",
    "malus",
    "clawback",
    "total_paid",
    "deferral_balance",
)

STATEMENTS_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("period", pa.string()),
        ("rank", pa.string()),
        ("rating", pa.string()),
        ("coefficient", COEFFICIENT),
        ("npl_ratio", RATIO),
        *((name, MONEY) for name in MONEY_COLUMNS),
    ]
)

#: Line kinds; every money column but performance_pay and total_paid has lines that sum to it.
LINE_KINDS = (
    "base",
    "loan_pay",
    "excess_reward",
    "deferred",
    "immediate",
    "held",
    "held_released",
    "held_forfeited",
    "deferral_released",
    "malus",
    "clawback",
    "deferral_balance",
)

LINES_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("period", pa.string()),
        ("line", pa.string()),
        ("amount", MONEY),
        ("loan_id", pa.string()),
        ("source_period", pa.string()),
        ("part", pa.int32()),
        ("due_period", pa.string()),
        ("month", pa.string()),
        ("portions", pa.string()),
        ("rate", RATE),
        ("coefficient", COEFFICIENT),
        ("detail", pa.string()),
    ]
)


def _display(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def statements_table(statements: Iterable[Statement]) -> pa.Table:
    rows = []
    for s in sorted(statements, key=lambda s: s.staff_id):
        row: dict[str, object] = {
            "staff_id": s.staff_id,
            "period": s.period,
            "rank": s.rank,
            "rating": str(s.rating) if s.rating is not None else None,
            "coefficient": None if s.coefficient is None else _display(s.coefficient, "0.01"),
            "npl_ratio": _display(s.npl_ratio, "0.000001"),
        }
        for name in MONEY_COLUMNS:
            row[name] = getattr(s, name)
        rows.append(row)
    return table_from_rows(rows, STATEMENTS_SCHEMA)


def lines_table(statements: Iterable[Statement]) -> pa.Table:
    rows = []
    for s in sorted(statements, key=lambda s: s.staff_id):
        for ln in s.lines:
            rows.append(
                {
                    "staff_id": ln.staff_id,
                    "period": ln.period,
                    "line": ln.line,
                    "amount": ln.amount,
                    "loan_id": ln.loan_id or None,
                    "source_period": ln.source_period or None,
                    "part": ln.part,
                    "due_period": ln.due_period or None,
                    "month": ln.month or None,
                    "portions": ln.portions or None,
                    "rate": ln.rate,
                    "coefficient": (
                        None if ln.coefficient is None else _display(ln.coefficient, "0.01")
                    ),
                    "detail": ln.detail or None,
                }
            )
    return table_from_rows(rows, LINES_SCHEMA)
