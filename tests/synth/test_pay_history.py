"""The synthetic bank carries pay history (DOMAIN §6): loans from the year before the
window, a former RM who left with loans of their own, and material-risk flags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.synth.conftest import START
from tests.synth.lakecheck import connect
from tests.synth.test_shapes import one


@pytest.fixture(scope="module")
def con(tiny_lake: Path) -> duckdb.DuckDBPyConnection:
    return connect(tiny_lake)


def test_loans_start_in_the_year_before_the_window(con: duckdb.DuckDBPyConnection) -> None:
    (first,) = one(con, "SELECT min(disbursed_on) FROM loans")
    assert isinstance(first, dt.date)
    assert START - dt.timedelta(days=365) <= first < START


def test_a_former_rm_left_inside_the_window_with_loans_of_their_own(
    con: duckdb.DuckDBPyConnection,
) -> None:
    leavers = con.execute(
        "SELECT staff_id, role, hired_on, left_on, material_risk FROM staff "
        "WHERE left_on IS NOT NULL"
    ).fetchall()
    assert len(leavers) == 1  # tiny: one branch, index 0
    staff_id, role, hired, left, material = leavers[0]
    assert role == "rm" and material is False
    assert hired < START <= left
    n, first, last = one(
        con,
        f"SELECT count(*), min(disbursed_on), max(disbursed_on) FROM loans "
        f"WHERE staff_id = '{staff_id}'",
    )
    assert n > 0
    assert hired <= first and last <= left  # type: ignore[operator]
    (served,) = one(con, f"SELECT count(*) FROM assignments WHERE staff_id = '{staff_id}'")
    assert served == 0


def test_material_risk_only_for_rms(con: duckdb.DuckDBPyConnection) -> None:
    (non_rm,) = one(
        con, "SELECT count(*) FROM staff WHERE role <> 'rm' AND material_risk IS NOT NULL"
    )
    (unset,) = one(con, "SELECT count(*) FROM staff WHERE role = 'rm' AND material_risk IS NULL")
    assert (non_rm, unset) == (0, 0)
    # Corporate RMs are the material-risk ones (none at the tiny scale's one small branch).
    (wrong,) = one(
        con,
        "SELECT count(*) FROM staff WHERE role = 'rm' "
        "AND material_risk <> (business_line = 'corporate')",
    )
    assert wrong == 0
