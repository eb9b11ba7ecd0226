"""finish.with_schema: the result's schema without importing pyarrow.compute when the
types already match, a real cast when they do not."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest

from rmperf.engine.segmentation.finish import with_schema

SCHEMA = pa.schema(
    [pa.field("customer_id", pa.string(), nullable=False), pa.field("n", pa.int64())]
)


def test_matching_types_are_relabelled_with_the_schema() -> None:
    raw = pa.table({"customer_id": ["C1", "C2"], "n": pa.array([1, 2], pa.int64())})
    out = with_schema(raw, SCHEMA)
    assert out.schema == SCHEMA  # nullability comes from the schema
    assert out.to_pylist() == [{"customer_id": "C1", "n": 1}, {"customer_id": "C2", "n": 2}]


def test_other_types_are_cast() -> None:
    raw = pa.table({"customer_id": ["C1"], "n": pa.array([7], pa.int32())})
    out = with_schema(raw, SCHEMA)
    assert out.schema == SCHEMA
    assert out.column("n").type == pa.int64()
    assert out.to_pylist() == [{"customer_id": "C1", "n": 7}]


def test_a_cast_that_loses_data_is_refused() -> None:
    raw = pa.table({"customer_id": ["C1"], "n": pa.array([1.5], pa.float64())})
    with pytest.raises(pa.ArrowInvalid):
        with_schema(raw, SCHEMA)


def test_relabelling_imports_no_pyarrow_compute() -> None:
    probe = (
        "import sys, pyarrow as pa\n"
        "from rmperf.engine.segmentation.finish import with_schema\n"
        "import duckdb\n"
        "t = duckdb.sql(\"SELECT 'C1' AS customer_id, 1::BIGINT AS n\").to_arrow_table()\n"
        "before = 'pyarrow.compute' in sys.modules\n"
        "s = pa.schema([pa.field('customer_id', pa.string(), nullable=False), ('n', pa.int64())])\n"
        "with_schema(t, s)\n"
        "print(before, 'pyarrow.compute' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
