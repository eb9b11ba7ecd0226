"""A lake that ends mid-month (the demo's T+1 lake ends yesterday) has nothing after its end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rmperf.engine.validate import validate_lake
from rmperf.synth import generate

END = dt.date(2026, 6, 17)  # a Wednesday in the middle of a month


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mid-month") / "lake"
    generate(scale="tiny", seed=3, out=out, end=END)
    return out


def test_validation_on_the_day_after_the_end_rejects_nothing(lake: Path) -> None:
    # The contract refuses timestamps after the validation day; the day after END is the
    # first day a T+1 lake ending on END is read, so nothing may be dated after END + 1.
    report = validate_lake(lake, today=END + dt.timedelta(days=1), write_rejects=False)
    assert report.problems == []
    rejected = {t: s.rejected for t, s in report.summaries.items() if s.rejected}
    assert rejected == {}


def test_no_interaction_or_transaction_after_the_end(lake: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    for table in ("interactions", "transactions", "events"):
        source = lake / f"{table}.parquet"
        last = con.execute(f"SELECT max(ts)::DATE FROM read_parquet('{source}')").fetchone()
        assert last is not None and last[0] <= END, table
