"""The customer reads are kept per process, keyed by the lake's digests, the time zone and
the statement: a second read of the same customer asks DuckDB nothing, and changed files
(new digests), another customer or another time zone are read afresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rmperf.engine import lake_reads as lr
from rmperf.engine.lake_reads import CustomerLake, _RowsKept

HEADER = "customer_id,txn_id,ts,amount,direction,channel,product_id\n"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    lr._ROWS_KEPT.clear()
    yield
    lr._ROWS_KEPT.clear()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements that reached DuckDB."""
    seen: list[str] = []
    original = CustomerLake._read

    def counted(self: CustomerLake, statement: str) -> list[dict[str, Any]]:
        seen.append(statement)
        return original(self, statement)

    monkeypatch.setattr(CustomerLake, "_read", counted)
    return seen


def _lake(
    tmp_path: Path, body: str, *, digest: str | None, zone: str = "Asia/Shanghai"
) -> CustomerLake:
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return CustomerLake(
        path=tmp_path,
        index_dir=tmp_path / "no-index",
        time_zone=zone,
        files={"transactions": (str(path),)},
        digests={} if digest is None else {"transactions": digest},
    )


ROWS = (
    "C1,T1,2026-09-01 10:00:00,100.00,credit,branch,DEP\n"
    "C1,T2,2026-09-02 11:30:00,25.50,debit,mobile,DEP\n"
    "C2,T3,2026-09-03 09:00:00,7.00,credit,branch,DEP\n"
)


def test_a_second_read_asks_duckdb_nothing_and_gives_fresh_rows(
    tmp_path: Path, reads: list[str]
) -> None:
    lake = _lake(tmp_path, ROWS, digest="d1")
    first = lr.customer_transactions(lake, "C1")
    shanghai = ZoneInfo("Asia/Shanghai")
    # Newest first; the CSV's times without an offset are bank time.
    assert [(r["txn_id"], r["amount"], r["ts"]) for r in first] == [
        ("T2", Decimal("25.50"), dt.datetime(2026, 9, 2, 11, 30, tzinfo=shanghai)),
        ("T1", Decimal("100.00"), dt.datetime(2026, 9, 1, 10, 0, tzinfo=shanghai)),
    ]
    assert len(reads) == 1
    first[0]["product"] = "added by the page"  # customer_360 adds keys to the rows
    second = lr.customer_transactions(lake, "C1")
    assert len(reads) == 1
    assert [r["txn_id"] for r in second] == ["T2", "T1"]
    assert "product" not in second[0]
    # Another customer and another limit are other statements.
    assert [r["txn_id"] for r in lr.customer_transactions(lake, "C2")] == ["T3"]
    assert [r["txn_id"] for r in lr.customer_transactions(lake, "C1", limit=1)] == ["T2"]
    assert len(reads) == 3


def test_changed_files_have_new_digests_and_are_read_afresh(
    tmp_path: Path, reads: list[str]
) -> None:
    before = lr.customer_transactions(_lake(tmp_path, ROWS, digest="d1"), "C1")
    assert [r["txn_id"] for r in before] == ["T2", "T1"]
    again = ROWS + "C1,T9,2026-09-30 08:00:00,1.00,credit,branch,DEP\n"
    after = lr.customer_transactions(_lake(tmp_path, again, digest="d2"), "C1")
    assert [r["txn_id"] for r in after] == ["T9", "T2", "T1"]
    assert len(reads) == 2


def test_the_time_zone_is_part_of_the_key(tmp_path: Path, reads: list[str]) -> None:
    shanghai = lr.customer_transactions(_lake(tmp_path, ROWS, digest="d1"), "C2")
    utc = lr.customer_transactions(_lake(tmp_path, ROWS, digest="d1", zone="UTC"), "C2")
    assert len(reads) == 2
    # The same wall time read in two zones: eight hours apart.
    assert utc[0]["ts"] - shanghai[0]["ts"] == dt.timedelta(hours=8)


def test_a_lake_without_digests_is_read_every_time(tmp_path: Path, reads: list[str]) -> None:
    lake = _lake(tmp_path, ROWS, digest=None)
    lr.customer_transactions(lake, "C1")
    lr.customer_transactions(lake, "C1")
    assert len(reads) == 2


def test_the_least_recently_used_read_is_dropped() -> None:
    kept = _RowsKept(2)
    a, b, c = ("d", "UTC", "a"), ("d", "UTC", "b"), ("d", "UTC", "c")
    kept.put(a, ({"x": 1},))
    kept.put(b, ({"x": 2},))
    assert kept.get(a) == ({"x": 1},)  # a is now the most recently used
    kept.put(c, ({"x": 3},))
    assert kept.get(b) is None
    assert kept.get(a) == ({"x": 1},) and kept.get(c) == ({"x": 3},)
