"""Benchmark scoring a quarter for every RM of the medium bank, beside a hand-written query.

    .venv/bin/python bench/bench_score.py [--lake /tmp/medium] [--period 2026Q3] [--runs 3]
        [--sides engine_off engine_cold engine cli_before cli sql] [--warm-cache DIR]
        [--before SRC]

If the lake is absent, it is generated first (`rmperf generate --scale medium --seed 1`),
unless a generator is already writing it. Every measured run is its own subprocess. Wall
time is measured around the child, and peak RSS is that child's ru_maxrss, which os.wait4
reports per child.

The engine is measured three ways, by the valid-row cache (rmperf.engine.valid_cache)
it is given through RMPERF_VALID_CACHE:
- `engine_off`: no cache: every run validates the tables it reads (the engine before
  the cache);
- `engine_cold`: an empty cache directory per run: validates and writes the valid rows;
- `engine`: the cache filled by an unmeasured run first: the usual case.
Each runs `score_lake`'s steps with the shipped scorecards: staff and business lines,
`compute_indicators` for the indicators of the cards in use (on the validated views),
and the pure scorer. The child also reports its phases.
- `cli`: the command itself, `rmperf score --lake L --period P --out … --lines …`, with
  the cache filled (what a user runs); `cli_before` the same with an earlier source tree
  (`--before SRC`, same venv), and the two commands' files are compared byte for byte.
- `sql`: one hand-written DuckDB query over the raw Parquet files. It computes the same
  indicators with the same crediting rules (time-sliced assignments) in a long
  staff_id, indicator, value table. It is a cost reference, not a parity oracle. It
  skips row validation and a few edge rules (see bench/score.md).

The report goes to stdout as Markdown; bench/score.md quotes it.
"""

from __future__ import annotations

import argparse
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
KINDS = ("engine_off", "engine_cold", "engine", "cli_before", "cli", "sql")

ENGINE_CHILD = """
import datetime as dt, json, sys, time
t0 = time.perf_counter()
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.scoring import load_scorecards, score, values_from_table
from rmperf.engine.scoring.run import assign_cards, needed_indicators, staff_info
from rmperf.engine.indicators import compute_indicators, LIBRARY
lake = Lake(sys.argv[1], today=dt.date(2026, 11, 23))
period = Period.parse(sys.argv[2])
cards = load_scorecards()
t1 = time.perf_counter()
staff = staff_info(lake, period=period)
assignment, skipped = assign_cards(staff, cards)
used = {n: cards[n] for n in set(assignment.values())}
wanted = needed_indicators(used)
t2 = time.perf_counter()
values = compute_indicators(lake, period=period, indicators=wanted)
t3 = time.perf_counter()
result = score(values_from_table(values), cards=cards, assignment=assignment, period=period,
               library=LIBRARY, staff=staff)
t4 = time.perf_counter()
print(json.dumps({"rms": len(result.totals), "lines": len(result.lines),
                  "indicators": wanted, "setup": t1 - t0, "staff": t2 - t1,
                  "indicators_s": t3 - t2, "scoring": t4 - t3}))
"""

SQL_CHILD = """
import json, sys, time
import duckdb
sys.path.insert(0, sys.argv[3])
from bench_score import hand_sql
t0 = time.perf_counter()
con = duckdb.connect()
rows = con.execute(hand_sql(sys.argv[1], sys.argv[2])).fetchall()
print(json.dumps({"rows": len(rows), "rms": len({r[0] for r in rows}), "query": time.perf_counter() - t0}))
"""


def _src(lake: str, table: str) -> str:
    p = Path(lake) / table
    if p.is_dir():
        return f"read_parquet('{p}/**/*.parquet')"
    return f"read_parquet('{p}.parquet')"


def hand_sql(lake: str, period: str) -> str:
    """One DuckDB query for the retail card's indicators in Q-format periods (2026Q3)."""
    year, q = int(period[:4]), int(period[-1])
    m0 = 3 * q - 2
    months = [f"{year:04d}-{m0 + i:02d}" for i in range(3)]
    pq, py = (q - 1, year) if q > 1 else (4, year - 1)
    prev = [f"{py:04d}-{3 * pq - 2 + i:02d}" for i in range(3)]
    start = f"DATE '{months[0]}-01'"
    end = f"(DATE '{months[2]}-01' + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE"
    t = {name: _src(lake, name) for name in (
        "staff", "assignments", "customers", "balances", "holdings", "products", "events",
        "feedback", "requests", "trainings", "referrals", "transactions",
    )}  # fmt: skip

    def month_rows(keys: list[str]) -> str:
        return ", ".join(
            f"('{k}', DATE '{k}-01', (DATE '{k}-01' + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE)"
            for k in keys
        )

    return f"""
WITH
p AS (SELECT {start} AS d0, {end} AS d1),
rms AS (SELECT staff_id FROM {t["staff"]}, p WHERE role = 'rm' AND hired_on <= d1),
a AS (SELECT customer_id, staff_id, valid_from, COALESCE(valid_to, DATE '9999-12-31') AS valid_to
      FROM {t["assignments"]}),
m AS (SELECT month, ms, me, (me - ms + 1) AS days FROM (VALUES {month_rows(months)}) v(month, ms, me)),
pm AS (SELECT month, ms, me, (me - ms + 1) AS days FROM (VALUES {month_rows(prev)}) v(month, ms, me)),
bal AS (
  SELECT customer_id, month,
         SUM(CASE WHEN category = 'deposit' THEN avg_daily_balance ELSE 0 END) AS dep,
         SUM(CASE WHEN category IN ('deposit', 'wealth', 'fund', 'insurance')
                  THEN avg_daily_balance ELSE 0 END) AS aum
  FROM {t["balances"]}
  WHERE month BETWEEN '{prev[0]}' AND '{months[2]}'
  GROUP BY ALL),
credit AS (
  SELECT a.customer_id, a.staff_id, m.month,
         (LEAST(a.valid_to, m.me) - GREATEST(a.valid_from, m.ms) + 1) AS cdays
  FROM a JOIN m ON a.valid_from <= m.me AND a.valid_to >= m.ms),
cur AS (
  SELECT c.staff_id, c.customer_id, SUM(COALESCE(b.dep, 0) * c.cdays) AS dep_bd,
         SUM(COALESCE(b.aum, 0) * c.cdays) AS aum_bd, SUM(c.cdays) AS held
  FROM credit c LEFT JOIN bal b ON b.customer_id = c.customer_id AND b.month = c.month
  GROUP BY ALL),
base AS (
  SELECT customer_id, SUM(dep * pm.days) AS dep_bd, SUM(aum * pm.days) AS aum_bd
  FROM bal JOIN pm USING (month) GROUP BY ALL),
dn AS (SELECT SUM(days) AS d FROM m), dp AS (SELECT SUM(days) AS d FROM pm),
growth AS (
  SELECT cur.staff_id,
         SUM(cur.dep_bd / dn.d - cur.held / dn.d * COALESCE(base.dep_bd, 0) / dp.d) AS dep_g,
         SUM(cur.aum_bd / dn.d - cur.held / dn.d * COALESCE(base.aum_bd, 0) / dp.d) AS aum_g
  FROM cur LEFT JOIN base USING (customer_id), dn, dp GROUP BY 1),
h AS (SELECT h.customer_id, h.amount, h.start_date, h.maturity_date, pr.category, pr.revenue_rate
      FROM {t["holdings"]} h JOIN {t["products"]} pr USING (product_id)),
sales AS (
  SELECT a.staff_id,
         SUM(CASE WHEN h.category = 'wealth' THEN h.amount ELSE 0 END) AS wealth,
         SUM(CASE WHEN h.category = 'insurance' THEN h.amount ELSE 0 END) AS insurance
  FROM h JOIN a ON a.customer_id = h.customer_id
               AND h.start_date BETWEEN a.valid_from AND a.valid_to, p
  WHERE h.start_date BETWEEN p.d0 AND p.d1 GROUP BY 1),
fee AS (
  SELECT a.staff_id,
         SUM(h.amount * h.revenue_rate * (
           LEAST(COALESCE(h.maturity_date - 1, p.d1), p.d1, a.valid_to)
           - GREATEST(h.start_date, p.d0, a.valid_from) + 1) / 365) AS fee
  FROM h JOIN a ON a.customer_id = h.customer_id, p
  WHERE h.category IN ('wealth', 'fund', 'insurance', 'trust')
    AND h.start_date <= LEAST(p.d1, a.valid_to)
    AND COALESCE(h.maturity_date - 1, p.d1) >= GREATEST(p.d0, a.valid_from)
    AND a.valid_from <= p.d1 AND a.valid_to >= p.d0
  GROUP BY 1),
newc AS (
  SELECT c.customer_id, c.opened_on FROM {t["customers"]} c, p
  WHERE c.opened_on BETWEEN p.d0 AND p.d1),
newv AS (
  SELECT a.staff_id, COUNT(*) AS n
  FROM newc JOIN a ON a.customer_id = newc.customer_id
                  AND newc.opened_on BETWEEN a.valid_from AND a.valid_to
  WHERE EXISTS (SELECT 1 FROM {t["transactions"]} x, p
                WHERE x.customer_id = newc.customer_id
                  AND timezone('Asia/Shanghai', x.ts)::DATE BETWEEN newc.opened_on AND p.d1)
    AND EXISTS (SELECT 1 FROM bal b JOIN m USING (month)
                WHERE b.customer_id = newc.customer_id AND b.aum >= 1000)
  GROUP BY 1),
book_end AS (SELECT a.customer_id, a.staff_id FROM a, p WHERE p.d1 BETWEEN a.valid_from AND a.valid_to),
held_end AS (
  SELECT h.customer_id, COUNT(DISTINCT h.category) AS cats FROM h, p
  WHERE h.start_date <= p.d1 AND (h.maturity_date IS NULL OR h.maturity_date > p.d1)
  GROUP BY 1),
xsell AS (
  SELECT be.staff_id, AVG(CASE WHEN COALESCE(he.cats, 0) >= 2 THEN 1.0 ELSE 0.0 END) AS rate
  FROM book_end be LEFT JOIN held_end he USING (customer_id) GROUP BY 1),
nps AS (
  SELECT staff_id, (SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END)
                    - SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END)) * 100.0 / COUNT(*) AS nps
  FROM {t["feedback"]}, p WHERE kind = 'nps' AND date BETWEEN p.d0 AND p.d1 GROUP BY 1),
book_start AS (SELECT a.customer_id, a.staff_id FROM a, p WHERE p.d0 BETWEEN a.valid_from AND a.valid_to),
hnw AS (
  SELECT bs.staff_id,
         AVG(CASE WHEN COALESCE(e.aum, 0) >= 1000000 THEN 1.0 ELSE 0.0 END) AS kept
  FROM book_start bs
  JOIN bal s ON s.customer_id = bs.customer_id AND s.month = '{months[0]}' AND s.aum >= 1000000
  LEFT JOIN bal e ON e.customer_id = bs.customer_id AND e.month = '{months[2]}'
  GROUP BY 1),
resp AS (
  SELECT staff_id, AVG(CASE WHEN resolved_at IS NOT NULL
                             AND date_diff('second', received_at, resolved_at) <= 86400
                            THEN 1.0 ELSE 0.0 END) AS rate
  FROM {t["requests"]}, p
  WHERE timezone('Asia/Shanghai', received_at)::DATE BETWEEN p.d0 AND p.d1 GROUP BY 1),
ev AS (
  SELECT COALESCE(e.staff_id, a.staff_id) AS staff_id, e.kind
  FROM {t["events"]} e
  LEFT JOIN a ON a.customer_id = e.customer_id
             AND timezone('Asia/Shanghai', e.ts)::DATE BETWEEN a.valid_from AND a.valid_to, p
  WHERE e.kind IN ('complaint', 'compliance.breach')
    AND timezone('Asia/Shanghai', e.ts)::DATE BETWEEN p.d0 AND p.d1),
evc AS (
  SELECT staff_id, SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS complaints,
         SUM(CASE WHEN kind = 'compliance.breach' THEN 1 ELSE 0 END) AS breaches
  FROM ev GROUP BY 1),
refp AS (
  SELECT r.from_staff_id AS staff_id,
         SUM(LEAST(10 + FLOOR(COALESCE(b.aum, 0) / 10000), 100)) AS points
  FROM {t["referrals"]} r
  LEFT JOIN bal b ON b.customer_id = r.customer_id
                 AND b.month = strftime(timezone('Asia/Shanghai', r.converted_at), '%Y-%m'), p
  WHERE r.converted_at IS NOT NULL
    AND timezone('Asia/Shanghai', r.converted_at)::DATE BETWEEN p.d0 AND p.d1
  GROUP BY 1),
cert AS (
  SELECT staff_id, COUNT(*) AS n FROM {t["trainings"]}, p
  WHERE kind = 'certification' AND date BETWEEN p.d0 AND p.d1 GROUP BY 1),
wide AS (
  SELECT rms.staff_id, growth.dep_g, growth.aum_g, sales.wealth, sales.insurance, fee.fee,
         newv.n AS newv, xsell.rate AS xsell, nps.nps, hnw.kept, resp.rate AS resp,
         evc.complaints, evc.breaches, refp.points, cert.n AS certs
  FROM rms
  LEFT JOIN growth USING (staff_id) LEFT JOIN sales USING (staff_id)
  LEFT JOIN fee USING (staff_id) LEFT JOIN newv USING (staff_id)
  LEFT JOIN xsell USING (staff_id) LEFT JOIN nps USING (staff_id)
  LEFT JOIN hnw USING (staff_id) LEFT JOIN resp USING (staff_id)
  LEFT JOIN evc USING (staff_id) LEFT JOIN refp USING (staff_id)
  LEFT JOIN cert USING (staff_id))
SELECT staff_id, indicator, value FROM (
  SELECT staff_id,
         dep_g::DOUBLE AS deposit_avg_growth, aum_g::DOUBLE AS aum_avg_growth,
         COALESCE(wealth, 0)::DOUBLE AS wealth_sales,
         COALESCE(insurance, 0)::DOUBLE AS insurance_sales, COALESCE(fee, 0)::DOUBLE AS fee_income,
         COALESCE(newv, 0)::DOUBLE AS new_valid_customers, xsell::DOUBLE AS cross_sell_rate,
         nps::DOUBLE AS nps, kept::DOUBLE AS hnw_retention, resp::DOUBLE AS response_24h_rate,
         COALESCE(complaints, 0)::DOUBLE AS complaints,
         COALESCE(breaches, 0)::DOUBLE AS compliance_breaches,
         COALESCE(points, 0)::DOUBLE AS referral_points,
         COALESCE(certs, 0)::DOUBLE AS certifications
  FROM wide)
UNPIVOT INCLUDE NULLS (value FOR indicator IN (
  deposit_avg_growth, aum_avg_growth, wealth_sales, insurance_sales, fee_income,
  new_valid_customers, cross_sell_rate, nps, hnw_retention, response_24h_rate, complaints,
  compliance_breaches, referral_points, certifications))
ORDER BY staff_id, indicator
"""


def run_measured(
    code: str | None, *args: str, cache: str = "off", pythonpath: Path | None = None
) -> tuple[float, int, dict[str, object]]:
    """(wall seconds, the child's own peak RSS in MiB via os.wait4, its JSON line).

    `code` None: run `rmperf ARGS…` (the command itself; its JSON is {}). `pythonpath`: a
    source tree imported instead of the installed one (the `cli_before` side)."""
    env = {**os.environ, "RMPERF_VALID_CACHE": cache}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    start = time.perf_counter()
    argv = [str(RMPERF), *args] if code is None else [str(PY), "-c", code, *args]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{err}")
    found = json.loads(out.strip().splitlines()[-1]) if code is not None else {}
    found["cpu_s"] = usage.ru_utime + usage.ru_stime  # all threads; less load-dependent
    return wall, usage.ru_maxrss // 1024, found


def ensure_lake(lake: Path) -> None:
    if (lake / "staff.parquet").exists() and (lake / "trainings").exists():
        return
    busy = subprocess.run(["pgrep", "-f", "rmperf generate"], capture_output=True, text=True)
    if busy.stdout.strip():
        raise SystemExit(f"a generator is running (pids {busy.stdout.split()}); retry when done")
    subprocess.run(
        [str(ROOT / ".venv/bin/rmperf"), "generate", "--scale", "medium", "--seed", "1",
         "--out", str(lake), "--quiet"],
        check=True,
    )  # fmt: skip


def machine() -> str:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        m = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    import duckdb

    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )


def cli_args(lake: Path, period: str, out: Path) -> list[str]:
    return ["score", "--lake", str(lake), "--period", period, "--today", "2026-11-23",
            "--out", str(out / "totals.parquet"), "--lines", str(out / "lines.parquet")]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", type=Path, default=Path("/tmp/medium"))  # noqa: S108 - shared lake
    ap.add_argument("--period", default="2026Q3")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sides", nargs="+", choices=KINDS, default=["engine_off", "engine_cold",
                    "engine", "sql"], help="the sides to run")  # fmt: skip
    ap.add_argument("--warm-cache", type=Path, metavar="DIR",
                    help="a valid-row cache directory already filled, for the warm sides "
                    "(default: a fresh one, filled by an unmeasured run)")  # fmt: skip
    ap.add_argument(
        "--before",
        type=Path,
        metavar="SRC",
        help="for cli_before: a source tree (src/ of an earlier commit)",
    )
    args = ap.parse_args()
    ensure_lake(args.lake)
    kinds = tuple(k for k in KINDS if k in args.sides)
    if "cli_before" in kinds and args.before is None:
        ap.error("the cli_before side needs --before SRC")
    scratch = Path(tempfile.mkdtemp(prefix="bench-score-"))
    warm = str(args.warm_cache or scratch / "warm")
    if args.warm_cache is None:
        run_measured(ENGINE_CHILD, str(args.lake), args.period, cache=warm)  # fills the cache
    outs = {k: scratch / k for k in ("cli_before", "cli")}
    for out in outs.values():
        out.mkdir()
    runs: dict[str, list[tuple[float, int, dict[str, object]]]] = {k: [] for k in kinds}
    load_before = os.getloadavg()[0]
    for i in range(args.runs):
        # Alternate so all see the same page cache and the same neighbours on the machine.
        for kind in kinds:
            if kind == "engine_off":
                runs[kind].append(run_measured(ENGINE_CHILD, str(args.lake), args.period))
            elif kind == "engine_cold":
                cold = scratch / f"cold-{i}"
                runs[kind].append(
                    run_measured(ENGINE_CHILD, str(args.lake), args.period, cache=str(cold))
                )
                shutil.rmtree(cold)
            elif kind == "engine":
                runs[kind].append(
                    run_measured(ENGINE_CHILD, str(args.lake), args.period, cache=warm)
                )
            elif kind in ("cli", "cli_before"):
                before = args.before.resolve() if kind == "cli_before" else None
                argv = cli_args(args.lake, args.period, outs[kind])
                runs[kind].append(run_measured(None, *argv, cache=warm, pythonpath=before))
            else:
                runs[kind].append(run_measured(SQL_CHILD, str(args.lake), args.period, str(HERE)))
        print(
            f"run {i + 1}: " + ", ".join(f"{k} {runs[k][-1][0]:.1f} s" for k in kinds),
            file=sys.stderr,
        )
    same = None
    if "cli" in kinds and "cli_before" in kinds:
        same = all(
            (outs["cli"] / f).read_bytes() == (outs["cli_before"] / f).read_bytes()
            for f in ("totals.parquet", "lines.parquet")
        )
    shutil.rmtree(scratch)
    wall = {k: statistics.median(r[0] for r in runs[k]) for k in kinds}
    rss = {k: max(r[1] for r in runs[k]) for k in kinds}
    labels = {
        "engine_off": "engine, no valid-row cache (before)",
        "engine_cold": "engine, empty cache (first run: validates, caches)",
        "engine": "engine, cache filled (later runs)",
        "cli_before": "`rmperf score`, cache filled, before this change (`--before`)",
        "cli": "`rmperf score`, cache filled",
        "sql": "hand-written DuckDB query, same indicators",
    }
    print(f"machine: {machine()}")
    engine_info = next((runs[k][0][2] for k in ("engine", "engine_off") if k in kinds), None)
    detail = ""
    if engine_info:
        detail = (
            f", {engine_info['rms']} RMs, {engine_info['lines']} lines, "
            f"{len(engine_info['indicators'])} indicators"  # type: ignore[arg-type]
        )
    print(
        f"lake: {args.lake}, period {args.period}{detail}; {args.runs} runs, medians; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    if same is not None:
        print(f"`rmperf score` files before and after byte-identical: {same}")
    print()
    cpu = {k: statistics.median(float(r[2]["cpu_s"]) for r in runs[k]) for k in kinds}  # type: ignore[arg-type]
    print(
        "| run | wall s (median) | ratio to the query | CPU s (median) | CPU ratio | peak RSS MiB (max) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for k in kinds:
        ratio = f"{wall[k] / wall['sql']:.2f}×" if "sql" in kinds else "–"
        cpu_ratio = f"{cpu[k] / cpu['sql']:.2f}×" if "sql" in kinds else "–"
        print(
            f"| {labels[k]} | {wall[k]:.1f} | {ratio} | {cpu[k]:.1f} | {cpu_ratio} | {rss[k]:,} |"
        )
    print()
    for k in (k for k in kinds if k.startswith("engine")):
        phases = {
            p: statistics.median(float(r[2][p]) for r in runs[k])  # type: ignore[arg-type]
            for p in ("setup", "staff", "indicators_s", "scoring")
        }
        print(f"{k} phases (median s): " + ", ".join(f"{p} {v:.2f}" for p, v in phases.items()))
    print("per-run wall s: " + "; ".join(
        f"{k} " + ", ".join(f"{r[0]:.2f}" for r in runs[k]) for k in kinds
    ))  # fmt: skip


if __name__ == "__main__":
    main()
