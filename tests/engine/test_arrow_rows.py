"""arrow_rows builds Arrow tables from Python values from buffers: the same tables as
pyarrow's own conversion, without importing pandas, refusing what does not fit."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pyarrow as pa
import pytest

from rmperf.engine.arrow_rows import table_from_columns

SCHEMA = pa.schema(
    [
        pa.field("s", pa.string()),
        pa.field("v", pa.decimal128(24, 6)),
        pa.field("w", pa.decimal128(38, 2)),
        pa.field("i", pa.int32()),
        pa.field("q", pa.int64()),
        pa.field("b", pa.bool_()),
        pa.field("d", pa.date32()),
    ]
)
COLUMNS: dict[str, list[object]] = {
    "s": ["", "über 中文", None, "x" * 300, "a"],
    "v": [Decimal("-0"), Decimal("-123456789012345678.123456"), None, Decimal("1E+3"), 7],
    "w": [Decimal("9" * 36 + ".99"), Decimal("-" + "9" * 36 + ".99"), None, Decimal("0.10"), 0],
    "i": [2**31 - 1, -(2**31), None, 0, 5],
    "q": [2**63 - 1, -(2**63), None, 0, -1],
    "b": [True, False, None, False, True],
    "d": [
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        None,
        dt.date(1970, 1, 1),
        dt.date(1969, 12, 31),
    ],
}


def test_the_table_equals_pyarrows_own() -> None:
    got = table_from_columns(COLUMNS, SCHEMA)
    assert got.equals(pa.table(COLUMNS, schema=SCHEMA))
    assert got.column("v").to_pylist()[1] == Decimal("-123456789012345678.123456")
    one = {k: [v[1]] for k, v in COLUMNS.items()}  # no nulls: no validity buffers
    assert table_from_columns(one, SCHEMA).equals(pa.table(one, schema=SCHEMA))


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("v", Decimal("0.0000001"), "6 decimal places"),
        ("v", Decimal("1" + "0" * 18), r"decimal\(24, 6\)"),
        ("v", Decimal("NaN"), "6 decimal places"),
        ("v", 1.5, "not a Decimal"),
        ("s", 5, "not a str"),
        ("b", 1, "not a bool"),
        ("d", "2026-01-01", "not a date"),
    ],
)
def test_what_does_not_fit_is_refused(column: str, value: object, error: str) -> None:
    cols = {k: [v[0]] for k, v in COLUMNS.items()} | {column: [value]}
    with pytest.raises((ValueError, TypeError), match=error):
        table_from_columns(cols, SCHEMA)


def test_no_pandas_is_imported() -> None:
    code = (
        "import sys, datetime as dt; from decimal import Decimal; import pyarrow as pa\n"
        "from rmperf.engine.arrow_rows import table_from_columns\n"
        "s = pa.schema([('s', pa.string()), ('v', pa.decimal128(24, 6)), ('d', pa.date32())])\n"
        "t = table_from_columns({'s': ['a'], 'v': [Decimal('1.5')], 'd': [dt.date(2026, 1, 1)]}, s)\n"
        "print(t.num_rows, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]
