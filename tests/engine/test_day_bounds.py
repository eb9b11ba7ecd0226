"""Business-date windows compared as instants (activity.on_days) select exactly the rows
whose business date lies in the window, also around clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from rmperf.engine.activity import business_date, on_days
from rmperf.engine.ibis_tables import compile_sql, contract_table

# Every 20 minutes over two days around a clock change at midnight (São Paulo, 4 Nov
# 2018: 00:00 became 01:00, so that day began at 03:00 UTC) and one at 01:00 UTC
# (London, 28 Oct 2018: 02:00 BST became 01:00 GMT), and over ordinary Shanghai days.
CASES = [
    ("America/Sao_Paulo", datetime(2018, 11, 3, tzinfo=UTC), date(2018, 11, 4)),
    ("Europe/London", datetime(2018, 10, 27, tzinfo=UTC), date(2018, 10, 28)),
    ("Asia/Shanghai", datetime(2026, 6, 29, tzinfo=UTC), date(2026, 6, 30)),
]


@pytest.mark.parametrize(("zone", "start", "day"), CASES)
def test_on_days_equals_comparing_business_dates(zone: str, start: datetime, day: date) -> None:
    instants = [start + timedelta(minutes=20 * k) for k in range(3 * 72)]
    con = duckdb.connect()
    con.execute("CREATE TABLE rm_valid_transactions (txn_id VARCHAR, ts TIMESTAMPTZ)")
    con.executemany(
        "INSERT INTO rm_valid_transactions VALUES (?, ?)",
        [(str(k), ts) for k, ts in enumerate(instants)],
    )
    txn = contract_table("transactions")
    for first, last in ((day, day), (day, None), (None, day), (day - timedelta(days=1), day)):
        by_instant = txn.filter(on_days(txn.ts, first, last, zone)).select("txn_id")
        bday = business_date("duckdb", txn.ts, zone)
        cond = bday.notnull()
        if first is not None:
            cond &= bday >= first
        if last is not None:
            cond &= bday <= last
        by_date = txn.filter(cond).select("txn_id")
        got = {r[0] for r in con.sql(compile_sql(by_instant, "duckdb")).fetchall()}
        want = {r[0] for r in con.sql(compile_sql(by_date, "duckdb")).fetchall()}
        assert got == want, (zone, first, last)
        assert got  # the window is never empty here


def test_a_day_without_midnight_starts_at_the_clock_change() -> None:
    # São Paulo, 4 Nov 2018: at 00:00 (-03:00, i.e. 03:00 UTC) clocks jumped to 01:00
    # (-02:00), so the day's first instant is 03:00 UTC and 02:59:59 UTC is still 3 Nov.
    con = duckdb.connect()
    con.execute("CREATE TABLE rm_valid_transactions (txn_id VARCHAR, ts TIMESTAMPTZ)")
    con.execute(
        "INSERT INTO rm_valid_transactions VALUES "
        "('before', TIMESTAMPTZ '2018-11-04 02:59:59+00'), "
        "('first', TIMESTAMPTZ '2018-11-04 03:00:00+00')"
    )
    txn = contract_table("transactions")
    day = date(2018, 11, 4)
    expr = txn.filter(on_days(txn.ts, day, day, "America/Sao_Paulo")).select("txn_id")
    assert con.sql(compile_sql(expr, "duckdb")).fetchall() == [("first",)]
