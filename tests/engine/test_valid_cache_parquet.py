"""The valid-row cache of Parquet lakes: the entry lists the rejected rows only; the valid
rows are the files' other rows, read in place. Validation writes the entry, and every
later read (or validation) reuses it with the same rows and the same rejects files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from rmperf.engine import contract
from rmperf.engine.backends import entry_kind, read_valid
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import CACHE_ENV, REJECTED, ROWS
from rmperf.engine.validate import validate_lake
from rmperf.engine.validity import ROW_FILE, ROW_NUMBER, printable_only
from tests.engine.lakes import BASE, TODAY, row, write_lake

#: Three bad transactions of five: an amount with three decimals, a customer nobody
#: knows, a repeated id (both rows of it go), and a channel with a tab in it.
BAD_TRANSACTIONS = [
    *BASE["transactions"],
    row("transactions", txn_id="X3", amount="1.005"),
    row("transactions", txn_id="X4", customer_id="C404"),
    row("transactions", txn_id="X1"),
    row("transactions", txn_id="X5", channel="atm\t"),
]


def to_parquet(csv_lake: Path, out: Path, *, typed: bool) -> Path:
    """Every CSV table of `csv_lake` as a Parquet file in `out`: all text (typed=False)
    or with the types DuckDB detects (typed=True: dates, timestamps, numbers)."""
    out.mkdir(parents=True)
    con = duckdb.connect()
    for path in sorted(csv_lake.glob("*.csv")):
        options = "" if typed else ", all_varchar = true"
        con.execute(f"CREATE OR REPLACE TABLE t AS FROM read_csv('{path}', header = true{options})")
        # Decimals, not doubles: a floating-point money column is rejected as a whole.
        doubles = [r[0] for r in con.sql("DESCRIBE t").fetchall() if r[1] == "DOUBLE"]
        for name in doubles:
            con.execute(f'ALTER TABLE t ALTER "{name}" TYPE DECIMAL(18, 3)')
        con.execute(f"COPY t TO '{out / path.stem}.parquet' (FORMAT parquet)")
    return out


@pytest.fixture(params=[False, True], ids=["text", "typed"])
def parquet_lake(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    csv_lake = write_lake(tmp_path / "csv", {"transactions": BAD_TRANSACTIONS})
    return to_parquet(csv_lake, tmp_path / "lake", typed=bool(request.param))


@pytest.fixture(autouse=True)
def _default_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)


def no_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: DuckDBBackend, sql: str, path: Path) -> None:
        raise AssertionError(f"validated again: {path.name}")

    monkeypatch.setattr(DuckDBBackend, "write_parquet", refuse)


def test_valid_rows_equal_the_validated_rows_for_every_table(
    parquet_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for table in contract.TABLES:
        monkeypatch.setenv(CACHE_ENV, "off")
        direct = read_valid(Lake(parquet_lake, TODAY), table.name)
        monkeypatch.delenv(CACHE_ENV)
        first = read_valid(Lake(parquet_lake, TODAY), table.name)  # validates, writes
        again = read_valid(Lake(parquet_lake, TODAY), table.name)  # reads the entry
        assert first.equals(direct), table.name
        assert again.equals(direct), table.name
    # X1 twice, X3, X4 and X5 are out: X2 is the only valid transaction.
    ids = read_valid(Lake(parquet_lake, TODAY), "transactions").column("txn_id").to_pylist()
    assert ids == ["X2"]


def test_the_entry_lists_the_rejected_rows_by_file_and_row(parquet_lake: Path) -> None:
    lake = Lake(parquet_lake, TODAY)
    assert entry_kind(lake.files("transactions")) == REJECTED
    read_valid(lake, "transactions")
    (entry,) = (parquet_lake / "_valid").glob("transactions-*.parquet")
    rows = pq.read_table(entry)
    # Rows 0, 2, 3, 4 and 5 of the file (X1, X3, X4, X1 again, X5) in any order.
    assert sorted(zip(rows[ROW_FILE].to_pylist(), rows[ROW_NUMBER].to_pylist(), strict=True)) == [
        (0, 0),
        (0, 2),
        (0, 3),
        (0, 4),
        (0, 5),
    ]
    assert sorted(rows["txn_id"].to_pylist()) == ["X1", "X1", "X3", "X4", "X5"]
    (clean,) = (parquet_lake / "_valid").glob("customers-*.parquet")
    assert pq.read_table(clean).num_rows == 0  # nothing rejected: an empty list


def test_validation_fills_the_cache_the_commands_read(
    parquet_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = validate_lake(parquet_lake, today=TODAY)
    assert result.summaries["transactions"] == contract.ValidationSummary(
        "transactions",
        6,
        5,
        {
            "amount: more than 2 decimal places": 1,
            "channel: control character": 1,
            "channel: not allowed": 1,
            "customer_id: not found in customers": 1,
            "txn_id: duplicate primary key": 2,
        },
    )
    rejects = (parquet_lake / "_rejects" / "transactions.csv").read_bytes()
    no_writes(monkeypatch)  # from here on, nothing is validated again
    again = validate_lake(parquet_lake, today=TODAY)
    assert again.summaries == result.summaries
    assert (parquet_lake / "_rejects" / "transactions.csv").read_bytes() == rejects
    ids = read_valid(Lake(parquet_lake, TODAY), "transactions").column("txn_id").to_pylist()
    assert ids == ["X2"]
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_ENV, "off")
    (parquet_lake / "_rejects" / "transactions.csv").unlink()
    assert validate_lake(parquet_lake, today=TODAY).summaries == result.summaries
    assert (parquet_lake / "_rejects" / "transactions.csv").read_bytes() == rejects


def test_a_column_named_like_a_row_identity_keeps_the_valid_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file column `file_index` would shadow DuckDB's row identity: such a table's
    entry holds its valid rows instead (an extra column is allowed and ignored)."""
    csv_lake = write_lake(tmp_path / "csv", {"transactions": BAD_TRANSACTIONS})
    lake_dir = to_parquet(csv_lake, tmp_path / "lake", typed=True)
    con = duckdb.connect()
    path = lake_dir / "transactions.parquet"
    con.execute(
        f"COPY (SELECT *, 7 AS file_index FROM read_parquet('{path}')) "
        f"TO '{tmp_path / 'x.parquet'}' (FORMAT parquet)"
    )
    (tmp_path / "x.parquet").replace(path)
    lake = Lake(lake_dir, TODAY)
    assert entry_kind(lake.files("transactions")) == ROWS
    cached = read_valid(lake, "transactions")
    assert cached.column("txn_id").to_pylist() == ["X2"]
    monkeypatch.setenv(CACHE_ENV, "off")
    assert read_valid(Lake(lake_dir, TODAY), "transactions").equals(cached)


@pytest.mark.parametrize(
    ("pattern", "printable"),
    [
        (contract.ID_PATTERN, True),
        (contract.MONTH_PATTERN, True),
        (contract.EVENT_KIND_PATTERN, True),
        (r"^\+?[0-9][0-9 -]{5,19}$", True),
        (r"^[]a]$", True),  # a leading ] is a member of the class
        (r"^.+$", False),  # any character, controls too
        (r"^[^a]$", False),  # a negated class matches controls
        (r"^\s$", False),  # \s matches a tab
        (r"^\x00$", False),
        (r"^[\x00-a]$", False),
        ("^a\tb$", False),  # the pattern itself holds a control character
    ],
)
def test_printable_only(pattern: str, printable: bool) -> None:
    assert printable_only(pattern) is printable
