"""Arrow tables from Python values without importing pandas.

pyarrow checks every Python sequence it converts (`pa.table`, `pa.array`,
`Table.from_pylist`, even `pa.scalar`) for pandas objects, and that check imports pandas:
a third of a second or more of start-up for an engine command that never uses it. Small
result tables built in Python (scores, indicator values) are therefore assembled from
Arrow buffers written here (strings, integers, booleans, dates, decimals), which no such
check sees. Decimals are scaled exactly; a value with more places than its column's
scale, or more digits than its precision, is an error, as with pyarrow (never rounded).
"""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import accumulate
from typing import Any

import pyarrow as pa

_EPOCH = dt.date(1970, 1, 1).toordinal()
#: Arrow buffers are little-endian; `array` writes native order with these item sizes.
_NATIVE = sys.byteorder == "little" and array("i").itemsize == 4 and array("q").itemsize == 8


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


def _unscaled(value: Any, scale: int, precision: int, column: str) -> int | None:
    """A Decimal (or int) as the integer value × 10^scale, exactly."""
    if value is None:
        return None
    if not isinstance(value, Decimal | int):
        raise TypeError(f"{column}: {value!r} is not a Decimal")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"{column}: {value} does not fit {scale} decimal places")
    numerator, denominator = d.as_integer_ratio()
    units, rest = divmod(int(10**scale), denominator)
    if rest:
        raise ValueError(f"{column}: {value} does not fit {scale} decimal places")
    unscaled: int = numerator * units
    if abs(unscaled) >= 10**precision:
        raise ValueError(f"{column}: {value} does not fit decimal({precision}, {scale})")
    return unscaled


def _bits(flags: Sequence[bool]) -> bytes:
    out = bytearray((len(flags) + 7) // 8)
    for i, flag in enumerate(flags):
        if flag:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def _array(values: list[Any], t: pa.DataType, column: str) -> pa.Array:
    """One column as an Arrow array, from buffers (no conversion of Python sequences)."""
    n = len(values)
    present = [v is not None for v in values]
    nulls = n - sum(present)
    validity = pa.py_buffer(_bits(present)) if nulls else None

    def check(kind: type | tuple[type, ...], name: str) -> None:
        for v in values:
            if v is not None and not isinstance(v, kind):
                raise TypeError(f"{column}: {v!r} is not {name}")

    if pa.types.is_string(t):
        check(str, "a str")
        data = [b"" if v is None else v.encode() for v in values]
        ends = array("i", [0, *accumulate(map(len, data))])
        buffers = [validity, pa.py_buffer(ends.tobytes()), pa.py_buffer(b"".join(data))]
    elif pa.types.is_boolean(t):
        check(bool, "a bool")
        buffers = [validity, pa.py_buffer(_bits([v is True for v in values]))]
    elif pa.types.is_date32(t):
        check(dt.date, "a date")
        days = array("i", [0 if v is None else v.toordinal() - _EPOCH for v in values])
        buffers = [validity, pa.py_buffer(days.tobytes())]
    elif pa.types.is_int32(t) or pa.types.is_int64(t):
        check(int, "an int")
        ints = array("i" if pa.types.is_int32(t) else "q", [v or 0 for v in values])
        buffers = [validity, pa.py_buffer(ints.tobytes())]
    else:  # decimal128
        out = bytearray(16 * n)
        for i, v in enumerate(values):
            unscaled = _unscaled(v, t.scale, t.precision, column)
            if unscaled is not None:
                out[16 * i : 16 * i + 16] = unscaled.to_bytes(16, "little", signed=True)
        buffers = [validity, pa.py_buffer(bytes(out))]
    return pa.Array.from_buffers(t, n, buffers, null_count=nulls)


def table_from_columns(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """`pa.table(columns, schema=schema)` without pyarrow's pandas check (types: string,
    int32/64, bool, date, decimal up to 38 digits); other types fall back to pyarrow."""
    if not _NATIVE or any(_sql_type(f.type) is None for f in schema):
        return pa.table(dict(columns), schema=schema)
    values = [list(columns[field.name]) for field in schema]
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    if not values or lengths == {0}:
        return schema.empty_table()
    arrays = [_array(v, f.type, f.name) for v, f in zip(values, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def table_from_rows(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """`pa.Table.from_pylist(rows, schema=schema)` through table_from_columns."""
    return table_from_columns({n: [r.get(n) for r in rows] for n in schema.names}, schema)


__all__ = ["table_from_columns", "table_from_rows"]
