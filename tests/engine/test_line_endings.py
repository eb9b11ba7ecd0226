"""CSV line endings: CRLF or LF throughout is read; a file mixing them is named clearly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rmperf.engine.backends import read_valid
from rmperf.engine.lake import Lake, mixed_line_endings
from rmperf.engine.validate import validate_lake
from tests.engine.lakes import TODAY, write_lake

MIXED = (
    "transactions: unreadable file: transactions.csv mixes line endings: line 1 ends with "
    "CRLF, line 2 with LF; save it with one kind of line ending throughout"
)


def lake_with_txn_endings(root: Path, endings: list[str]) -> Path:
    """The base lake; transactions.csv (header, X1, X2) ends its lines with `endings`."""
    write_lake(root)
    path = root / "transactions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(endings) == 3
    path.write_bytes("".join(a + b for a, b in zip(lines, endings, strict=True)).encode())
    return root


def test_crlf_throughout_is_read(tmp_path: Path) -> None:
    root = lake_with_txn_endings(tmp_path / "lake", ["\r\n", "\r\n", "\r\n"])
    rows = read_valid(Lake(root, TODAY), "transactions").to_pylist()
    assert [(r["txn_id"], r["product_id"]) for r in rows] == [("X1", "P1"), ("X2", None)]


def test_mixed_endings_are_named_by_validate(tmp_path: Path) -> None:
    root = lake_with_txn_endings(tmp_path / "lake", ["\r\n", "\n", "\r\n"])
    result = validate_lake(root, today=TODAY, tables=["transactions"])
    assert result.problems == [MIXED]


def test_mixed_endings_are_named_by_the_engine(tmp_path: Path) -> None:
    root = lake_with_txn_endings(tmp_path / "lake", ["\r\n", "\n", "\r\n"])
    with pytest.raises(duckdb.Error, match="mixes line endings: line 1 ends with CRLF"):
        read_valid(Lake(root, TODAY), "transactions")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\nb\nc\n", None),
        (b"a\r\nb\r\n", None),
        (b"no line ending", None),
        (b"a\nb\nc\r\nd\n", "line 3 ends with CRLF, line 1 with LF"),
        (b"a\r\nb\r\nc\r\nd\n", "line 1 ends with CRLF, line 4 with LF"),
    ],
)
def test_which_lines_mix(tmp_path: Path, data: bytes, expected: str | None) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    found = mixed_line_endings(path)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found


def test_a_crlf_split_across_read_chunks(tmp_path: Path) -> None:
    # The reader takes 16 MiB at a time; this CR is the last byte of the first chunk.
    path = tmp_path / "t.csv"
    path.write_bytes(b"a\n" + b"x" * ((1 << 24) - 3) + b"\r\nb\n")
    found = mixed_line_endings(path)
    assert found is not None and "line 2 ends with CRLF, line 1 with LF" in found
