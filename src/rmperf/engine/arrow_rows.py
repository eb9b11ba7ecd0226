"""Arrow tables from Python values without importing pandas.

pyarrow checks every Python sequence it converts (`pa.table`, `pa.array`,
`Table.from_pylist`, even `pa.scalar`) for pandas objects, and that check imports pandas:
a third of a second or more of start-up for an engine command that never uses it. DuckDB
binds Python lists as typed parameters without it, so small result tables built in
Python (scores, indicator values) go through DuckDB instead. Decimals travel as text and
are parsed exactly; a value with more places than its column's scale is an error, as
with pyarrow (never rounded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa


def _sql_type(t: pa.DataType) -> str | None:
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_decimal(t) and t.precision <= 38:
        return f"DECIMAL({t.precision}, {t.scale})"
    return None


def _decimal_text(value: Any, scale: int, column: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Decimal | int):
        raise TypeError(f"{column}: {value!r} is not a Decimal")
    d = Decimal(value)
    exponent = d.as_tuple().exponent
    if not d.is_finite() or (isinstance(exponent, int) and exponent < -scale):
        raise ValueError(f"{column}: {value} does not fit {scale} decimal places")
    return str(d)


def table_from_columns(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """`pa.table(columns, schema=schema)`, built by DuckDB (types: string, int32/64, bool,
    date, decimal); other types fall back to pyarrow."""
    types = [_sql_type(f.type) for f in schema]
    if any(t is None for t in types):
        return pa.table(dict(columns), schema=schema)
    params: list[list[Any]] = []
    for field in schema:
        values = list(columns[field.name])
        if pa.types.is_decimal(field.type):
            values = [_decimal_text(v, field.type.scale, field.name) for v in values]
        params.append(values)
    lengths = {len(v) for v in params}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    if not params or lengths == {0}:
        return schema.empty_table()
    selects = []
    for i, (field, sql_type) in enumerate(zip(schema, types, strict=True)):
        source = f"${i + 1}::VARCHAR[]" if pa.types.is_decimal(field.type) else f"${i + 1}"
        selects.append(f"CAST(unnest({source}) AS {sql_type}) AS c{i}")
    import duckdb

    con = duckdb.connect()
    try:
        table = con.sql(f"SELECT {', '.join(selects)}", params=params).to_arrow_table()
    finally:
        con.close()
    return table.rename_columns(schema.names).cast(schema).combine_chunks()


def table_from_rows(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """`pa.Table.from_pylist(rows, schema=schema)` through table_from_columns."""
    return table_from_columns({n: [r.get(n) for r in rows] for n in schema.names}, schema)


__all__ = ["table_from_columns", "table_from_rows"]
