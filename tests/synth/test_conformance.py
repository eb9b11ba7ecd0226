"""Every table of a generated lake conforms to the contract (checked by DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from rmperf.engine.contract import TABLES, ColType
from tests.synth.conftest import END
from tests.synth.lakecheck import conformance_problems, connect


def test_tiny_parquet_conforms(tiny_lake: Path) -> None:
    assert conformance_problems(tiny_lake, END) == []


def test_tiny_csv_conforms(tiny_csv_lake: Path) -> None:
    assert conformance_problems(tiny_csv_lake, END) == []


def test_every_table_has_one_file_and_nothing_else(tiny_lake: Path) -> None:
    assert sorted(p.name for p in tiny_lake.iterdir()) == sorted(
        f"{t.name}.parquet" for t in TABLES
    )


def test_money_is_never_float(tiny_lake: Path) -> None:
    for t in TABLES:
        schema = pq.read_schema(tiny_lake / f"{t.name}.parquet")
        for field in schema:
            assert "float" not in str(field.type) and "double" not in str(field.type), (
                t.name,
                field.name,
            )


def test_csv_and_parquet_hold_the_same_data(tiny_lake: Path, tiny_csv_lake: Path) -> None:
    pcon = connect(tiny_lake)
    ccon = connect(tiny_csv_lake)
    for t in TABLES:
        # Instants compare as epoch microseconds (fetching TIMESTAMPTZ needs pytz).
        cols = ", ".join(
            f"epoch_us({c.name})" if c.type is ColType.TIMESTAMP else c.name for c in t.columns
        )
        a = pcon.execute(f"SELECT {cols} FROM {t.name} ORDER BY ALL").fetchall()
        b = ccon.execute(f"SELECT {cols} FROM {t.name} ORDER BY ALL").fetchall()
        assert a == b, t.name


def test_csv_timestamps_carry_the_bank_offset(tiny_csv_lake: Path) -> None:
    with (tiny_csv_lake / "transactions.csv").open(encoding="utf-8") as fh:
        fh.readline()
        ts = fh.readline().split(",")[2].strip('"')
    assert ts.endswith("+08:00") and "T" in ts
