"""What the recommender knows about each customer at an as-of date D, from the lake's
valid views (one DuckDB query per date; the recommender runs on DuckDB only, see
docs/recommend.md).

Semantics, each stated once:
- A customer is anyone opened on or before D; `rm_id` is the RM assigned on D (latest
  start wins), `age` whole years at D, `tenure_days` D − opened_on.
- `aum` is the mean over the 3 calendar months ending with D's month of the sum of
  average daily balances in deposit, wealth, fund and insurance (a missing month is 0).
- `holds_<category>`: a holding with start_date ≤ D ≤ maturity_date (none: open-ended),
  or a loan with disbursed_on ≤ D ≤ maturity_date. `ever_<category>`: any holding or
  loan of the category that started on or before D.
- Event counts use the business date (bank time) and windows D − n + 1 … D; events after D
  are not known at D. A kind matches itself and its dotted sub-kinds.
- `payroll_dom` is the day of month of the latest payroll.credit on or before D.
- Maturities: holdings with D ≤ maturity_date ≤ D + days, started on or before D.
"""

# ruff: noqa: S608 - SQL over generated names; literals are quoted by the dialect

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyarrow as pa

from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.policy import RecommendPolicy
from rmperf.engine.segmentation.tags import add_months
from rmperf.engine.validity import DUCKDB

TABLES = (
    "customers",
    "assignments",
    "balances",
    "holdings",
    "loans",
    "products",
    "events",
    "interactions",
)
ASSET_CATEGORIES = ("deposit", "wealth", "fund", "insurance")
#: Event kinds counted as model features (30 and 90 days); rule counts are separate.
FEATURE_EVENT_KINDS = (
    "page_view.mortgage",
    "page_view.wealth",
    "page_view.fund",
    "inquiry.wealth",
    "inquiry.business_loan",
    "payroll.credit",
    "mortgage.disbursed",
    "complaint",
)


def lit(value: str | dt.date) -> str:
    """A quoted SQL literal: text, or a DATE for a date."""
    if isinstance(value, dt.date):
        return f"DATE {DUCKDB.lit(value.isoformat())}"
    return DUCKDB.lit(value)


def event_column(kind: str, days: int) -> str:
    return f"ev{days}__{kind.replace('.', '_')}"


def rule_count_column(rule_id: str) -> str:
    return f"rule_n__{rule_id}"


def balance_months(days: Iterable[dt.date]) -> list[str]:
    """The YYYY-MM keys the AUM of these as-of dates reads (3 months each)."""
    return sorted(
        {_month(add_months(dt.date(d.year, d.month, 1), -i)) for d in days for i in range(3)}
    )


@contextmanager
def lake_connection(lake: Lake, *, months: Iterable[str] | None = None) -> Iterator[DuckDBBackend]:
    """A DuckDB connection with the recommender's tables attached as valid views.

    With `months`, the raw balances are narrowed to rows whose month starts with one of
    them before validation. That is exact for those months: balances' primary key
    (customer_id, month, category) includes the month, so duplicates never span months,
    and the other checks are per row. It saves validating years of balances.
    """
    backend = DuckDBBackend()
    try:
        backend.execute("SET enable_progress_bar = false")
        attach_lake(backend, lake, list(TABLES))
        if months is not None and lake.files("balances").readable:
            keys = ", ".join(lit(m) for m in months) or "NULL"
            backend.execute("ALTER VIEW rm_raw_balances RENAME TO rm_raw_balances_all")
            backend.execute(
                "CREATE TEMP VIEW rm_raw_balances AS SELECT * FROM rm_raw_balances_all "
                f"WHERE left(CAST(month AS VARCHAR), 7) IN ({keys})"
            )
        yield backend
    finally:
        backend.close()


def _kind_match(kinds: tuple[str, ...]) -> str:
    parts = [f"(kind = {lit(k)} OR starts_with(kind, {lit(k + '.')}))" for k in kinds]
    return "(" + " OR ".join(parts) + ")"


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def customer_features(
    backend: DuckDBBackend, *, as_of: dt.date, policy: RecommendPolicy
) -> pa.Table:
    """One row per customer opened on or before `as_of`, ordered by customer_id."""
    d = lit(as_of)
    tz = lit(policy.time_zone)
    valid_since = add_months(as_of, -policy.suitability.assessment_valid_months)
    months = [_month(add_months(dt.date(as_of.year, as_of.month, 1), -i)) for i in range(3)]
    longest = max(
        [90] + [r.when.events.window_days for r in policy.rules if r.when.events is not None]
    )
    ev_cols = []
    for kind in FEATURE_EVENT_KINDS:
        for days in (30, 90):
            start = lit(as_of - dt.timedelta(days=days - 1))
            ev_cols.append(
                f"count(*) FILTER (WHERE {_kind_match((kind,))} AND day >= {start}) "
                f"AS {event_column(kind, days)}"
            )
    for r in policy.rules:
        if r.when.events is not None:
            start = lit(as_of - dt.timedelta(days=r.when.events.window_days - 1))
            ev_cols.append(
                f"count(*) FILTER (WHERE {_kind_match(r.when.events.kinds)} AND day >= {start}) "
                f"AS {rule_count_column(r.id)}"
            )
    ev_cols.append("max(day) FILTER (WHERE kind = 'payroll.credit') AS last_payroll_day")
    holds = ", ".join(
        f"bool_or(category = {lit(c)} AND live) AS holds_{c}, "
        f"bool_or(category = {lit(c)}) AS ever_{c}"
        for c in PRODUCT_CATEGORIES
    )
    ev_select = ", ".join(ev_cols)
    ev_names = [c.rsplit(" AS ", 1)[1] for c in ev_cols]
    ev_out = ", ".join(f"coalesce(e.{n}, 0) AS {n}" for n in ev_names if n != "last_payroll_day")
    sql = f"""
    WITH cust AS (
        SELECT customer_id, kind, unit_id, birth_date, opened_on, risk_level, risk_assessed_on,
               coalesce(marketing_opt_out, false) AS opt_out,
               coalesce(industry, '') AS industry
        FROM rm_valid_customers WHERE opened_on <= {d}
    ),
    asg AS (
        SELECT customer_id, arg_max(staff_id, valid_from) AS rm_id
        FROM rm_valid_assignments
        WHERE valid_from <= {d} AND (valid_to IS NULL OR valid_to >= {d})
        GROUP BY customer_id
    ),
    bal AS (
        SELECT customer_id, sum(avg_daily_balance) / 3 AS aum
        FROM rm_valid_balances
        WHERE month IN ({", ".join(lit(m) for m in months)})
          AND category IN ({", ".join(lit(c) for c in ASSET_CATEGORIES)})
        GROUP BY customer_id
    ),
    owned AS (
        SELECT h.customer_id, p.category,
               (h.maturity_date IS NULL OR h.maturity_date >= {d}) AS live
        FROM rm_valid_holdings h JOIN rm_valid_products p USING (product_id)
        WHERE h.start_date <= {d}
        UNION ALL
        SELECT l.customer_id, p.category, l.maturity_date >= {d} AS live
        FROM rm_valid_loans l JOIN rm_valid_products p USING (product_id)
        WHERE l.disbursed_on <= {d}
    ),
    hold AS (
        SELECT customer_id, {holds}, count(DISTINCT category) FILTER (WHERE live) AS n_categories
        FROM owned GROUP BY customer_id
    ),
    ev AS (
        SELECT customer_id, kind, CAST(timezone({tz}, ts) AS DATE) AS day
        FROM rm_valid_events
        WHERE ts <= CAST({lit((as_of + dt.timedelta(days=2)).isoformat())} AS TIMESTAMPTZ)
          AND ts >= CAST({lit((as_of - dt.timedelta(days=longest + 1)).isoformat())} AS TIMESTAMPTZ)
    ),
    e AS (
        SELECT customer_id, {ev_select}
        FROM ev WHERE day <= {d} AND day >= {lit(as_of - dt.timedelta(days=longest - 1))}
        GROUP BY customer_id
    ),
    pay AS (
        SELECT customer_id, max(CAST(timezone({tz}, ts) AS DATE)) AS last_payroll
        FROM rm_valid_events
        WHERE kind = 'payroll.credit' AND ts <= CAST({lit((as_of + dt.timedelta(days=2)).isoformat())} AS TIMESTAMPTZ)
          AND CAST(timezone({tz}, ts) AS DATE) <= {d}
        GROUP BY customer_id
    ),
    ia AS (
        SELECT customer_id, count(*) AS interactions_60
        FROM rm_valid_interactions
        WHERE CAST(timezone({tz}, ts) AS DATE) BETWEEN {lit(as_of - dt.timedelta(days=59))} AND {d}
        GROUP BY customer_id
    )
    SELECT c.customer_id, c.kind, c.unit_id, asg.rm_id,
           CAST(date_sub('year', c.birth_date, {d}) AS BIGINT) AS age,
           CAST({d} - c.opened_on AS BIGINT) AS tenure_days,
           CASE WHEN c.risk_level IS NULL THEN 0
                ELSE CAST(substr(c.risk_level, 2) AS BIGINT) END AS risk,
           (c.risk_level IS NOT NULL AND c.risk_assessed_on IS NOT NULL
             AND c.risk_assessed_on > {lit(valid_since)} AND c.risk_assessed_on <= {d})
             AS assessment_current,
           c.risk_level, c.risk_assessed_on, c.opt_out, c.industry,
           CAST(round(coalesce(bal.aum, 0), 2) AS DECIMAL(18, 2)) AS aum,
           {", ".join(f"coalesce(hold.holds_{c}, false) AS holds_{c}" for c in PRODUCT_CATEGORIES)},
           {", ".join(f"coalesce(hold.ever_{c}, false) AS ever_{c}" for c in PRODUCT_CATEGORIES)},
           coalesce(hold.n_categories, 0) AS n_categories,
           {ev_out},
           extract('day' FROM pay.last_payroll) AS payroll_dom,
           coalesce(ia.interactions_60, 0) AS interactions_60
    FROM cust c
    LEFT JOIN asg USING (customer_id)
    LEFT JOIN bal USING (customer_id)
    LEFT JOIN hold USING (customer_id)
    LEFT JOIN e USING (customer_id)
    LEFT JOIN pay USING (customer_id)
    LEFT JOIN ia USING (customer_id)
    ORDER BY c.customer_id
    """
    return backend.to_arrow(sql)


def maturities(backend: DuckDBBackend, *, as_of: dt.date, days_ahead: int) -> pa.Table:
    """Holdings maturing in D … D + days_ahead (started on or before D)."""
    sql = f"""
    SELECT customer_id, product_id, maturity_date FROM rm_valid_holdings
    WHERE start_date <= {lit(as_of)} AND maturity_date BETWEEN {lit(as_of)}
      AND {lit(as_of + dt.timedelta(days=days_ahead))}
    ORDER BY customer_id, maturity_date, product_id
    """
    return backend.to_arrow(sql)


def products(backend: DuckDBBackend) -> pa.Table:
    return backend.to_arrow(
        "SELECT product_id, name, category, risk_level, revenue_rate FROM rm_valid_products "
        "ORDER BY product_id"
    )
