"""The demo scale: size, the case RM's book of about 200 and the planted signal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from rmperf.synth import CASE_RM_STAFF_ID, generate
from tests.synth.conftest import END, START
from tests.synth.lakecheck import conformance_problems, connect
from tests.synth.test_shapes import D, one, recency_sql

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "lake"
    generate("small", seed=42, out=out, start=START, end=END)
    return out


@pytest.fixture(scope="module")
def con(small: Path) -> duckdb.DuckDBPyConnection:
    return connect(small)


def test_small_conforms_and_has_the_demo_size(small: Path, con: duckdb.DuckDBPyConnection) -> None:
    assert conformance_problems(small, END) == []
    customers, staff, branches = one(
        con,
        """SELECT (SELECT count(*) FROM customers),
        (SELECT count(*) FROM staff), (SELECT count(*) FROM org_units WHERE kind = 'branch')""",
    )
    assert (customers, branches) == (20_000, 4)
    assert 50 <= staff <= 70  # type: ignore[operator]
    (txns,) = one(con, "SELECT count(*) FROM transactions")
    assert 1_500_000 <= txns <= 3_000_000  # type: ignore[operator]


def test_case_rm_has_about_200_customers_22_percent_sleeping(
    con: duckdb.DuckDBPyConnection,
) -> None:
    book = f"""customer_id IN (SELECT customer_id FROM assignments
        WHERE staff_id = '{CASE_RM_STAFF_ID}' AND valid_from <= {D}
        AND (valid_to IS NULL OR valid_to >= {D}))"""
    n, sleeping = one(con, f"SELECT count(*), avg((r >= 180)::INT) FROM ({recency_sql(book)})")
    assert 180 <= n <= 220  # type: ignore[operator]
    assert sleeping == pytest.approx(0.22, abs=0.03)
    (overall,) = one(con, f"SELECT avg((r >= 180)::INT) FROM ({recency_sql()})")
    assert 0.15 <= overall <= 0.25  # type: ignore[operator]


def test_wealth_inquiries_precede_wealth_purchases(con: duckdb.DuckDBPyConnection) -> None:
    # Customer-months: did the customer ask about wealth in the last ~90 days, and did
    # they buy a (non-renewal) wealth product that month?
    with_inq, without_inq = one(
        con,
        f"""
        WITH months AS (
            SELECT c.customer_id, m::DATE AS m FROM customers c,
                range(DATE '{START.isoformat()}', {D}, INTERVAL 1 MONTH) r(m)
            WHERE c.opened_on < m::DATE),
        inq AS (SELECT customer_id, CAST(ts AT TIME ZONE 'Asia/Shanghai' AS DATE) AS d
                FROM events WHERE kind = 'inquiry.wealth'),
        buys AS (
            SELECT h.customer_id, date_trunc('month', h.start_date) AS m
            FROM holdings h JOIN products p USING (product_id)
            WHERE p.category = 'wealth' AND h.start_date >= DATE '{START.isoformat()}'
              AND NOT EXISTS (SELECT 1 FROM holdings o WHERE o.customer_id = h.customer_id
                  AND o.product_id = h.product_id AND o.maturity_date + 1 = h.start_date)),
        cm AS (
            SELECT months.customer_id, months.m,
                EXISTS (SELECT 1 FROM inq WHERE inq.customer_id = months.customer_id
                        AND inq.d >= months.m - INTERVAL 2 MONTH
                        AND inq.d < months.m + INTERVAL 1 MONTH) AS asked,
                EXISTS (SELECT 1 FROM buys WHERE buys.customer_id = months.customer_id
                        AND buys.m = months.m) AS bought
            FROM months)
        SELECT avg(bought::INT) FILTER (WHERE asked), avg(bought::INT) FILTER (WHERE NOT asked)
        FROM cm""",
    )
    assert with_inq > 2.5 * without_inq  # type: ignore[operator]


def test_mortgage_page_views_precede_mortgages(con: duckdb.DuckDBPyConnection) -> None:
    viewers, others = one(
        con,
        """
        WITH views AS (
            SELECT customer_id, min(CAST(ts AT TIME ZONE 'Asia/Shanghai' AS DATE)) AS first
            FROM events WHERE kind = 'page_view.mortgage'
            GROUP BY customer_id HAVING count(*) >= 3),
        mortgages AS (
            SELECT l.customer_id, l.disbursed_on FROM loans l JOIN products p USING (product_id)
            WHERE p.category = 'mortgage')
        SELECT
            avg(EXISTS (SELECT 1 FROM mortgages m WHERE m.customer_id = v.customer_id
                AND m.disbursed_on BETWEEN v.first AND v.first + 150)::INT)
                FILTER (WHERE v.customer_id IS NOT NULL),
            (SELECT avg(EXISTS (SELECT 1 FROM mortgages m WHERE m.customer_id = c.customer_id
                AND m.disbursed_on >= DATE '2024-01-01')::INT)
             FROM customers c WHERE c.kind = 'retail'
               AND c.customer_id NOT IN (SELECT customer_id FROM views))
        FROM views v""",
    )
    assert viewers > 0.25  # type: ignore[operator]
    assert viewers > 10 * others  # type: ignore[operator]


def test_loan_book_quality(con: duckdb.DuckDBPyConnection) -> None:
    grades = dict(
        con.execute("""SELECT grade, count(*) FROM loan_status
        WHERE month = (SELECT max(month) FROM loan_status) GROUP BY grade""").fetchall()
    )
    total = sum(grades.values())
    npl = sum(grades.get(g, 0) for g in ("substandard", "doubtful", "loss"))
    assert {"normal", "special_mention", "substandard"} <= set(grades)
    assert 0.002 <= npl / total <= 0.05


def test_business_lines_and_their_books(con: duckdb.DuckDBPyConnection) -> None:
    """Branches with five or more RMs have a corporate RM (and every second one a sci-tech
    RM) who serve the branch's corporate customers; retail RMs keep the retail customers."""
    lines = dict(
        con.execute(
            "SELECT business_line, count(*) FROM staff WHERE role = 'rm' GROUP BY 1"
        ).fetchall()
    )
    (branches_with_five,) = one(
        con,
        """SELECT count(*) FROM (SELECT u.parent_id FROM staff s
        JOIN org_units u ON u.unit_id = s.unit_id WHERE s.role = 'rm'
        GROUP BY 1 HAVING count(*) >= 5)""",
    )
    assert lines["corporate"] == branches_with_five
    assert 1 <= lines["sci_tech"] <= lines["corporate"]
    (non_rm_lines,) = one(
        con, "SELECT count(*) FROM staff WHERE role <> 'rm' AND business_line IS NOT NULL"
    )
    assert non_rm_lines == 0
    # Every assignment slice puts a customer with an RM of its line (the case RM's own book
    # is left as seed 000 describes it, with its few corporate customers).
    mismatched = con.execute(
        f"""SELECT s.business_line, c.kind, count(*) FROM assignments a
        JOIN staff s USING (staff_id) JOIN customers c USING (customer_id)
        JOIN org_units t ON t.unit_id = s.unit_id
        WHERE a.staff_id <> '{CASE_RM_STAFF_ID}'
          AND (c.kind = 'corporate') <> (s.business_line IN ('corporate', 'sci_tech'))
          AND t.parent_id IN (SELECT t2.parent_id FROM staff s2
              JOIN org_units t2 ON t2.unit_id = s2.unit_id WHERE s2.business_line = 'corporate')
        GROUP BY ALL"""
    ).fetchall()
    assert mismatched == []
    # Sci-tech enterprises of a branch with a sci-tech RM are all with that RM.
    (sci_elsewhere,) = one(
        con,
        """SELECT count(*) FROM assignments a JOIN staff s USING (staff_id)
        JOIN customers c USING (customer_id) JOIN org_units t ON t.unit_id = s.unit_id
        WHERE c.sci_tech AND s.business_line <> 'sci_tech'
          AND t.parent_id IN (SELECT t2.parent_id FROM staff s2
              JOIN org_units t2 ON t2.unit_id = s2.unit_id WHERE s2.business_line = 'sci_tech')""",
    )
    assert sci_elsewhere == 0


def test_compliance_breaches_are_rare_and_on_customers(con: duckdb.DuckDBPyConnection) -> None:
    n, details, outside = one(
        con,
        f"""SELECT count(*), count(DISTINCT detail),
        count(*) FILTER (WHERE CAST(ts AS DATE) > {D})
        FROM events WHERE kind = 'compliance.breach'""",
    )
    # 0.35 a year per 800 customers: about 24 over 2.75 years for 20,000 customers.
    assert 8 <= n <= 60  # type: ignore[operator]
    assert details == 3
    assert outside == 0


def test_pay_of_the_last_closed_quarter_shows_every_kind_of_line(
    small: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """What `rmperf demo` shows for its last closed quarter (END 2026-09-30 → 2026Q3): a held
    part, a deferral release, a malus and a clawback, each for at least one RM.

    Ratings: every RM 良好 in every quarter since the first loan (coefficient 1.00), so
    the result depends on the generated lake only. The clawback is the first branch's
    former RM's: their large loans of the twelve quarters before 2026Q3 first reach
    substandard in 2026-09 (activity._former_book_sours), costing more than the thirds a
    leaver still has, so the rest is a negative line in 2026Q3.
    """
    import csv

    from rmperf.cli import main

    rms = [r[0] for r in con.execute("SELECT staff_id FROM staff WHERE role = 'rm'").fetchall()]
    quarters = [f"{y}Q{q}" for y in range(2023, 2027) for q in range(1, 5)][: 4 * 3 + 3]
    assert quarters[0] == "2023Q1" and quarters[-1] == "2026Q3"
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "staff_id,period,tier\n" + "".join(f"{s},{q},good\n" for s in rms for q in quarters),
        encoding="utf-8",
    )
    out = tmp_path / "pay.csv"
    argv = ["pay", "--lake", str(small), "--period", "2026Q3", "--today", "2026-10-01",
            "--ratings", str(ratings), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["period"] for r in rows} == {"2026Q3"}

    def count(column: str, sign: int) -> int:
        return sum(1 for r in rows if Decimal(r[column]) * sign > 0)

    assert count("held", 1) >= 1
    assert count("deferral_released", 1) >= 1
    assert count("malus", 1) >= 1
    assert count("clawback", -1) >= 1
    (former,) = one(
        con,
        # Former RMs follow everyone else in branch order: the first is the first branch's.
        "SELECT staff_id FROM staff WHERE left_on IS NOT NULL ORDER BY staff_id LIMIT 1",
    )
    clawed = {r["staff_id"] for r in rows if Decimal(r["clawback"]) < 0}
    assert former in clawed
    # The leaver's clawback is what the costs leave after every unreleased third: their
    # deferral balance is empty at the quarter's end.
    (theirs,) = [r for r in rows if r["staff_id"] == former]
    assert Decimal(theirs["deferral_balance"]) == 0
    # Their soured loans: large (≥ 2,000,000.00), first substandard in 2026-09.
    (soured,) = one(
        con,
        f"""SELECT count(*) FROM loans l WHERE l.staff_id = '{former}'
        AND l.amount >= 2000000 AND (SELECT min(month) FROM loan_status s
            WHERE s.loan_id = l.loan_id AND s.grade <> 'normal'
              AND s.grade <> 'special_mention') = '2026-09'""",
    )
    assert soured >= 1  # type: ignore[operator]
