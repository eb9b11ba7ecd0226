"""Lake tables as Ibis tables, and Ibis expressions compiled to a backend's SQL.

Engine computations are Ibis expressions over unbound tables named like the valid views
(`rm_valid_<table>`) with the contract's types. They are compiled to SQL text and run by
the backend, so no Ibis connection is opened: Ibis would reset the session time zone to
UTC and, on Spark, convert results through pandas.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt

from rmperf.engine import contract
from rmperf.engine.backends import BackendName
from rmperf.engine.contract import ColType
from rmperf.engine.validity import valid_view_name

IBIS_TYPES: dict[ColType, dt.DataType] = {
    ColType.STRING: dt.string,
    ColType.DATE: dt.date,
    ColType.TIMESTAMP: dt.Timestamp(timezone="UTC"),
    ColType.MONTH: dt.string,
    ColType.MONEY: dt.Decimal(18, 2),
    ColType.RATE: dt.Decimal(12, 6),
    ColType.SCORE: dt.Decimal(9, 2),
    ColType.HOURS: dt.Decimal(9, 2),
    ColType.INT: dt.int64,
    ColType.BOOL: dt.boolean,
}

IBIS_DIALECTS: dict[BackendName, str] = {"duckdb": "duckdb", "spark": "pyspark"}


def contract_table(name: str) -> Any:
    """The valid view of a lake table as an unbound Ibis table."""
    tbl = contract.table(name)
    schema = ibis.schema({c.name: IBIS_TYPES[c.type] for c in tbl.columns})
    return ibis.table(schema, name=valid_view_name(name))


def compile_sql(expr: Any, backend: BackendName) -> str:
    sql: str = ibis.to_sql(expr, dialect=IBIS_DIALECTS[backend])
    return sql
