"""Benchmark `rmperf workload` and `rmperf gaming` on the medium bank, each beside a
hand-written DuckDB query of the same measure, in the same run.

    .venv/bin/python bench/bench_workload.py [--lake /work/lakes/medium] [--period 2026Q3]
        [--runs 3] [--cache DIR]

Every measured run is its own subprocess; wall time is taken around the child and peak
RSS is the child's ru_maxrss (os.wait4). The sides alternate within each repetition so
that load from other users of the machine falls on all of them alike.

- `workload`, `gaming`: the commands as a user runs them, with the default policies, the
  valid-row cache in `--cache` (RMPERF_VALID_CACHE, so nothing is written into the lake)
  filled by one unmeasured run first;
- `workload_sql`, `gaming_sql`: one hand-written DuckDB query each over the lake's raw
  Parquet files, with the default policy's numbers written in, giving the same output
  columns (gaming: staff_id, period, kind, instances). They skip row validation; they are
  cost references. The working days come from the same calendar library as a list.

After the runs, the query's rows are compared with the command's (workload: every column
but policy_version; gaming: the four columns) and the report says whether they agree.
The report goes to stdout as Markdown; bench/workload.md quotes it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
TODAY = "2026-12-07"

SQL_CHILD = r'''
import datetime as dt, os, sys
import duckdb
import chinese_calendar
from rmperf.engine.periods import Period

lake, period_key, which, out = sys.argv[1:5]
period = Period.parse(period_key)
S, E = period.start.isoformat(), period.end.isoformat()
LAST_MONTH = period.months[-1]

def src(t):
    p = os.path.join(lake, t)
    return f"read_parquet('{p}/**/*.parquet')" if os.path.isdir(p) else f"read_parquet('{p}.parquet')"

con = duckdb.connect()
con.execute("SET TimeZone = 'Asia/Shanghai'")  # ts::DATE is then the business date
con.execute("SET enable_progress_bar = false")
# The period as instants in bank time: a filter on them needs no date per row.
FROM_TS = f"TIMESTAMPTZ '{S} 00:00:00+08:00'"
TO_TS = f"TIMESTAMPTZ '{(period.end + dt.timedelta(days=1)).isoformat()} 00:00:00+08:00'"

if which == "workload":
    days = chinese_calendar.get_workdays(period.start, period.end, include_weekends=True)
    wd = ", ".join(f"(DATE '{d.isoformat()}')" for d in days)
    sql = f"""
    WITH st AS (SELECT staff_id, role, hired_on FROM {src('staff')}),
    wd(day) AS (VALUES {wd}),
    ln AS (SELECT staff_id, count(*) AS n FROM {src('loans')}
           WHERE disbursed_on BETWEEN DATE '{S}' AND DATE '{E}' GROUP BY 1),
    ia AS (SELECT staff_id, count(*) FILTER (WHERE channel = 'visit') AS visits,
                  count(*) FILTER (WHERE channel = 'phone') AS calls
           FROM {src('interactions')} WHERE ts >= {FROM_TS} AND ts < {TO_TS} GROUP BY 1),
    ev AS (SELECT coalesce(e.staff_id, a.staff_id) AS staff_id, count(*) AS n
           FROM {src('events')} e LEFT JOIN {src('assignments')} a
             ON e.staff_id IS NULL AND a.customer_id = e.customer_id
            AND e.ts::DATE >= a.valid_from AND (a.valid_to IS NULL OR e.ts::DATE <= a.valid_to)
           WHERE e.kind = 'account.opened' AND e.ts >= {FROM_TS} AND e.ts < {TO_TS}
           GROUP BY 1),
    rq AS (SELECT staff_id, count(*) AS n FROM {src('requests')}
           WHERE received_at >= {FROM_TS} AND received_at < {TO_TS} GROUP BY 1),
    aum AS (SELECT customer_id, sum(month_end_balance) AS aum FROM {src('balances')}
            WHERE month = '{LAST_MONTH}' AND category IN ('deposit', 'wealth', 'fund', 'insurance')
            GROUP BY 1),
    bk AS (SELECT a.staff_id, count(*) AS customers,
                  CAST(sum(coalesce(aum.aum, 0)) * 100 AS HUGEINT) AS cents
           FROM {src('assignments')} a JOIN {src('customers')} c ON c.customer_id = a.customer_id
           LEFT JOIN aum ON aum.customer_id = a.customer_id
           WHERE a.valid_from <= DATE '{E}' AND (a.valid_to IS NULL OR a.valid_to >= DATE '{E}')
             AND c.opened_on <= DATE '{E}' GROUP BY 1),
    av AS (SELECT st.staff_id, count(wd.day) AS n FROM st LEFT JOIN wd ON wd.day >= st.hired_on
           GROUP BY 1),
    x AS (
      SELECT st.staff_id, coalesce(ln.n, 0) AS loans, coalesce(ia.visits, 0) AS visits,
             coalesce(ia.calls, 0) AS calls, coalesce(ev.n, 0) AS openings,
             coalesce(rq.n, 0) AS requests, av.n AS available,
             coalesce(bk.customers, 0) AS customers, coalesce(bk.cents, 0) AS cents
      FROM st JOIN av USING (staff_id) LEFT JOIN ln USING (staff_id) LEFT JOIN ia USING (staff_id)
      LEFT JOIN ev USING (staff_id) LEFT JOIN rq USING (staff_id) LEFT JOIN bk USING (staff_id)
      WHERE st.role = 'rm' AND (st.hired_on <= DATE '{E}' OR ln.n > 0 OR ia.visits > 0
            OR ia.calls > 0 OR ev.n > 0 OR rq.n > 0 OR bk.customers > 0)),
    y AS (SELECT *, loans * 35000 + visits * 5000 + calls * 500 + openings * 1250
                    + requests * 1250 AS demand_e4 FROM x)
    SELECT staff_id, '{period_key}' AS period, loans,
      CAST(loans * 2 AS DECIMAL(18, 4)) AS days_loan_investigation,
      CAST(loans * 0.5 AS DECIMAL(18, 4)) AS days_loan_entry,
      CAST(loans * 1 AS DECIMAL(18, 4)) AS days_loan_signing,
      CAST(demand_e4 * 0.0001 AS DECIMAL(18, 4)) AS demand_days,
      available AS available_days,
      CASE WHEN available > 0 THEN
        CAST(CAST((2 * demand_e4 + available) // (2 * available) AS DECIMAL(18, 0)) * 0.0001
             AS DECIMAL(12, 4)) END
        AS utilisation,
      customers,
      CASE WHEN customers > 0 THEN
        CAST(CAST((2 * cents + customers) // (2 * customers) AS DECIMAL(36, 0)) * 0.01
             AS DECIMAL(18, 2)) END
        AS avg_assets_per_customer,
      visits AS count_visit, CAST(visits * 0.5 AS DECIMAL(18, 4)) AS days_visit,
      calls AS count_call, CAST(calls * 0.05 AS DECIMAL(18, 4)) AS days_call,
      openings AS count_account_opening,
      CAST(openings * 0.125 AS DECIMAL(18, 4)) AS days_account_opening,
      requests AS count_request, CAST(requests * 0.125 AS DECIMAL(18, 4)) AS days_request,
      CAST(800000 AS DECIMAL(18, 2)) AS aum_benchmark,
      CASE WHEN customers = 0 THEN NULL
           WHEN (2 * cents + customers) // (2 * customers) > 80000000 THEN 'above'
           WHEN (2 * cents + customers) // (2 * customers) = 80000000 THEN 'at'
           ELSE 'below' END AS benchmark_position
    FROM y ORDER BY staff_id"""
else:
    months = list(period.months)
    def nxt(m):
        y, mo = int(m[:4]), int(m[5:7])
        return f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}"
    pairs = ", ".join(
        f"('{m}', '{nxt(m)}', DATE '{(dt.date(int(nxt(m)[:4]), int(nxt(m)[5:7]), 1) - dt.timedelta(days=1)).isoformat()}')"
        for m in months)
    tail = (period.end - dt.timedelta(days=9)).isoformat()
    sql = f"""
    WITH asg AS (SELECT * FROM {src('assignments')}),
    b AS (SELECT customer_id, month, sum(avg_daily_balance) AS a, sum(month_end_balance) AS e
          FROM {src('balances')} WHERE category = 'deposit' GROUP BY 1, 2),
    pairs(month, nm, last_day) AS (VALUES {pairs}),
    present AS (SELECT DISTINCT month FROM {src('balances')}),
    pump AS (SELECT x.staff_id, count(*) AS n FROM (
               SELECT asg.staff_id FROM b cur JOIN pairs p ON p.month = cur.month
               JOIN present ON present.month = p.nm
               LEFT JOIN b nx ON nx.customer_id = cur.customer_id AND nx.month = p.nm
               JOIN asg ON asg.customer_id = cur.customer_id AND asg.valid_from <= p.last_day
                       AND (asg.valid_to IS NULL OR asg.valid_to >= p.last_day)
               WHERE cur.e >= 1.5 * cur.a AND cur.e - cur.a >= 100000
                 AND coalesce(nx.a, 0) - cur.a <= 0.2 * (cur.e - cur.a)) x GROUP BY 1),
    bunch AS (SELECT staff_id, 1 AS n FROM {src('loans')}
              WHERE disbursed_on BETWEEN DATE '{S}' AND DATE '{E}' GROUP BY 1
              HAVING count(*) >= 3
                 AND sum(amount) FILTER (WHERE disbursed_on >= DATE '{tail}') > 0.4 * sum(amount)),
    t AS (SELECT customer_id, direction, ts::DATE AS day, CAST(amount * 100 AS BIGINT) AS c
          FROM {src('transactions')}
          WHERE ts >= {FROM_TS} AND ts < {TO_TS} AND amount <= 50000),
    g AS (SELECT customer_id, day FROM t GROUP BY customer_id, day, direction
          HAVING count(*) >= 5 AND sum(c) % 1000000 = 0),
    split AS (SELECT asg.staff_id, count(*) AS n FROM g JOIN asg ON asg.customer_id = g.customer_id
              AND asg.valid_from <= g.day AND (asg.valid_to IS NULL OR asg.valid_to >= g.day)
              GROUP BY 1),
    r AS (SELECT referral_id AS id, from_staff_id AS f, to_staff_id AS t, customer_id AS c,
                 created_at AS at, created_at::DATE AS day
          FROM {src('referrals')} WHERE from_staff_id <> to_staff_id),
    c2 AS (SELECT r1.f AS a, r1.t AS b FROM r r1 JOIN r r2 ON r2.c = r1.c AND r2.f = r1.t
             AND r2.t = r1.f AND (r2.at > r1.at OR (r2.at = r1.at AND r2.id > r1.id))
           WHERE r2.day - r1.day <= 90 AND r2.at >= {FROM_TS} AND r2.at < {TO_TS}),
    c3 AS (SELECT r1.f AS a, r2.f AS b, r3.f AS x FROM r r1
           JOIN r r2 ON r2.c = r1.c AND r2.f = r1.t AND (r2.at > r1.at OR (r2.at = r1.at AND r2.id > r1.id))
           JOIN r r3 ON r3.c = r1.c AND r3.f = r2.t AND (r3.at > r2.at OR (r3.at = r2.at AND r3.id > r2.id))
           WHERE r3.t = r1.f AND r1.f <> r2.f AND r1.f <> r3.f AND r2.f <> r3.f
             AND r3.day - r1.day <= 90 AND r3.at >= {FROM_TS} AND r3.at < {TO_TS}),
    circ AS (SELECT s AS staff_id, count(*) AS n FROM (
               SELECT a AS s FROM c2 UNION ALL SELECT b FROM c2 UNION ALL SELECT a FROM c3
               UNION ALL SELECT b FROM c3 UNION ALL SELECT x FROM c3) GROUP BY 1)
    SELECT staff_id, '{period_key}' AS period, kind, CAST(n AS BIGINT) AS instances FROM (
      SELECT staff_id, 'balance_pump' AS kind, n FROM pump UNION ALL
      SELECT staff_id, 'loan_bunching', n FROM bunch UNION ALL
      SELECT staff_id, 'split_transactions', n FROM split UNION ALL
      SELECT staff_id, 'circular_referrals', n FROM circ)
    ORDER BY staff_id, kind"""
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
print(con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0])
'''


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def compare(engine_file: Path, sql_file: Path, columns: list[str]) -> str:
    import pyarrow.parquet as pq

    a = pq.read_table(engine_file).select(columns).to_pylist()
    b = pq.read_table(sql_file).select(columns).to_pylist()
    if a == b:
        return f"identical ({len(a)} rows × {len(columns)} columns)"
    diff = sum(1 for x, y in zip(a, b, strict=False) if x != y) + abs(len(a) - len(b))
    return f"DIFFER: {diff} of {max(len(a), len(b))} rows"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", type=Path, default=Path("/work/lakes/medium"))
    ap.add_argument("--period", default="2026Q3")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", type=Path, help="valid-row cache directory (default: temporary)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-workload-"))
    cache = args.cache or work / "cache"
    env = {**os.environ, "RMPERF_VALID_CACHE": str(cache)}
    lake, period = str(args.lake), args.period
    files = {k: work / f"{k}.parquet" for k in ("workload", "gaming", "workload_sql", "gaming_sql")}
    sides = {
        "workload": [
            str(RMPERF),
            "workload",
            "--lake",
            lake,
            "--period",
            period,
            "--today",
            TODAY,
            "--out",
            str(files["workload"]),
        ],
        "workload_sql": [
            str(PY),
            "-c",
            SQL_CHILD,
            lake,
            period,
            "workload",
            str(files["workload_sql"]),
        ],
        "gaming": [
            str(RMPERF),
            "gaming",
            "--lake",
            lake,
            "--period",
            period,
            "--today",
            TODAY,
            "--out",
            str(files["gaming"]),
            "--evidence",
            str(work / "evidence.parquet"),
        ],
        "gaming_sql": [str(PY), "-c", SQL_CHILD, lake, period, "gaming", str(files["gaming_sql"])],
    }
    # Fill the valid-row cache (unmeasured), so the commands run as a user's second run does.
    cold = {k: run_child(sides[k], env) for k in ("workload", "gaming")}
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, argv in sides.items():
            results[name].append(run_child(argv, env))
    load_after = os.getloadavg()

    wl_cols = [
        "staff_id",
        "period",
        "loans",
        "days_loan_investigation",
        "days_loan_entry",
        "days_loan_signing",
        "demand_days",
        "available_days",
        "utilisation",
        "customers",
        "avg_assets_per_customer",
        "count_visit",
        "days_visit",
        "count_call",
        "days_call",
        "count_account_opening",
        "days_account_opening",
        "count_request",
        "days_request",
        "aum_benchmark",
        "benchmark_position",
    ]
    checks = {
        "workload": compare(files["workload"], files["workload_sql"], wl_cols),
        "gaming": compare(
            files["gaming"], files["gaming_sql"], ["staff_id", "period", "kind", "instances"]
        ),
    }
    cpus = os.cpu_count()
    print(
        f"Lake `{lake}`, period {period}; {args.runs} runs per side, alternating; "
        f"{cpus} CPUs; Python {platform.python_version()}; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after.\n"
    )
    print("| run | wall s (median) | ratio to its query | peak RSS MiB (max) | per-run wall s |")
    print("|---|---:|---:|---:|---|")
    for name in sides:
        walls = [w for w, _ in results[name]]
        query = name if name.endswith("_sql") else f"{name}_sql"
        ratio = statistics.median(walls) / statistics.median(w for w, _ in results[query])
        rss = max(r for _, r in results[name])
        print(
            f"| `{name}` | {statistics.median(walls):.2f} | {ratio:.2f}× | {rss:.0f} | "
            + ", ".join(f"{w:.2f}" for w in walls)
            + " |"
        )
    print()
    for name, (wall, rss) in cold.items():
        print(
            f"- `{name}` with an empty valid-row cache (validates the lake first): "
            f"{wall:.2f} s, {rss:.0f} MiB"
        )
    for name, verdict in checks.items():
        print(f"- `{name}` against its query: {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
