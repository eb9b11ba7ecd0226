"""Benchmark `rmperf segment` beside hand-written DuckDB queries, pandas and Polars.

    .venv/bin/python bench/bench_segment.py --scales tiny small medium [--runs 3]
    .venv/bin/python bench/bench_segment.py --spark-parity small

For each scale, in the same run and alternating, each measured once per repetition in
its own subprocess (wall time around the child; peak RSS = the child's ru_maxrss from
os.wait4):
- `cli_cold`: `rmperf segment --lake L --as-of D --today T --out F.parquet` with an empty
  valid-row cache (a fresh RMPERF_VALID_CACHE directory per run): imports, policy,
  validation of every table it reads (written to the cache), the query, the file;
- `cli`: the same command with the valid rows already cached (the usual case: the lake
  and the validation day have not changed since the last command);
- `engine`: `segment(with_tags=False)`'s calls in-process with phase timings (attach =
  the valid views, from the cache; the R/F/M/tier query), warm;
- `sql`: ONE hand-written DuckDB query over the Parquet files computing the same columns
  (customer, branch, RM in charge, R, F, M, tier), comparing business-date windows as
  instants like the engine: the engine's own limit;
- `sql_days`: the same query converting every transaction's timestamp to its bank-time
  date first (the obvious way to write it);
- `sql_full`: one hand-written DuckDB query computing every column the command writes
  (R/F/M/tier, holdings, risk, tags, contribution): the same work;
- `pandas`: pyarrow reads the Parquet files into pandas, groupby does the rest;
- `polars`: sql_full's work in Polars' lazy API (scan_parquet, no DuckDB, no pandas),
  every column of the command with the same types (needs the `bench` dependency group:
  `.uv/bin/uv sync --group bench`).
Every side writes its result; afterwards the results are compared customer by customer
(R, F, M, tier, RM), so the speeds are of equal answers. The hand queries and pandas do
not validate rows; on a generated lake no row is rejected, so the answers agree. The
command's file must also equal sql_full's and polars' in every column (same_columns),
with the same Arrow types (a large_string read back from a Polars file counts as string).

--spark-parity SCALE writes the tier file with `--engine duckdb` and `--engine spark` as
CSV and Parquet and compares their sha256.

Lakes: `--lake SCALE=DIR` uses an existing lake; otherwise tiny and small are generated
with seed 1 into /tmp/seg-bench/<scale>, and medium reuses /tmp/medium (seed 1, shared
with the scoring benchmark) when it is complete, or generates /tmp/seg-medium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
AS_OF = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
OUT = Path("/tmp/seg-bench")  # noqa: S108 - scratch space for lakes and results
TABLES = ("customers", "transactions", "balances", "assignments")
KINDS = (
    "cli_cold", "cli_before", "cli_compile", "cli", "engine", "sql", "sql_full", "sql_days", "pandas",
    "polars",
)  # fmt: skip
#: --before SRC: the source tree (a checkout of an earlier commit) `cli_before` runs.
BEFORE: dict[str, Path] = {}
#: Sides that run with an empty valid-row cache (a fresh directory per run).
COLD = {"cli_cold"}


# ---- lakes ----------------------------------------------------------------------------


def complete(lake: Path) -> bool:
    """A generated lake whose last-written table (trainings) is present."""
    return all(
        (lake / f"{t}.parquet").exists() or (lake / t).is_dir()
        for t in ("staff", "transactions", "trainings")
    )


LAKES: dict[str, Path] = {}  # --lake SCALE=DIR


def lake_for(scale: str) -> Path:
    if scale in LAKES:
        if not complete(LAKES[scale]):
            raise SystemExit(f"{LAKES[scale]} is not a complete lake")
        return LAKES[scale]
    if scale == "medium" and complete(Path("/tmp/medium")):  # noqa: S108 - the shared lake
        return Path("/tmp/medium")  # noqa: S108
    lake = Path("/tmp/seg-medium") if scale == "medium" else OUT / scale  # noqa: S108
    if not complete(lake):
        print(f"generating the {scale} lake into {lake} …", file=sys.stderr)
        subprocess.run(
            [str(RMPERF), "generate", "--scale", scale, "--seed", "1", "--out", str(lake),
             "--quiet"],
            check=True,
        )  # fmt: skip
    return lake


def snapshot(lake: Path) -> list[tuple[str, int, int]]:
    """Name, size and mtime of every data file (not `_rejects/`, `_valid/`): a shared
    lake must not change during a run."""
    return sorted(
        (str(p.relative_to(lake)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in lake.rglob("*")
        if p.is_file()
        and not any(part.startswith(("_", ".")) for part in p.relative_to(lake).parts)
    )


def src(lake: Path, table: str) -> str:
    folder = lake / table
    if folder.is_dir():
        return f"read_parquet('{folder}/*.parquet')"
    return f"read_parquet('{lake / table}.parquet')"


def files(lake: Path, table: str) -> list[str]:
    folder = lake / table
    return (
        sorted(str(p) for p in folder.glob("*.parquet"))
        if folder.is_dir()
        else [str(lake / f"{table}.parquet")]
    )


# ---- the hand-written query -------------------------------------------------------------


def month_key(day: dt.date, back: int = 0) -> str:
    i = day.year * 12 + day.month - 1 - back
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def day_start(day: dt.date) -> str:
    """The instant `day` begins in bank time, as a DuckDB literal."""
    return f"TIMESTAMPTZ '{day} 00:00:00 Asia/Shanghai'"


def hand_sql(lake: Path, d: dt.date, *, per_row_dates: bool = False) -> str:
    """R/F/M/tier at `d` with the default policy, in one statement over the raw files.

    By default the business-date windows are compared as instants and only each
    customer's last timestamp becomes a date (what the engine does); `per_row_dates`
    converts every transaction's timestamp to its bank-time date first, the obvious way.
    """
    f_start = d - dt.timedelta(days=89)
    if per_row_dates:
        t = f"""t AS (SELECT customer_id, max(day) AS last_day,
             count(*) FILTER (WHERE day >= DATE '{f_start}') AS frequency
      FROM (SELECT customer_id, timezone('Asia/Shanghai', ts)::DATE AS day
            FROM {src(lake, "transactions")})
      WHERE day <= DATE '{d}'
      GROUP BY customer_id),"""
    else:
        t = f"""t AS (SELECT customer_id, timezone('Asia/Shanghai', max(ts))::DATE AS last_day,
             count(*) FILTER (WHERE ts >= {day_start(f_start)}) AS frequency
      FROM {src(lake, "transactions")}
      WHERE ts < {day_start(d + dt.timedelta(days=1))}
      GROUP BY customer_id),"""
    return f"""
WITH
c AS (SELECT customer_id, unit_id, opened_on FROM {src(lake, "customers")}
      WHERE opened_on <= DATE '{d}'),
{t}
b AS (SELECT customer_id, sum((avg_daily_balance * 100)::BIGINT) AS cents
      FROM {src(lake, "balances")}
      WHERE category IN ('deposit', 'wealth', 'fund', 'insurance')
        AND month BETWEEN '{month_key(d, 2)}' AND '{month_key(d)}'
      GROUP BY customer_id),
a AS (SELECT customer_id, staff_id AS rm_id FROM {src(lake, "assignments")}
      WHERE valid_from <= DATE '{d}' AND (valid_to IS NULL OR valid_to >= DATE '{d}')
      QUALIFY row_number() OVER (PARTITION BY customer_id
                                 ORDER BY valid_from DESC, staff_id) = 1),
r AS (SELECT c.customer_id, c.unit_id, a.rm_id,
             (DATE '{d}' - coalesce(t.last_day, c.opened_on))::BIGINT AS recency_days,
             coalesce(t.frequency, 0)::BIGINT AS frequency,
             -- mean of 3 months, half up to the cent, in integer cents
             ((2 * coalesce(b.cents, 0) + 3) // 6)::BIGINT AS m_cents
      FROM c LEFT JOIN t USING (customer_id) LEFT JOIN b USING (customer_id)
             LEFT JOIN a USING (customer_id))
SELECT customer_id, unit_id, rm_id, recency_days, frequency, m_cents,
       CASE WHEN recency_days <= 30 AND frequency >= 5 AND m_cents >= 50000000 THEN 'core'
            WHEN recency_days <= 60 AND frequency >= 3 AND m_cents >= 20000000 THEN 'potential'
            WHEN recency_days <= 90 AND frequency >= 2 AND m_cents >= 5000000 THEN 'basic'
            WHEN recency_days >= 180 THEN 'sleeping'
            ELSE 'other' END AS tier
FROM r ORDER BY customer_id
"""


CATEGORIES = (
    "deposit", "time_deposit", "wealth", "fund", "insurance", "credit_card", "mortgage",
    "consumer_loan", "business_loan", "payroll", "fx", "trust",
)  # fmt: skip
#: The default policy's event tags: id, event kind, window in days, minimum count.
EVENT_TAGS = (
    ("viewed_mortgage", "page_view.mortgage", 30, 3),  # min_count as in the shipped policy
    ("asked_business_loan", "inquiry.business_loan", 30, 1),
    ("asked_wealth", "inquiry.wealth", 30, 1),
    ("payroll_client", "payroll.credit", 60, 1),
    ("complained", "complaint", 90, 1),
    ("mortgage_disbursed", "mortgage.disbursed", 90, 1),
)


def hand_sql_full(lake: Path, d: dt.date) -> str:
    """Every column `rmperf segment` writes, with the default policy, in one statement
    over the raw files: R/F/M/tier as hand_sql, then holdings, risk, the ten tags and the
    contribution (docs/customer-value.md), money exact (integer cents, HUGEINT)."""
    day = dt.timedelta(days=1)
    end = day_start(d + day)
    kind_match = " OR ".join(
        f"kind = '{k}' OR starts_with(kind, '{k}.')" for _, k, _, _ in EVENT_TAGS
    )
    events = ",\n".join(
        f"count(*) FILTER (WHERE (kind = '{k}' OR starts_with(kind, '{k}.')) "
        f"AND ts >= {day_start(d - (w - 1) * day)}) >= {n} AS {tag}"
        for tag, k, w, n in EVENT_TAGS
    )
    # Birthdays in D … D + 29 as month × 100 + day (a 29 February birthday is kept on the
    # 28th in common years).
    keys = set()
    for i in range(30):
        b = d + i * day
        keys.add(b.month * 100 + b.day)
        if (b.month, b.day) == (2, 28) and b.year % 4 != 0:
            keys.add(229)
    holds = ",\n".join(f"bool_or(category = '{c}') AS holds_{c}" for c in CATEGORIES)
    holds_out = ", ".join(f"coalesce(holds_{c}, false) AS holds_{c}" for c in CATEGORIES)
    count = " + ".join(f"coalesce(holds_{c}, false)::INT" for c in CATEGORIES)
    tags = sorted(
        [tag for tag, *_ in EVENT_TAGS]
        + ["birthday_soon", "new_customer", "contact_stale", "marketing_opt_out"]
    )
    d_index = d.year * 12 + d.month
    first_key = month_key(d, 11)
    six_months_ago = dt.date(d.year if d.month > 6 else d.year - 1, (d.month - 7) % 12 + 1, d.day)
    return f"""
WITH
c AS (SELECT * FROM {src(lake, "customers")} WHERE opened_on <= DATE '{d}'),
t AS (SELECT customer_id, timezone('Asia/Shanghai', max(ts))::DATE AS last_day,
             count(*) FILTER (WHERE ts >= {day_start(d - 89 * day)}) AS frequency,
             count(*) FILTER (WHERE ts >= {day_start(d.replace(year=d.year - 1) + day)})
               AS settled
      FROM {src(lake, "transactions")} WHERE ts < {end} GROUP BY customer_id),
b AS (SELECT customer_id,
             sum((avg_daily_balance * 100)::BIGINT) FILTER (
               WHERE category IN ('deposit', 'wealth', 'fund', 'insurance')
                 AND month >= '{month_key(d, 2)}') AS aum_cents,
             sum((avg_daily_balance * 100)::BIGINT) FILTER (
               WHERE category = 'deposit' AND month >= coalesce(opened_key, '')) AS dep_cents
      FROM {src(lake, "balances")}
      LEFT JOIN (SELECT customer_id, strftime(opened_on, '%Y-%m') AS opened_key FROM c
                 WHERE opened_on > last_day(DATE '{first_key}-01')) USING (customer_id)
      WHERE month BETWEEN '{first_key}' AND '{month_key(d)}'
        AND category IN ('deposit', 'wealth', 'fund', 'insurance')
      GROUP BY customer_id),
a AS (SELECT customer_id, staff_id AS rm_id FROM {src(lake, "assignments")}
      WHERE valid_from <= DATE '{d}' AND (valid_to IS NULL OR valid_to >= DATE '{d}')
      QUALIFY row_number() OVER (PARTITION BY customer_id
                                 ORDER BY valid_from DESC, staff_id) = 1),
p AS (SELECT product_id, category, (revenue_rate * 1000000)::BIGINT AS micros
      FROM {src(lake, "products")}),
h AS (SELECT customer_id, {holds},
             sum((amount * 100)::BIGINT * micros) FILTER (
               WHERE holding AND category IN ('wealth', 'fund', 'insurance', 'trust')) AS fee_e8
      FROM (SELECT customer_id, product_id, amount, true AS holding
            FROM {src(lake, "holdings")} WHERE start_date <= DATE '{d}'
              AND (maturity_date IS NULL OR maturity_date >= DATE '{d}')
            UNION ALL
            SELECT customer_id, product_id, amount, false FROM {src(lake, "loans")}
            WHERE disbursed_on <= DATE '{d}' AND maturity_date >= DATE '{d}')
      JOIN p USING (product_id) GROUP BY customer_id),
e AS (SELECT customer_id, {events}
      FROM {src(lake, "events")}
      WHERE ts >= {day_start(d - 89 * day)} AND ts < {end} AND ({kind_match})
      GROUP BY customer_id),
s AS (SELECT loan_id, balance, grade FROM {src(lake, "loan_status")}
      WHERE month <= '{month_key(d)}'
      QUALIFY month = max(month) OVER (PARTITION BY loan_id)),
l AS (SELECT customer_id, sum((s.balance * 100)::BIGINT * p.micros) AS loan_e8
      FROM {src(lake, "loans")} JOIN s USING (loan_id) JOIN p USING (product_id)
      WHERE disbursed_on <= DATE '{d}' AND maturity_date >= DATE '{d}'
        AND grade IN ('normal', 'special_mention')
      GROUP BY customer_id),
r AS (SELECT c.*, a.rm_id, h.* EXCLUDE (customer_id), e.* EXCLUDE (customer_id),
             (DATE '{d}' - coalesce(t.last_day, c.opened_on))::BIGINT AS recency_days,
             coalesce(t.frequency, 0)::BIGINT AS frequency,
             ((2 * coalesce(b.aum_cents, 0) + 3) // 6)::BIGINT AS m_cents,
             coalesce(b.dep_cents, 0)::HUGEINT
               * CASE WHEN c.kind = 'retail' THEN 15000 ELSE 12000 END AS dep_e8,
             {d_index} - greatest(year(c.opened_on) * 12 + month(c.opened_on),
                                  {d_index - 11}) + 1 AS dep_months,
             coalesce(h.fee_e8, 0)::HUGEINT + coalesce(l.loan_e8, 0) AS fee_loan_e8,
             coalesce(t.settled, 0)::HUGEINT * 50 * 1000000 AS settle_e8
      FROM c LEFT JOIN t USING (customer_id) LEFT JOIN b USING (customer_id)
             LEFT JOIN a USING (customer_id) LEFT JOIN h USING (customer_id)
             LEFT JOIN e USING (customer_id) LEFT JOIN l USING (customer_id)),
f AS (SELECT *,
             coalesce(viewed_mortgage, false) AS tag_viewed_mortgage,
             coalesce(asked_business_loan, false) AS tag_asked_business_loan,
             coalesce(asked_wealth, false) AS tag_asked_wealth,
             coalesce(payroll_client, false) AS tag_payroll_client,
             coalesce(complained, false) AS tag_complained,
             coalesce(mortgage_disbursed, false) AS tag_mortgage_disbursed,
             kind = 'retail' AND month(birth_date) * 100 + day(birth_date)
               IN ({", ".join(str(k) for k in sorted(keys))}) AS tag_birthday_soon,
             opened_on >= DATE '{d - 89 * day}' AS tag_new_customer,
             NOT coalesce(contact_verified_on BETWEEN DATE '{six_months_ago}' AND DATE '{d}',
                          false) AS tag_contact_stale,
             coalesce(marketing_opt_out, false) AS tag_marketing_opt_out,
             -- contribution: (dep_e8 / months + fees + loans + settlement) in 1e-8 yuan,
             -- half up to the cent over one denominator
             dep_e8 + (fee_loan_e8 + settle_e8) * dep_months AS num,
             dep_months::HUGEINT * 1000000 AS den
      FROM r)
SELECT customer_id, unit_id, rm_id, recency_days, frequency,
       (m_cents::DECIMAL(18, 0) * 0.01::DECIMAL(3, 2))::DECIMAL(18, 2) AS monetary,
       CASE WHEN recency_days <= 30 AND frequency >= 5 AND m_cents >= 50000000 THEN 'core'
            WHEN recency_days <= 60 AND frequency >= 3 AND m_cents >= 20000000 THEN 'potential'
            WHEN recency_days <= 90 AND frequency >= 2 AND m_cents >= 5000000 THEN 'basic'
            WHEN recency_days >= 180 THEN 'sleeping'
            ELSE 'other' END AS tier,
       {holds_out}, ({count})::BIGINT AS product_count, risk_level,
       coalesce(risk_assessed_on > DATE '{d.replace(year=d.year - 1)}'
                AND risk_assessed_on <= DATE '{d}', false) AS risk_assessment_current,
       concat_ws(';', {", ".join(f"CASE WHEN tag_{x} THEN '{x}' END" for x in tags)}) AS tags,
       (((2 * num + den) // (2 * den))::DECIMAL(18, 0) * 0.01::DECIMAL(3, 2))::DECIMAL(18, 2)
         AS contribution
FROM f ORDER BY customer_id
"""


# ---- children ---------------------------------------------------------------------------


def child(kind: str, lake: Path, out: Path) -> dict[str, Any]:
    """Runs inside the measured subprocess; returns its phase timings."""
    t0 = time.perf_counter()
    if kind in ("sql", "sql_days", "sql_full"):
        import duckdb
        import pyarrow.parquet as pq

        con = duckdb.connect()
        if kind == "sql_full":
            sql = hand_sql_full(lake, AS_OF)
        else:
            sql = hand_sql(lake, AS_OF, per_row_dates=kind == "sql_days")
        table = con.sql(sql).to_arrow_table()
        t1 = time.perf_counter()
        pq.write_table(table, out)
        return {"query": t1 - t0, "rows": table.num_rows}
    if kind == "pandas":
        return pandas_child(lake, out)
    if kind == "polars":
        return polars_child(lake, out)
    from rmperf.engine.backends import attach_lake
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend
    from rmperf.engine.ibis_tables import compile_sql
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import write_result
    from rmperf.engine.segmentation import load_segmentation_policy
    from rmperf.engine.segmentation.rfm import RFM_TABLES, rfm_expr

    policy = load_segmentation_policy().policy
    t1 = time.perf_counter()
    engine = DuckDBBackend()
    the_lake = Lake(lake, today=TODAY, time_zone=policy.time_zone)
    attach_lake(engine, the_lake, list(RFM_TABLES))
    t2 = time.perf_counter()
    sql = compile_sql(rfm_expr("duckdb", as_of=AS_OF, policy=policy), "duckdb")
    t3 = time.perf_counter()
    table = engine.to_arrow(sql)
    t4 = time.perf_counter()
    write_result(table, out)
    return {
        "imports": t1 - t0,
        "attach": t2 - t1,
        "compile": t3 - t2,
        "query": t4 - t3,
        "rows": table.num_rows,
    }


def pandas_child(lake: Path, out: Path) -> dict[str, Any]:
    """The straightforward pandas version: read what is needed, filter, groupby, merge."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    d = pd.Timestamp(AS_OF)

    def read(table: str, columns: list[str]) -> pd.DataFrame:
        return pq.read_table(files(lake, table), columns=columns).to_pandas()

    customers = read("customers", ["customer_id", "unit_id", "opened_on"])
    customers["opened_on"] = pd.to_datetime(customers["opened_on"])
    customers = customers[customers["opened_on"] <= d]

    txn = read("transactions", ["customer_id", "ts"])
    txn["day"] = txn["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    txn = txn[txn["day"] <= d]
    last = txn.groupby("customer_id")["day"].max().rename("last_day")
    recent = txn[txn["day"] >= d - pd.Timedelta(days=89)]
    freq = recent.groupby("customer_id").size().rename("frequency")
    t1 = time.perf_counter()

    bal = read("balances", ["customer_id", "month", "category", "avg_daily_balance"])
    months = [month_key(AS_OF, 2), month_key(AS_OF, 1), month_key(AS_OF)]
    bal = bal[bal["category"].isin(["deposit", "wealth", "fund", "insurance"])]
    bal = bal[bal["month"].isin(months)]
    cents = (bal["avg_daily_balance"].astype(float) * 100).round().astype("int64")
    aum = cents.groupby(bal["customer_id"]).sum().rename("cents")

    asg = read("assignments", ["customer_id", "staff_id", "valid_from", "valid_to"])
    asg["valid_from"] = pd.to_datetime(asg["valid_from"])
    asg["valid_to"] = pd.to_datetime(asg["valid_to"])
    live = asg[(asg["valid_from"] <= d) & (asg["valid_to"].isna() | (asg["valid_to"] >= d))]
    live = live.sort_values(
        ["customer_id", "valid_from", "staff_id"], ascending=[True, False, True]
    )
    rm = live.drop_duplicates("customer_id").set_index("customer_id")["staff_id"].rename("rm_id")

    df = customers.set_index("customer_id").join([last, freq, aum, rm])
    df["recency_days"] = (d - df["last_day"].fillna(df["opened_on"])).dt.days.astype("int64")
    df["frequency"] = df["frequency"].fillna(0).astype("int64")
    total = df["cents"].fillna(0).astype("int64")
    df["m_cents"] = (2 * total + 3) // 6
    r, f, m = df["recency_days"], df["frequency"], df["m_cents"]
    df["tier"] = np.select(
        [
            (r <= 30) & (f >= 5) & (m >= 50_000_000),
            (r <= 60) & (f >= 3) & (m >= 20_000_000),
            (r <= 90) & (f >= 2) & (m >= 5_000_000),
            r >= 180,
        ],
        ["core", "potential", "basic", "sleeping"],
        default="other",
    )
    result = df.reset_index()[
        ["customer_id", "unit_id", "rm_id", "recency_days", "frequency", "m_cents", "tier"]
    ].sort_values("customer_id")
    t2 = time.perf_counter()
    result.to_parquet(out, index=False)
    return {"transactions": t1 - t0, "rest": t2 - t1, "rows": len(result)}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months` calendar months, clamped to the month's last day (as
    segmentation.tags.add_months; not imported: it would import Ibis)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def polars_child(lake: Path, out: Path) -> dict[str, Any]:
    """hand_sql_full's work in Polars' lazy API: every column `rmperf segment` writes,
    with the default policy, from the same raw Parquet files, into the same columns and
    types. Money is exact: integer cents and micro-rates (Int64 per row, Int128 sums and
    the contribution's one division, floored), decimal(18,2) at the end, never a float.
    Like the hand query it trusts the lake (no validation)."""
    t0 = time.perf_counter()
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    import polars as pl

    t1 = time.perf_counter()
    d = AS_OF
    day = dt.timedelta(days=1)
    tz = "Asia/Shanghai"
    micro = 1_000_000
    assets = ["deposit", "wealth", "fund", "insurance"]  # monetary.asset_categories
    deposits = ["deposit"]  # value.deposit.categories
    fee_categories = ["wealth", "fund", "insurance", "trust"]
    earning = ["normal", "special_mention"]
    dep_window = 12  # value.deposit.months
    settle_months, fee_cents = 12, 50  # value.settlement: months, fee_per_transaction 0.50

    def scan(table: str, columns: list[str]) -> pl.LazyFrame:
        return pl.scan_parquet(files(lake, table)).select(columns)

    def start(x: dt.date) -> dt.datetime:
        """The instant `x` begins in bank time (activity.day_start)."""
        return dt.datetime.combine(x, dt.time(), ZoneInfo(tz)).astimezone(dt.UTC)

    def cents(column: str) -> pl.Expr:
        """decimal(18,2) money → Int64 cents (exact: the scaled value is integral)."""
        return (pl.col(column) * 100).cast(pl.Int64)

    def money(expr: pl.Expr) -> pl.Expr:
        """Integer cents → decimal(18,2), exactly (finish.money_sql)."""
        return (expr.cast(pl.Decimal(18, 0)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(18, 2))

    end = start(d + day)
    cust = pl.scan_parquet(files(lake, "customers")).filter(pl.col("opened_on") <= d)

    # R, F and the settlement count: one pass; only each customer's latest timestamp
    # becomes a bank-time date (windows compared as instants, as the engine).
    settle_since = add_months(d, -settle_months) + day
    ts = pl.col("ts")
    txn = (
        scan("transactions", ["customer_id", "ts"])
        .filter(ts < end)
        .group_by("customer_id")
        .agg(
            last_ts=ts.max(),
            frequency=(ts >= start(d - 89 * day)).sum().cast(pl.Int64),
            settled=(ts >= start(settle_since)).sum().cast(pl.Int64),
        )
        .select(
            "customer_id", "frequency", "settled",
            last_day=pl.col("last_ts").dt.convert_time_zone(tz).dt.date(),
        )
    )  # fmt: skip

    # Balances once: M's 3 months of asset categories and the deposit window's 12 months
    # (from the opening month on, looked up only for customers opened inside the window).
    first_key = month_key(d, dep_window - 1)
    first_month_end = add_months(dt.date(int(first_key[:4]), int(first_key[5:]), 1), 1) - day
    recent = cust.filter(pl.col("opened_on") > first_month_end).select(
        "customer_id", opened_key=pl.col("opened_on").dt.strftime("%Y-%m")
    )
    month, category = pl.col("month"), pl.col("category")
    bal = (
        scan("balances", ["customer_id", "month", "category", "avg_daily_balance"])
        .filter(month >= first_key, month <= month_key(d), category.is_in(assets + deposits))
        .join(recent, on="customer_id", how="left")
        .with_columns(c=cents("avg_daily_balance").cast(pl.Int128))
        .group_by("customer_id")
        .agg(
            aum_cents=pl.col("c").filter(category.is_in(assets) & (month >= month_key(d, 2))).sum(),
            dep_cents=pl.col("c")
            .filter(
                category.is_in(deposits)
                & (pl.col("opened_key").is_null() | (month >= pl.col("opened_key")))
            )
            .sum(),
        )
    )

    # The RM in charge on D: the live slice with the latest start (then the lowest id).
    rm = (
        scan("assignments", ["customer_id", "staff_id", "valid_from", "valid_to"])
        .filter(
            pl.col("valid_from") <= d,
            pl.col("valid_to").is_null() | (pl.col("valid_to") >= d),
        )
        .group_by("customer_id")
        .agg(
            rm_id=pl.col("staff_id")
            .sort_by(["valid_from", "staff_id"], descending=[True, False])
            .first()
        )
    )

    prod = scan("products", ["product_id", "category", "revenue_rate"]).select(
        "product_id", "category", micros=(pl.col("revenue_rate") * micro).cast(pl.Int64)
    )
    live_loans = scan(
        "loans", ["loan_id", "customer_id", "product_id", "amount", "disbursed_on", "maturity_date"]
    ).filter(pl.col("disbursed_on") <= d, pl.col("maturity_date") >= d)
    live_holdings = scan(
        "holdings", ["customer_id", "product_id", "amount", "start_date", "maturity_date"]
    ).filter(
        pl.col("start_date") <= d,
        pl.col("maturity_date").is_null() | (pl.col("maturity_date") >= d),
    )
    # Categories held on D (holdings and loans) and the fee income of the holdings.
    held = pl.concat(
        [
            live_holdings.select("customer_id", "product_id", "amount", holding=pl.lit(True)),
            live_loans.select("customer_id", "product_id", "amount", holding=pl.lit(False)),
        ]
    ).join(prod, on="product_id")
    hold = held.group_by("customer_id").agg(
        *[(category == c).any().alias(f"holds_{c}") for c in CATEGORIES],
        fee_e8=(cents("amount").cast(pl.Int128) * pl.col("micros"))
        .filter(pl.col("holding") & category.is_in(fee_categories))
        .sum(),
    )

    # Event tags: kinds and their dotted sub-kinds, each in its window ending on D.
    kind = pl.col("kind")

    def kind_is(k: str) -> pl.Expr:
        return (kind == k) | kind.str.starts_with(k + ".")

    any_kind = pl.any_horizontal([kind_is(k) for _, k, _, _ in EVENT_TAGS])
    events = (
        scan("events", ["customer_id", "ts", "kind"])
        .filter(ts >= start(d - 89 * day), ts < end, any_kind)
        .group_by("customer_id")
        .agg(
            *[
                (kind_is(k) & (ts >= start(d - (w - 1) * day))).sum().alias(f"n_{tag}")
                for tag, k, w, _ in EVENT_TAGS
            ]
        )
    )

    # Loan net interest: live loans whose latest status month (≤ D's) has an earning grade.
    status = (
        scan("loan_status", ["loan_id", "month", "balance", "grade"])
        .filter(month <= month_key(d))
        .filter(month == month.max().over("loan_id"))
    )
    loans = (
        live_loans.select("loan_id", "customer_id", "product_id")
        .join(status, on="loan_id")
        .join(prod.select("product_id", "micros"), on="product_id")
        .filter(pl.col("grade").is_in(earning))
        .group_by("customer_id")
        .agg(loan_e8=(cents("balance").cast(pl.Int128) * pl.col("micros")).sum())
    )

    rows = cust
    for part in (txn, bal, rm, hold, events, loans):
        rows = rows.join(part, on="customer_id", how="left")

    recency = (pl.lit(d) - pl.coalesce("last_day", "opened_on")).dt.total_days().cast(pl.Int64)
    frequency = pl.col("frequency").fill_null(0)
    m_cents = (2 * pl.col("aum_cents").fill_null(0) + 3) // 6  # mean of 3, half up
    tier = (
        pl.when((recency <= 30) & (frequency >= 5) & (m_cents >= 50_000_000)).then(pl.lit("core"))
        .when((recency <= 60) & (frequency >= 3) & (m_cents >= 20_000_000)).then(pl.lit("potential"))
        .when((recency <= 90) & (frequency >= 2) & (m_cents >= 5_000_000)).then(pl.lit("basic"))
        .when(recency >= 180).then(pl.lit("sleeping"))
        .otherwise(pl.lit("other"))
    )  # fmt: skip
    holds = [pl.col(f"holds_{c}").fill_null(False) for c in CATEGORIES]
    opened, verified = pl.col("opened_on"), pl.col("contact_verified_on")
    birth = pl.col("birth_date")
    flags = {
        **{tag: pl.col(f"n_{tag}").fill_null(0) >= n for tag, _, _, n in EVENT_TAGS},
        "birthday_soon": (pl.col("kind") == "retail")
        & (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)).is_in(
            birthday_keys(d, 30)
        ),
        "new_customer": opened >= d - 89 * day,
        "contact_stale": ~((verified >= add_months(d, -6)) & (verified <= d)).fill_null(False),
        "marketing_opt_out": pl.col("marketing_opt_out").fill_null(False),
    }
    tags = pl.concat_str(
        [pl.when(flags[t]).then(pl.lit(t)) for t in sorted(flags)], separator=";", ignore_nulls=True
    )
    risk = pl.col("risk_assessed_on")
    # The contribution (value.contribution_cents): one exact division, half up, in Int128.
    d_index = d.year * 12 + d.month
    opened_index = opened.dt.year().cast(pl.Int64) * 12 + opened.dt.month().cast(pl.Int64)
    dep_months = d_index - pl.max_horizontal(opened_index, pl.lit(d_index - dep_window + 1)) + 1
    spread = pl.when(pl.col("kind") == "retail").then(15_000).otherwise(12_000)
    dep_e8 = pl.col("dep_cents").fill_null(0).cast(pl.Int128) * spread
    fee_loan = pl.col("fee_e8").fill_null(0) + pl.col("loan_e8").fill_null(0)
    num = (
        dep_e8 * settle_months
        + fee_loan.cast(pl.Int128) * dep_months * settle_months
        + pl.col("settled").fill_null(0).cast(pl.Int128) * (fee_cents * micro * 12) * dep_months
    )
    den = dep_months.cast(pl.Int128) * (settle_months * micro)
    contribution = (2 * num + den) // (2 * den)
    result = rows.select(
        "customer_id", "unit_id", "rm_id",
        recency_days=recency,
        frequency=frequency,
        monetary=money(m_cents),
        tier=tier,
        **{f"holds_{c}": h for c, h in zip(CATEGORIES, holds, strict=True)},
        product_count=pl.sum_horizontal([h.cast(pl.Int64) for h in holds]),
        risk_level=pl.col("risk_level"),
        risk_assessment_current=(
            (risk > add_months(d, -12)) & (risk <= d)
        ).fill_null(False),
        tags=tags,
        contribution=money(contribution),
    ).sort("customer_id")  # fmt: skip
    # The streaming engine (Polars' default, `auto`, picks it too): the in-memory engine
    # took twice the time and 2 GiB on the medium lake.
    table = result.collect(engine="streaming")
    t2 = time.perf_counter()
    table.write_parquet(out)
    t3 = time.perf_counter()
    return {"imports": t1 - t0, "query": t2 - t1, "write": t3 - t2, "rows": table.height}


def birthday_keys(as_of: dt.date, window_days: int) -> list[int]:
    """month × 100 + day of every birthday celebrated in as_of … as_of + window − 1 (a 29
    February birthday on the 28th in common years), as segmentation.tags._birthday_keys."""
    import calendar

    keys: set[int] = set()
    for n in range(window_days):
        b = as_of + dt.timedelta(days=n)
        keys.add(b.month * 100 + b.day)
        if (b.month, b.day) == (2, 28) and not calendar.isleap(b.year):
            keys.add(229)
    return sorted(keys)


# ---- measuring --------------------------------------------------------------------------


def run_child(
    argv: list[str], cache: Path, *, pythonpath: Path | None = None
) -> tuple[float, int, dict[str, Any]]:
    """(wall s, this child's own peak RSS in MiB via os.wait4, its last JSON line or {}).

    The child keeps its valid-row cache in `cache` (RMPERF_VALID_CACHE), never in the lake.
    `pythonpath`: a source tree imported instead of the installed one (`cli_before`).
    """
    env = {**os.environ, "RMPERF_VALID_CACHE": str(cache)}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"child failed ({proc.returncode}): {' '.join(argv)}\n{err.read()}")
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
    found: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    # CPU seconds of the child (user + system, all threads): less moved by neighbours on a
    # loaded machine than wall time.
    found["cpu_s"] = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss // 1024, found


def argv_for(kind: str, lake: Path, out: Path) -> list[str]:
    if kind in ("cli", "cli_cold", "cli_before", "cli_compile"):
        return [str(RMPERF), "segment", "--lake", str(lake), "--as-of", AS_OF.isoformat(),
                "--today", TODAY.isoformat(), "--out", str(out)]  # fmt: skip
    return [str(PY), str(Path(__file__).resolve()), "--child", kind, str(lake), str(out)]


def results_agree(outs: dict[str, Path]) -> tuple[bool, dict[str, int]]:
    """Every side's rows, as (customer, RM, R, F, M cents, tier), are the same."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    keyed = {}
    for kind, path in outs.items():
        t = pq.read_table(path)
        if "monetary" in t.column_names:  # the engine's decimal(18,2) → cents
            cents = pc.cast(pc.multiply(t["monetary"], 100), "int64")
        elif "monetary_cents" in t.column_names:
            cents = t["monetary_cents"]
        else:
            cents = t["m_cents"]
        keyed[kind] = list(
            zip(
                t["customer_id"].to_pylist(), t["rm_id"].to_pylist(),
                t["recency_days"].to_pylist(), t["frequency"].to_pylist(),
                cents.to_pylist(), t["tier"].to_pylist(), strict=True,
            )
        )  # fmt: skip
    first = next(iter(keyed.values()))
    counts: dict[str, int] = {}
    for row in first:
        counts[row[-1]] = counts.get(row[-1], 0) + 1
    return all(rows == first for rows in keyed.values()), counts


def same_columns(a: Path, b: Path) -> bool:
    """The two files hold the same columns with the same values, row for row."""
    import pyarrow.parquet as pq

    ta, tb = pq.read_table(a), pq.read_table(b)
    if ta.column_names != tb.column_names:
        print(f"columns differ: {ta.column_names} / {tb.column_names}", file=sys.stderr)
        return False
    differ = [n for n in ta.column_names if ta[n].to_pylist() != tb[n].to_pylist()]
    if differ:
        print(f"{a.name} and {b.name} differ in {differ}", file=sys.stderr)
    types = [
        f"{fa.name} {fa.type}/{fb.type}"
        for fa, fb in zip(ta.schema, tb.schema, strict=True)
        if _plain(fa.type) != _plain(fb.type)
    ]
    if types:
        print(f"{a.name} and {b.name} differ in types: {types}", file=sys.stderr)
    return not differ and not types


def _plain(t: Any) -> Any:
    """An Arrow type with large/view strings as string (the same Parquet column type)."""
    import pyarrow as pa

    return pa.string() if t in (pa.large_string(), pa.string_view()) else t


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        m = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    mem = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        m = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.M)
        mem = f"{int(m.group(1)) / 1024**2:.1f} GiB" if m else mem
    import duckdb
    import pandas
    import pyarrow

    try:
        import polars

        with_polars = f", Polars {polars.__version__}"
    except ImportError:  # the bench dependency group is not installed
        with_polars = ""
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} RAM, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
        f"pyarrow {pyarrow.__version__}{with_polars}"
    )


def bench(
    scales: list[str], runs: int, kinds: tuple[str, ...] = KINDS, warm_cache: Path | None = None
) -> dict[str, Any]:
    """`kinds`: the sides to run (default all). `warm_cache`: a valid-row cache directory
    (RMPERF_VALID_CACHE, entries per lake in a subdirectory) already filled, used as is by
    the warm sides (default: a fresh one, filled once, unmeasured)."""
    report: dict[str, Any] = {"machine": machine(), "as_of": AS_OF.isoformat(), "scales": {}}
    for scale in scales:
        lake = lake_for(scale)
        before = snapshot(lake)
        work = OUT / f"results-{scale}"
        work.mkdir(parents=True, exist_ok=True)
        outs = {k: work / f"{k}.parquet" for k in kinds}
        if warm_cache is not None:
            warm = warm_cache
        else:
            warm = OUT / f"cache-{scale}"
            shutil.rmtree(warm, ignore_errors=True)
            # Fill the warm cache once, unmeasured (the CLI validates every table it reads).
            run_child(argv_for("cli", lake, work / "fill.parquet"), warm)
        samples: dict[str, list[tuple[float, int, dict[str, Any]]]] = {k: [] for k in kinds}
        loads: list[float] = []
        for i in range(runs):
            loads.append(os.getloadavg()[0])
            for kind in kinds:  # alternating: every side sees the same neighbours
                if kind in COLD:
                    cold = Path(tempfile.mkdtemp(prefix=f"cold-{scale}-", dir=OUT))
                    samples[kind].append(run_child(argv_for(kind, lake, outs[kind]), cold))
                    shutil.rmtree(cold)
                elif kind == "cli_before":
                    argv = argv_for(kind, lake, outs[kind])
                    samples[kind].append(run_child(argv, warm, pythonpath=BEFORE["src"]))
                elif kind == "cli_compile":
                    # Valid rows cached, compiled SQL not (a new as-of date or policy).
                    for sql_dir in warm.glob("*/sql"):
                        shutil.rmtree(sql_dir)
                    samples[kind].append(run_child(argv_for(kind, lake, outs[kind]), warm))
                else:
                    samples[kind].append(run_child(argv_for(kind, lake, outs[kind]), warm))
            print(
                f"{scale} run {i + 1}: "
                + ", ".join(f"{k} {samples[k][-1][0]:.2f} s" for k in kinds),
                file=sys.stderr,
            )
        agree, counts = results_agree(outs)
        # The command's file is the same, byte for byte, whichever way it was computed.
        clis = [outs[k] for k in ("cli_cold", "cli_before", "cli_compile", "cli") if k in outs]
        agree = agree and len({p.read_bytes() for p in clis}) <= 1
        if clis and "sql_full" in outs:
            # Every column of the command, not only R/F/M/tier, equals the full hand query.
            agree = agree and same_columns(clis[0], outs["sql_full"])
        if clis and "polars" in outs:
            agree = agree and same_columns(clis[0], outs["polars"])
        if snapshot(lake) != before:
            raise SystemExit(f"{lake} changed during the run; measure again")
        loads.append(os.getloadavg()[0])
        entry: dict[str, Any] = {
            "lake": str(lake), "agree": agree, "tiers": counts, "load_1min": loads,
        }  # fmt: skip
        for kind in kinds:
            walls = [s[0] for s in samples[kind]]
            entry[kind] = {
                "wall_s": statistics.median(walls),
                "walls": walls,
                "rss_mib": statistics.median(s[1] for s in samples[kind]),
                "phases": {
                    k: statistics.median(float(s[2][k]) for s in samples[kind])
                    for k in samples[kind][0][2]
                    if k != "rows"
                },
            }
        report["scales"][scale] = entry
    return report


LABELS = {
    "cli_cold": "`rmperf segment`, cold (empty valid-row cache: validates every table)",
    "cli_before": "`rmperf segment`, warm, before this change (`--before` source tree)",
    "cli_compile": "`rmperf segment`, valid rows cached, SQL compiled (first run of an as-of)",
    "cli": "`rmperf segment`, warm (valid rows and compiled SQL cached)",
    "engine": "engine R/F/M/tier only, warm (`segment(with_tags=False)` calls, in-process)",
    "sql": "hand-written DuckDB query (instant bounds, as the engine)",
    "sql_full": "hand-written DuckDB query, every column of the command (tags, contribution)",
    "sql_days": "hand-written DuckDB query (per-row bank-time dates)",
    "pandas": "pandas",
    "polars": "Polars (lazy), every column of the command (same work as sql_full)",
}


def markdown(report: dict[str, Any]) -> str:
    scales = report["scales"]
    present = [k for k in KINDS if all(k in e for e in scales.values())]
    lines = [f"machine: {report['machine']}", f"as-of {report['as_of']}, default policy", ""]
    lines += ["| wall s, median of runs | " + " | ".join(scales) + " |"]
    lines += ["|---|" + "---:|" * len(scales)]
    for kind in present:
        lines.append(
            f"| {LABELS[kind]} | " + " | ".join(f"{e[kind]['wall_s']:.2f}" for e in scales.values())
            + " |"
        )  # fmt: skip
    if all("cpu_s" in e[k]["phases"] for e in scales.values() for k in present):
        lines += ["", "| CPU s (user + system), median | " + " | ".join(scales) + " |"]
        lines += ["|---|" + "---:|" * len(scales)]
        for kind in present:
            lines.append(
                f"| {LABELS[kind]} | "
                + " | ".join(f"{e[kind]['phases']['cpu_s']:.2f}" for e in scales.values())
                + " |"
            )
    lines += ["", "| peak RSS MiB, median | " + " | ".join(scales) + " |"]
    lines += ["|---|" + "---:|" * len(scales)]
    for kind in present:
        lines.append(
            f"| {LABELS[kind]} | "
            + " | ".join(f"{e[kind]['rss_mib']:,.0f}" for e in scales.values()) + " |"
        )  # fmt: skip

    def ratio(e: dict[str, Any], a: str, b: str) -> str:
        wall = f"{e[a]['wall_s'] / e[b]['wall_s']:.2f}×"
        if "cpu_s" in e[a]["phases"] and "cpu_s" in e[b]["phases"]:
            return f"{wall} (CPU {e[a]['phases']['cpu_s'] / e[b]['phases']['cpu_s']:.2f}×)"
        return wall

    lines += ["", "| ratio of median wall s (of CPU s) | " + " | ".join(scales) + " |"]
    lines += ["|---|" + "---:|" * len(scales)]
    for a, b, label in (
        ("cli", "sql", "`rmperf segment` warm / hand SQL (target ≤ 1.3× on medium)"),
        ("cli", "sql_full", "`rmperf segment` warm / hand SQL of every column (same work)"),
        ("sql_full", "sql", "hand SQL of every column / hand SQL of R/F/M/tier"),
        ("cli", "polars", "`rmperf segment` warm / Polars, same work (target ≤ 1.2×)"),
        ("sql_full", "polars", "hand SQL of every column / Polars, same work"),
        ("cli_compile", "sql", "`rmperf segment` warm, SQL compiled / hand SQL"),
        ("cli_before", "sql", "`rmperf segment` warm before / hand SQL"),
        ("cli_before", "cli", "before / after (`rmperf segment` warm)"),
        ("cli_cold", "sql", "`rmperf segment` cold / hand SQL"),
        ("engine", "sql", "engine R/F/M/tier warm / hand SQL"),
        ("engine", "sql_days", "engine R/F/M/tier warm / hand SQL with per-row dates"),
        ("pandas", "cli", "pandas / `rmperf segment` warm (target ≥ 10× on medium)"),
        ("pandas", "cli_cold", "pandas / `rmperf segment` cold"),
        ("pandas", "engine", "pandas / engine R/F/M/tier warm"),
    ):
        if a in present and b in present:
            row = " | ".join(ratio(e, a, b) for e in scales.values())
            lines.append(f"| {label} | {row} |")
    lines.append("")
    for scale, e in scales.items():
        tiers = ", ".join(f"{k} {v:,}" for k, v in sorted(e["tiers"].items()))
        agree = f"all {len(present)} results equal" if e["agree"] else "RESULTS DIFFER"
        lines.append(f"- {scale} ({e['lake']}): {agree} per customer; {tiers}.")
        if "load_1min" in e:
            load = ", ".join(f"{x:.1f}" for x in e["load_1min"])
            lines.append(f"  - 1-minute load average before each round and after: {load}")
        for kind in present:
            phases = ", ".join(f"{k} {v:.2f}" for k, v in e[kind]["phases"].items())
            lines.append(f"  - {kind} phases (median s): {phases}")
        walls = "; ".join(f"{k} " + ", ".join(f"{w:.2f}" for w in e[k]["walls"]) for k in present)
        lines.append(f"  - per-run wall s: {walls}")
    return "\n".join(lines) + "\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def spark_parity(scale: str) -> None:
    lake = lake_for(scale)
    work = OUT / f"parity-{scale}"
    work.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, dict[str, str]] = {}
    for engine in ("duckdb", "spark"):
        for suffix in ("csv", "parquet"):
            out = work / f"{engine}.{suffix}"
            t = time.perf_counter()
            subprocess.run(
                [str(RMPERF), "segment", "--lake", str(lake), "--as-of", AS_OF.isoformat(),
                 "--today", TODAY.isoformat(), "--engine", engine, "--out", str(out)],
                check=True, capture_output=True,
            )  # fmt: skip
            hashes.setdefault(engine, {})[suffix] = sha256(out)
            print(f"{engine} {suffix}: {time.perf_counter() - t:.1f} s, {sha256(out)[:16]}")
    for suffix in ("csv", "parquet"):
        same = hashes["duckdb"][suffix] == hashes["spark"][suffix]
        print(f"{scale} {suffix}: {'identical' if same else 'DIFFERENT'} sha256 "
              f"{hashes['duckdb'][suffix]}")  # fmt: skip


# ---- where validation time goes ---------------------------------------------------------

# Text surgery on the generated valid-view SQL, to time it without one kind of check.
WITHOUT = {
    "regexes": [(r"NOT regexp_full_match\([^()]*\)", "FALSE")],
    "duplicate keys": [
        (r"LEFT JOIN dd ON (?:c\.\"\w+\" = dd\.\"\w+\"(?: AND )?)+", ""),
        (r"dd\.__dup AS __dup", "NULL::BIGINT AS __dup"),
    ],
    "references": [
        (r"LEFT JOIN \(SELECT DISTINCT [^()]*\) f\d+ ON \S+ = f\d+\.__k", ""),
        (r"f(\d+)\.__k AS __fk_\1", "'x' AS __fk_\\1"),
    ],
}


def profile_validation(scale: str, runs: int) -> None:
    """Time each valid view the R/F/M query reads, whole and without each kind of check."""
    import duckdb

    from rmperf.engine.backends import attach_lake
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend
    from rmperf.engine.lake import Lake
    from rmperf.engine.segmentation.rfm import RFM_TABLES
    from rmperf.engine.validity import DUCKDB, checked_query, raw_view_name, valid_sql

    os.environ["RMPERF_VALID_CACHE"] = "off"  # time the validation itself
    lake = Lake(lake_for(scale), today=TODAY)
    engine = DuckDBBackend()
    t = time.perf_counter()
    attach_lake(engine, lake, list(RFM_TABLES))
    print(f"{scale}: attach (materialises referenced tables) {time.perf_counter() - t:.2f} s")
    con: duckdb.DuckDBPyConnection = engine.con

    def timed(sql: str) -> float:
        walls = []
        for _ in range(runs):
            t0 = time.perf_counter()
            con.sql(sql).to_arrow_table()
            walls.append(time.perf_counter() - t0)
        return statistics.median(walls)

    for table, cols in (
        ("transactions", "max(ts), sum(amount)"),
        ("balances", "sum(avg_daily_balance)"),
    ):
        files = lake.files(table)
        full = valid_sql(
            checked_query(
                table, files.columns(), DUCKDB, today=lake.today, time_zone=lake.time_zone
            ),
            DUCKDB,
        )
        probe = f"SELECT count(*), {cols} FROM ({{}})"
        print(f"  {table}: raw {timed(probe.format(f'SELECT * FROM {raw_view_name(table)}')):.2f} s,"
              f" validated {timed(probe.format(full)):.2f} s")  # fmt: skip
        everything = full
        for label, subs in WITHOUT.items():
            sql = full
            for pattern, repl in subs:
                sql, n = re.subn(pattern, repl, sql)
                everything = re.sub(pattern, repl, everything)
                if n == 0:
                    print(f"    (no {label} in {table})")
            print(f"    without {label}: {timed(probe.format(sql)):.2f} s")
        print(f"    without all three: {timed(probe.format(everything)):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["tiny", "small", "medium"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--from-json", type=Path, help="only print the report of saved results")
    ap.add_argument("--lake", action="append", default=[], metavar="SCALE=DIR",
                    help="use this existing lake for SCALE")  # fmt: skip
    ap.add_argument("--spark-parity", metavar="SCALE", help="compare DuckDB and Spark files")
    ap.add_argument("--profile-validation", metavar="SCALE", help="time the valid views")
    ap.add_argument("--sides", nargs="+", choices=KINDS, default=list(KINDS),
                    help="the sides to run (default: all)")  # fmt: skip
    ap.add_argument("--warm-cache", type=Path, metavar="DIR",
                    help="a valid-row cache directory (RMPERF_VALID_CACHE) already filled by "
                    "an earlier run of this script, for the warm sides (default: a fresh one, "
                    "filled once, unmeasured)")  # fmt: skip
    ap.add_argument("--before", type=Path, metavar="SRC",
                    help="for the cli_before side: a source tree (src/ of a checkout of an "
                    "earlier commit) run with the same venv")  # fmt: skip
    ap.add_argument("--child", nargs=3, metavar=("KIND", "LAKE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    for item in args.lake:
        scale, _, path = item.partition("=")
        LAKES[scale] = Path(path).resolve()
    if args.child:
        kind, lake, out = args.child
        print(json.dumps(child(kind, Path(lake), Path(out))))
        return
    if args.from_json:
        print(markdown(json.loads(args.from_json.read_text())), end="")
        return
    if args.spark_parity:
        spark_parity(args.spark_parity)
        return
    if args.profile_validation:
        profile_validation(args.profile_validation, args.runs)
        return
    kinds = tuple(k for k in KINDS if k in args.sides)
    if "polars" in kinds:
        import importlib.util

        if importlib.util.find_spec("polars") is None:
            ap.error("the polars side needs the bench group: `.uv/bin/uv sync --group bench`")
    if "cli_before" in kinds:
        if args.before is None:
            ap.error("the cli_before side needs --before SRC")
        BEFORE["src"] = args.before.resolve()
    report = bench(args.scales, args.runs, kinds, args.warm_cache)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report), end="")


if __name__ == "__main__":
    main()
