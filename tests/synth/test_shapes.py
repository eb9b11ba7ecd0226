"""The synthetic bank has the shapes the product relies on (checked in DuckDB)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rmperf.engine.contract import ROLES
from rmperf.synth import CASE_RM_STAFF_ID
from tests.synth.conftest import END
from tests.synth.lakecheck import connect

D = f"DATE '{END.isoformat()}'"
BDATE = "CAST(ts AT TIME ZONE 'Asia/Shanghai' AS DATE)"


@pytest.fixture(scope="module")
def con(tiny_lake: Path) -> duckdb.DuckDBPyConnection:
    return connect(tiny_lake)


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def recency_sql(where: str = "TRUE") -> str:
    """Per customer opened by END: days from the last transaction (or opening) to END."""
    return f"""
        WITH last_txn AS (
            SELECT customer_id, max({BDATE}) AS d FROM transactions
            WHERE {BDATE} <= {D} GROUP BY customer_id)
        SELECT c.customer_id, date_diff('day', coalesce(l.d, c.opened_on), {D}) AS r
        FROM customers c LEFT JOIN last_txn l USING (customer_id)
        WHERE c.opened_on <= {D} AND {where}
    """


def test_every_role_is_staffed(con: duckdb.DuckDBPyConnection) -> None:
    roles = {r for (r,) in con.execute("SELECT DISTINCT role FROM staff").fetchall()}
    assert roles == set(ROLES)
    (n,) = one(con, "SELECT count(*) FROM staff")
    assert 8 <= int(n) <= 12  # type: ignore[call-overload]


def test_case_rm_book_and_sleeping_share(con: duckdb.DuckDBPyConnection) -> None:
    book = f"""customer_id IN (SELECT customer_id FROM assignments
        WHERE staff_id = '{CASE_RM_STAFF_ID}' AND valid_from <= {D}
        AND (valid_to IS NULL OR valid_to >= {D}))"""
    n, sleeping = one(con, f"SELECT count(*), avg((r >= 180)::INT) FROM ({recency_sql(book)})")
    # tiny: 400 customers, the case RM's book scaled down to about 60.
    assert 50 <= n <= 70  # type: ignore[operator]
    assert sleeping == pytest.approx(0.22, abs=0.04)


def test_overall_sleeping_share(con: duckdb.DuckDBPyConnection) -> None:
    (share,) = one(con, f"SELECT avg((r >= 180)::INT) FROM ({recency_sql()})")
    assert 0.12 <= share <= 0.28  # type: ignore[operator]


def test_no_transaction_before_opening_or_after_end(con: duckdb.DuckDBPyConnection) -> None:
    (bad,) = one(
        con,
        f"""SELECT count(*) FROM transactions t JOIN customers c USING (customer_id)
        WHERE {BDATE} < c.opened_on OR {BDATE} > {D}""",
    )
    assert bad == 0


def test_month_end_and_quarter_end_carry_more_transactions(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        con.execute(f"""
        WITH days AS (SELECT {BDATE} AS d FROM transactions),
        per_day AS (SELECT d, count(*) AS n FROM days GROUP BY d)
        SELECT CASE WHEN d = last_day(d) AND month(d) % 3 = 0 THEN 'quarter_end'
                    WHEN d = last_day(d) THEN 'month_end' ELSE 'other' END, avg(n)
        FROM per_day GROUP BY 1""").fetchall()
    )
    assert rows["month_end"] > 1.4 * rows["other"]
    assert rows["quarter_end"] > rows["month_end"]


def test_month_end_spikes_fall_back(con: duckdb.DuckDBPyConnection) -> None:
    # 时点冲量: some deposit month-ends far above the month's average, more at quarter
    # ends, and the next month's average is back below the spike.
    spikes, q_share, fell_back = one(
        con,
        """
        WITH d AS (
            SELECT customer_id, month, avg_daily_balance AS a, month_end_balance AS e,
                   lead(avg_daily_balance) OVER w AS na, lag(month) OVER w AS prev
            FROM balances WHERE category = 'deposit' AND avg_daily_balance > 0
            WINDOW w AS (PARTITION BY customer_id ORDER BY month)),
        -- the opening month's average covers only part of the month: leave it out
        s AS (SELECT * FROM d WHERE e >= 1.9 * a AND prev IS NOT NULL)
        SELECT count(*),
               avg((CAST(right(month, 2) AS INT) % 3 = 0)::INT),
               avg((na < 0.8 * e)::INT) FILTER (WHERE na IS NOT NULL)
        FROM s""",
    )
    assert spikes >= 10  # type: ignore[operator]
    assert q_share > 0.8  # type: ignore[operator]
    assert fell_back > 0.9  # type: ignore[operator]


def test_balances_cover_asset_categories_and_loans(con: duckdb.DuckDBPyConnection) -> None:
    cats = {c for (c,) in con.execute("SELECT DISTINCT category FROM balances").fetchall()}
    assert {"deposit", "wealth", "fund", "insurance", "loan"} <= cats


def test_retail_aum_is_long_tailed(con: duckdb.DuckDBPyConnection) -> None:
    median, rich = one(
        con,
        """
        WITH aum AS (
            SELECT b.customer_id, sum(avg_daily_balance) AS m FROM balances b
            JOIN customers c USING (customer_id)
            WHERE c.kind = 'retail' AND month = (SELECT max(month) FROM balances)
              AND category IN ('deposit', 'wealth', 'fund', 'insurance')
            GROUP BY b.customer_id)
        SELECT median(m), avg((m >= 500000)::INT) FROM aum""",
    )
    assert 30_000 <= median <= 150_000  # type: ignore[operator]
    assert 0.01 <= rich <= 0.15  # type: ignore[operator]


def test_loan_grades_follow_overdue_days_and_only_age(con: duckdb.DuckDBPyConnection) -> None:
    (bad,) = one(
        con,
        """SELECT count(*) FROM loan_status WHERE grade <> CASE
        WHEN overdue_days = 0 THEN 'normal' WHEN overdue_days <= 90 THEN 'special_mention'
        WHEN overdue_days <= 270 THEN 'substandard' WHEN overdue_days <= 360 THEN 'doubtful'
        ELSE 'loss' END""",
    )
    assert bad == 0
    (backwards,) = one(
        con,
        """
        WITH s AS (SELECT loan_id, month, overdue_days,
            lag(overdue_days) OVER (PARTITION BY loan_id ORDER BY month) AS prev
            FROM loan_status)
        SELECT count(*) FROM s WHERE prev > 0 AND overdue_days <= prev""",
    )
    assert backwards == 0
    (months_missing,) = one(
        con,
        """
        SELECT count(*) FROM (SELECT loan_id, count(*) AS n, min(month) AS lo, max(month) AS hi
            FROM loan_status GROUP BY loan_id)
        WHERE n <> date_diff('month', CAST(lo || '-01' AS DATE), CAST(hi || '-01' AS DATE)) + 1""",
    )
    assert months_missing == 0


def test_loans_are_held_and_flagged(con: duckdb.DuckDBPyConnection) -> None:
    kinds = {
        k
        for (k,) in con.execute("""SELECT DISTINCT p.category FROM loans
        JOIN products p USING (product_id)""").fetchall()
    }
    assert {"mortgage", "business_loan"} <= kinds
    (missing,) = one(
        con,
        """SELECT count(*) FROM loans l ANTI JOIN holdings h
        ON h.customer_id = l.customer_id AND h.product_id = l.product_id
        AND h.start_date = l.disbursed_on""",
    )
    (n,) = one(con, "SELECT count(*) FROM loans")
    assert missing <= 0.01 * n  # type: ignore[operator]
    (inclusive,) = one(con, "SELECT count(*) FILTER (WHERE inclusive) FROM loans")
    assert inclusive > 0  # type: ignore[operator]


def test_referral_lifecycle(con: duckdb.DuckDBPyConnection) -> None:
    (bad,) = one(
        con,
        """SELECT count(*) FROM referrals
        WHERE (status = 'converted') <> (converted_at IS NOT NULL)
           OR (status IN ('accepted', 'contacted', 'converted', 'lost')) <> (responded_at IS NOT NULL)""",
    )
    assert bad == 0
    fast, total = one(
        con,
        """SELECT count(*) FILTER (WHERE responded_at - created_at
        <= INTERVAL 24 HOUR), count(responded_at) FROM referrals""",
    )
    assert fast > 0.7 * total  # type: ignore[operator]
    # Teller → RM referrals follow the rule book: a new account of 50,000 or more and a
    # wealth question the same day.
    (off_rule,) = one(
        con,
        """
        SELECT count(*) FROM referrals r JOIN staff f ON f.staff_id = r.from_staff_id
        WHERE f.role = 'teller' AND NOT EXISTS (
            SELECT 1 FROM events o JOIN events q USING (customer_id)
            WHERE o.customer_id = r.customer_id AND o.kind = 'account.opened'
              AND CAST(split_part(o.detail, '=', 2) AS DECIMAL(18,2)) >= 50000
              AND q.kind = 'inquiry.wealth'
              AND CAST(q.ts AT TIME ZONE 'Asia/Shanghai' AS DATE)
                = CAST(o.ts AT TIME ZONE 'Asia/Shanghai' AS DATE))""",
    )
    assert off_rule == 0
    (tellers,) = one(
        con,
        """SELECT count(*) FROM referrals r
        JOIN staff f ON f.staff_id = r.from_staff_id JOIN staff t ON t.staff_id = r.to_staff_id
        WHERE f.role = 'teller' AND t.role = 'rm'""",
    )
    assert tellers > 0  # type: ignore[operator]


def test_payroll_arrives_on_a_fixed_day(con: duckdb.DuckDBPyConnection) -> None:
    # The payroll day moves at most two days earlier when it falls on a weekend.
    (wobbly,) = one(
        con,
        f"""SELECT count(*) FROM (
        SELECT customer_id, max(day({BDATE})) - min(day({BDATE})) AS spread
        FROM events WHERE kind = 'payroll.credit' GROUP BY customer_id) WHERE spread > 2""",
    )
    (payees,) = one(
        con, "SELECT count(DISTINCT customer_id) FROM events WHERE kind = 'payroll.credit'"
    )
    assert payees > 20  # type: ignore[operator]
    assert wobbly == 0


def test_all_event_kinds_occur(con: duckdb.DuckDBPyConnection) -> None:
    kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM events").fetchall()}
    assert {
        "page_view.mortgage",
        "inquiry.wealth",
        "inquiry.business_loan",
        "payroll.credit",
        "mortgage.disbursed",
        "account.opened",
        "complaint",
    } <= kinds
    (repeat_viewers,) = one(
        con,
        """SELECT count(*) FROM (SELECT customer_id FROM events
        WHERE kind = 'page_view.mortgage' GROUP BY customer_id HAVING count(*) >= 3)""",
    )
    assert repeat_viewers > 0  # type: ignore[operator]


def test_customer_data_quality_mix(con: duckdb.DuckDBPyConnection) -> None:
    expired, unassessed, stale_contact, opted_out = one(
        con,
        f"""SELECT
        avg((risk_assessed_on < {D} - INTERVAL 12 MONTH)::INT),
        avg((risk_level IS NULL)::INT),
        avg((contact_verified_on < {D} - INTERVAL 6 MONTH)::INT),
        avg(marketing_opt_out::INT) FROM customers""",
    )
    assert 0.05 <= expired <= 0.40  # type: ignore[operator]
    assert 0.02 <= unassessed <= 0.25  # type: ignore[operator]
    assert 0.15 <= stale_contact <= 0.5  # type: ignore[operator]
    assert 0.0 < opted_out <= 0.08  # type: ignore[operator]


def test_assignments_are_time_sliced(con: duckdb.DuckDBPyConnection) -> None:
    moved, bad = one(
        con,
        """
        WITH a AS (SELECT *, lead(valid_from) OVER w AS next_from,
                   lead(staff_id) OVER w AS next_staff
                   FROM assignments WINDOW w AS (PARTITION BY customer_id ORDER BY valid_from))
        SELECT count(*) FILTER (WHERE next_from IS NOT NULL),
               count(*) FILTER (WHERE next_from IS NOT NULL AND
                   (valid_to + 1 <> next_from OR next_staff = staff_id))
        FROM a""",
    )
    assert moved > 0  # type: ignore[operator]
    assert bad == 0
    (open_slices,) = one(
        con,
        """SELECT count(*) FROM (SELECT customer_id FROM assignments
        WHERE valid_to IS NULL GROUP BY customer_id HAVING count(*) <> 1)""",
    )
    assert open_slices == 0


def test_maturities_may_lie_after_end(con: duckdb.DuckDBPyConnection) -> None:
    (later,) = one(con, f"SELECT count(*) FROM holdings WHERE maturity_date > {D}")
    assert later > 0  # type: ignore[operator]


def test_requests_mostly_within_24_hours(con: duckdb.DuckDBPyConnection) -> None:
    fast, resolved, total = one(
        con,
        """SELECT
        count(*) FILTER (WHERE resolved_at - received_at <= INTERVAL 24 HOUR),
        count(resolved_at), count(*) FROM requests""",
    )
    assert fast > 0.85 * resolved  # type: ignore[operator]
    assert fast < resolved  # some take longer (~7 % over 24 h, 3 % stuck for days)
    # Nothing stays open for ever: a request still open at the end arrived in its last 20 days.
    (stale_open,) = one(
        con,
        f"""SELECT count(*) FROM requests
        WHERE resolved_at IS NULL AND CAST(received_at AS DATE) < {D} - INTERVAL 20 DAY""",
    )
    assert stale_open == 0
    (stuck,) = one(
        con, "SELECT count(*) FROM requests WHERE resolved_at - received_at > INTERVAL 3 DAY"
    )
    assert 0.01 * total < stuck < 0.06 * total  # type: ignore[operator]


def test_feedback_scales(con: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(con.execute("SELECT kind, max(score) FROM feedback GROUP BY kind").fetchall())
    assert set(kinds) == {"nps", "mystery_shopper", "peer", "risk_due_diligence"}
    assert kinds["nps"] <= 10
    assert kinds["peer"] > 10


def test_personal_identifiers_are_realistic(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""SELECT kind, id_number, strftime(birth_date, '%Y%m%d'), phone, name
        FROM customers""").fetchall()
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for kind, id_number, birth, phone, name in rows:
        if kind == "retail":
            assert 2 <= len(name) <= 4
            if id_number is not None:
                assert len(id_number) == 18 and id_number[6:14] == birth
                check = "10X98765432"[
                    sum(int(a) * w for a, w in zip(id_number[:17], weights, strict=True)) % 11
                ]
                assert id_number[17] == check
            if phone is not None:
                assert len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789"
        else:
            assert name.endswith("公司")
            if id_number is not None:
                assert len(id_number) == 18 and id_number.startswith("91")
