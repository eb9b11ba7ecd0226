"""Benchmark `rmperf pay` for a quarter with its full history, beside a hand-written query.

    .venv/bin/python bench/bench_pay.py --lake /tmp/pe-medium [--period 2026Q3] [--runs 3]
        [--ratings FILE] [--sides cli sql cli_scoring]

- `cli`: `rmperf pay --lake L --period P --ratings R --out … --lines …`: the whole
  history (every quarter from the first loan) with the ratings given.
- `cli_scoring`: the same without `--ratings`: the command scores each quarter it needs.
- `sql`: one hand-written DuckDB query over the raw Parquet files computing the same
  quarter's loan pay per RM (marginal brackets by a running sum, the rating's
  coefficient, each loan rounded half up to the cent in integer arithmetic). It is a
  cost reference and a cross-check of the loan-pay column: the script compares the two
  per RM and fails on any difference.

Without `--ratings`, the ratings file the `cli` and `sql` sides read is made first (unmeasured): `rmperf score` for
every quarter from the first loan to the period, the files concatenated as they are
(headers repeated: `rmperf pay` skips them); with `--fixed-ratings`, every RM gets a
tier per quarter from a hash of (staff_id, quarter) instead, which is as valid an
input for measuring pay and takes no scoring time. With `--sides cli_scoring` alone no
ratings file is made. Every measured run is its own subprocess;
peak RSS is the child's ru_maxrss from os.wait4. The report goes to stdout as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
TODAY = "2026-11-30"

SQL_CHILD = """
import sys, duckdb
con = duckdb.connect()
rows = con.execute(sys.argv[1]).fetchall()
with open(sys.argv[2], "w") as fh:
    for staff_id, cents in rows:
        fh.write(f"{staff_id},{cents}\\n")
"""


def _src(lake: Path, table: str) -> str:
    folder = lake / table
    if folder.is_dir():
        return f"read_parquet('{folder}/**/*.parquet')"
    return f"read_parquet('{lake / table}.parquet')"


def quarter_bounds(period: str) -> tuple[dt.date, dt.date]:
    year, q = int(period[:4]), int(period[5])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return start, end


def hand_sql(lake: Path, period: str, ratings: Path) -> str:
    """The quarter's loan pay per RM, in cents, by the default plan (DOMAIN §6.2)."""
    start, end = quarter_bounds(period)
    return f"""
WITH rm AS (SELECT staff_id FROM {_src(lake, "staff")} WHERE role = 'rm'),
rating AS (
  SELECT DISTINCT staff_id, tier FROM read_csv('{ratings}', header = true, all_varchar = true)
  WHERE period = '{period}'),
q AS (
  SELECT l.staff_id, l.loan_id, CAST(round(l.amount * 100) AS HUGEINT) AS cents,
         l.disbursed_on
  FROM {_src(lake, "loans")} l JOIN rm USING (staff_id)
  WHERE l.disbursed_on BETWEEN DATE '{start}' AND DATE '{end}'),
run AS (
  SELECT staff_id, loan_id, cents,
         coalesce(sum(cents) OVER (PARTITION BY staff_id ORDER BY disbursed_on, loan_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS lo
  FROM q),
portion AS (
  SELECT staff_id, loan_id,
    greatest(least(lo + cents, 1000000000) - lo, 0) * 15
    + greatest(least(lo + cents, 3000000000) - greatest(lo, 1000000000), 0) * 18
    + greatest(lo + cents - greatest(lo, 3000000000), 0) * 20 AS rated
  FROM run),
e AS (
  SELECT p.staff_id,
    -- rated is in cents × ‱; × the coefficient in hundredths; ÷ 10000 ÷ 100 → cents,
    -- rounded half up (all amounts are positive)
    (p.rated * CASE r.tier WHEN 'outstanding' THEN 120 WHEN 'good' THEN 100
                           WHEN 'competent' THEN 80 ELSE 50 END + 500000) // 1000000 AS e
  FROM portion p JOIN rating r USING (staff_id))
SELECT staff_id, CAST(sum(e) AS BIGINT) AS loan_pay_cents FROM e GROUP BY staff_id
ORDER BY staff_id
"""


def run_child(argv: list[str]) -> tuple[float, int, float]:
    """(wall s, the child's own peak RSS in MiB via os.wait4, its CPU s)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{out}\n{err}")
    return wall, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def make_ratings(lake: Path, period: str, work: Path) -> Path:
    """`rmperf score` for every quarter from the first loan to `period`, concatenated."""
    import duckdb

    found = duckdb.connect().execute(f"SELECT min(disbursed_on) FROM {_src(lake, 'loans')}")
    day: dt.date = found.fetchall()[0][0]
    year, q = day.year, (day.month - 1) // 3 + 1
    parts = []
    while f"{year}Q{q}" <= period:
        out = work / f"score-{year}Q{q}.csv"
        subprocess.run(
            [str(RMPERF), "score", "--lake", str(lake), "--period", f"{year}Q{q}",
             "--today", TODAY, "--out", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        parts.append(out.read_text(encoding="utf-8"))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    ratings = work / "ratings.csv"
    ratings.write_text("".join(parts), encoding="utf-8")
    return ratings


def fixed_ratings(lake: Path, period: str, work: Path) -> Path:
    """A tier per RM and quarter from a hash of both (no scoring): 2023Q1 … `period`."""
    import hashlib

    import duckdb

    rms = duckdb.connect().execute(f"SELECT staff_id FROM {_src(lake, 'staff')} WHERE role = 'rm'")
    staff = [r[0] for r in rms.fetchall()]
    tiers = ("outstanding", "good", "good", "competent", "competent", "not_competent")
    lines = ["staff_id,period,tier"]
    year, q = 2023, 1
    while f"{year}Q{q}" <= period:
        for s in staff:
            h = hashlib.sha256(f"{s}{year}Q{q}".encode()).digest()[0]
            lines.append(f"{s},{year}Q{q},{tiers[h % len(tiers)]}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    out = work / "ratings.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lake", type=Path, required=True)
    ap.add_argument("--period", default="2026Q3")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ratings", type=Path)
    ap.add_argument("--sides", nargs="+", default=["cli", "sql"])
    ap.add_argument("--fixed-ratings", action="store_true", help="hashed tiers, no scoring")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pay-"))
    if not {"cli", "sql"} & set(args.sides):
        ratings = work / "unused.csv"  # only `cli_scoring`: it rates every quarter itself
    elif args.ratings is not None:
        ratings = args.ratings
    elif args.fixed_ratings:
        ratings = fixed_ratings(args.lake, args.period, work)
    else:
        ratings = make_ratings(args.lake, args.period, work)
    sql = hand_sql(args.lake, args.period, ratings)
    argv = {
        "cli": [str(RMPERF), "pay", "--lake", str(args.lake), "--period", args.period,
                "--today", TODAY, "--ratings", str(ratings),
                "--out", str(work / "pay.csv"), "--lines", str(work / "lines.csv")],
        "cli_scoring": [str(RMPERF), "pay", "--lake", str(args.lake), "--period", args.period,
                        "--today", TODAY, "--out", str(work / "pay_scored.csv")],
        "sql": [str(PY), "-c", SQL_CHILD, sql, str(work / "sql.csv")],
    }  # fmt: skip
    results: dict[str, list[tuple[float, int, float]]] = {s: [] for s in args.sides}
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        for side in args.sides:
            results[side].append(run_child(argv[side]))
    load_after = os.getloadavg()[0]
    if "cli" in args.sides and "sql" in args.sides:
        with (work / "pay.csv").open(encoding="utf-8") as fh:
            cli = {r["staff_id"]: Decimal(r["loan_pay"]) for r in csv.DictReader(fh)}
        hand = {}
        for line in (work / "sql.csv").read_text(encoding="utf-8").splitlines():
            staff_id, cents = line.split(",")
            hand[staff_id] = Decimal(cents) / 100
        differ = {
            s: (cli.get(s), hand.get(s))
            for s in set(cli) | set(hand)
            if cli.get(s, Decimal(0)) != hand.get(s, Decimal(0))
        }
        if differ:
            raise SystemExit(f"loan pay differs from the hand query: {sorted(differ.items())[:10]}")
        check = f"loan pay of {len(hand)} RMs identical in both to the cent"
    else:
        check = "no cross-check (run cli and sql)"
    sql_wall = statistics.median(w for w, _, _ in results["sql"]) if "sql" in results else None
    print(f"Machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after.")
    print(f"Lake {args.lake}, {args.period}, {args.runs} runs per side, alternating; {check}.\n")
    print("| run | wall s (median) | ratio to the query | CPU s (median) | peak RSS MiB (max) |")
    print("|---|---:|---:|---:|---:|")
    for side, runs in results.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, _, c in runs)
        rss = max(r for _, r, _ in runs)
        ratio = f"{wall / sql_wall:.2f}×" if sql_wall else ""
        print(f"| {side} | {wall:.1f} | {ratio} | {cpu:.1f} | {rss} |")
    print()
    for side, runs in results.items():
        print(f"- {side} per-run wall s: " + ", ".join(f"{w:.2f}" for w, _, _ in runs))
    print(f"\nFiles in {work}")


if __name__ == "__main__":
    main()
