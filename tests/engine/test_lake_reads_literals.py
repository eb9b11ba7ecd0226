"""The customer reads write their values into the SQL as literals (DuckDB prunes by a
literal, not by a bound parameter): quoting must hold against any text."""

from __future__ import annotations

import duckdb
import pytest

from rmperf.engine.lake_reads import _with_literals


def test_values_become_quoted_literals() -> None:
    sql = _with_literals("SELECT ? AS a, ? AS b, ? AS c", ["C1", 20, ["L1", "L2"]])
    assert sql == "SELECT 'C1' AS a, 20 AS b, ['L1', 'L2'] AS c"


def test_a_quote_in_a_value_stays_inside_the_literal() -> None:
    hostile = "C1' OR 1=1 --"
    con = duckdb.connect()
    con.execute("CREATE TABLE t (customer_id VARCHAR)")
    con.execute("INSERT INTO t VALUES ('C1'), ('C2'), (?)", [hostile])
    sql = _with_literals("SELECT customer_id FROM t WHERE customer_id = ?", [hostile])
    assert con.sql(sql).fetchall() == [(hostile,)]
    listed = _with_literals(
        "SELECT customer_id FROM t WHERE customer_id IN (SELECT UNNEST(?::VARCHAR[]))",
        [[hostile, "C2"]],
    )
    assert sorted(r[0] for r in con.sql(listed).fetchall()) == sorted([hostile, "C2"])


@pytest.mark.parametrize("value", [1.5, None, True, b"C1", ["C1", 2]])
def test_other_values_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        _with_literals("SELECT ?", [value])


def test_placeholders_and_values_must_match() -> None:
    with pytest.raises(ValueError, match="2 placeholders for 1 parameters"):
        _with_literals("SELECT ?, ?", ["a"])
