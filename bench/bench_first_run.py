"""The first run on a new delivery: validation + `rmperf segment`, beside hand-written
DuckDB doing the same work and the decoding floor of the columns validation checks.

    .venv/bin/python bench/bench_first_run.py --lake /tmp/speed-medium --runs 3 \
        [--before SRC] [--sides floor validate hand cold warm before_cold]

Sides, alternating in every repetition, each its own process (CPU = user + system of the
child, all threads; peak RSS = its ru_maxrss, from os.wait4):
- `floor`: one DuckDB `SELECT sum(length(text)), sum(number), max(date) ...` per table
  over every contract column of the 11 tables `rmperf segment` reads: reading and
  decoding what validation must look at, and nothing else.
- `validate`: the engine's validation of those 11 tables into an empty valid-row cache
  (`attach_lake`, in-process): what a first command pays before it computes.
- `hand`: ONE hand-written DuckDB script over the raw files: the contract's rules for
  those tables written out as filters (required values, id patterns, control
  characters, enums, ranges, dates, foreign keys against the filtered parents, duplicate
  keys, overlapping assignments), then every column `rmperf segment` writes
  (bench_segment.hand_sql_full over the filtered rows). Same rules, same columns; it
  writes no cache and no rejects.
- `cold`: `rmperf segment` with an empty valid-row cache (validates, writes the cache).
- `warm`: `rmperf segment` with the cache filled (the usual later run).
- `before_cold`: `cold` with the source tree `--before` (PYTHONPATH), same venv.
- `before_validate`: `validate` with the source tree `--before` (PYTHONPATH), same venv.
Afterwards the hand side's file and the command's are compared column by column.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_segment as seg  # noqa: E402

ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
#: The tables `rmperf segment` reads (with what they reference).
TABLES = (
    "org_units", "staff", "customers", "products", "assignments", "transactions",
    "balances", "holdings", "loans", "loan_status", "events",
)  # fmt: skip
SIDES = ("floor", "validate", "hand", "cold", "warm", "before_cold", "before_validate")
ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
CTL = r"[\x00-\x1f\x7f-\x9f]"


def source(lake: Path, table: str) -> str:
    folder = lake / table
    if folder.is_dir():
        return f"read_parquet('{folder}/*.parquet')"
    return f"read_parquet('{lake / table}.parquet')"


def floor_sql(lake: Path, table: str) -> str:
    from rmperf.engine import contract

    parts = []
    for col in contract.table(table).columns:
        q = f'"{col.name}"'
        match col.type.value:
            case "string" | "month":
                parts.append(f"sum(length({q}))")
            case "date" | "timestamp":
                parts.append(f"max({q})")
            case "bool":
                parts.append(f"count({q})")
            case _:
                parts.append(f"sum({q})")
    return f"SELECT {', '.join(parts)} FROM {source(lake, table)}"


def hand_checks(lake: Path, today: str) -> list[str]:
    """The rules of the 11 tables as hand-written statements creating views v_<table>."""
    from rmperf.engine import contract

    tomorrow = f"TIMESTAMPTZ '{today} 00:00:00 Asia/Shanghai' + INTERVAL 1 DAY"
    stmts = []
    for name in TABLES:
        t = contract.table(name)
        conds = []
        for c in t.columns:
            q = f'"{c.name}"'
            if c.required:
                conds.append(f"{q} IS NOT NULL")
                if c.type.value == "string":
                    conds.append(f"trim({q}) <> ''")
            ok = []
            if c.pattern is not None:
                ok.append(f"regexp_full_match({q}, '{c.pattern}')")
            if c.enum is not None:
                ok.append(f"{q} IN ({', '.join(repr(e) for e in c.enum)})")
            if c.type.value == "string":
                ok.append(f"NOT regexp_matches({q}, '{CTL}')")
                if c.max_length:
                    ok.append(f"length({q}) <= {c.max_length}")
            if c.min_value is not None:
                ok.append(f"{q} {'>' if c.exclusive_min else '>='} {c.min_value}")
            if c.max_value is not None:
                ok.append(f"{q} <= {c.max_value}")
            if c.type.value == "date":
                ok.append(f"{q} >= DATE '1900-01-01'")
                if c.past_only:
                    ok.append(f"{q} <= DATE '{today}'")
            if c.type.value == "timestamp":
                ok.append(f"{q} >= TIMESTAMPTZ '1900-01-01 00:00:00 Asia/Shanghai'")
                if c.past_only:
                    ok.append(f"{q} < {tomorrow}")
            if c.type.value == "month" and c.past_only:
                ok.append(f"{q} BETWEEN '1900-01' AND '{today[:7]}'")
            if c.references is not None:
                rt, rc = c.references.split(".")
                if rt != name:
                    ok.append(f"{q} IN (SELECT {rc} FROM v_{rt})")
            if ok:
                conds.append(f"({q} IS NULL OR ({' AND '.join(ok)}))")
        for check in t.checks:
            conds.append(f"coalesce(({check.predicate}), true)")
        if t.primary_key:
            key = ", ".join(t.primary_key)
            conds.append(
                f"hash({key}) NOT IN (SELECT h FROM (SELECT hash({key}) AS h "
                f"FROM {source(lake, name)} GROUP BY h HAVING count(*) > 1))"
            )
        body = f"SELECT * FROM {source(lake, name)} WHERE {' AND '.join(conds)}"
        if name == "assignments":  # no overlapping slice of one customer
            body = (
                "SELECT * EXCLUDE (p, n) FROM (SELECT *, max(coalesce(valid_to, DATE "
                "'9999-12-31')) OVER (PARTITION BY customer_id ORDER BY valid_from ROWS "
                "BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS p, min(valid_from) OVER "
                "(PARTITION BY customer_id ORDER BY valid_from ROWS BETWEEN 1 FOLLOWING AND "
                f"UNBOUNDED FOLLOWING) AS n FROM ({body})) WHERE NOT (coalesce(p >= valid_from,"
                " false) OR coalesce(n <= coalesce(valid_to, DATE '9999-12-31'), false))"
            )
        kind = "TABLE" if not t.fact or name == "loans" else "VIEW"
        stmts.append(f"CREATE TEMP {kind} v_{name} AS {body}")
    return stmts


def child(kind: str, lake: Path, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    if kind == "floor":
        import duckdb

        con = duckdb.connect()
        for table in TABLES:  # the aggregates themselves (a count over them is optimised away)
            con.sql(floor_sql(lake, table)).to_arrow_table()
        return {"query": time.perf_counter() - t0}
    if kind == "hand":
        import duckdb
        import pyarrow.parquet as pq

        con = duckdb.connect()
        for stmt in hand_checks(lake, seg.TODAY.isoformat()):
            con.execute(stmt)
        seg.src = lambda _lake, table: f"v_{table}"  # the filtered rows
        table = con.sql(seg.hand_sql_full(lake, seg.AS_OF)).to_arrow_table()
        pq.write_table(table, out)
        return {"query": time.perf_counter() - t0, "rows": table.num_rows}
    if kind == "validate":
        from rmperf.engine.backends import attach_lake
        from rmperf.engine.backends.duckdb_backend import DuckDBBackend
        from rmperf.engine.lake import Lake

        attach_lake(DuckDBBackend(), Lake(lake, seg.TODAY), list(TABLES))
        return {"query": time.perf_counter() - t0}
    raise SystemExit(f"unknown side {kind}")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--lake", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES[:5]))
    ap.add_argument("--before", type=Path, help="source tree of the before_cold side")
    ap.add_argument("--work", type=Path, default=Path("/tmp/first-run-bench"))  # noqa: S108
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, lake, out = args.child
        print(json.dumps(child(kind, Path(lake), Path(out))))
        return
    if args.lake is None:
        ap.error("--lake is required")
    lake = args.lake.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    warm = args.work / "warm-cache"
    seg_argv = [str(RMPERF), "segment", "--lake", str(lake), "--as-of", seg.AS_OF.isoformat(),
                "--today", seg.TODAY.isoformat()]  # fmt: skip
    if "warm" in args.sides and not warm.exists():
        run(
            [*seg_argv, "--out", str(args.work / "fill.parquet")], {"RMPERF_VALID_CACHE": str(warm)}
        )
    samples: dict[str, list[tuple[float, float, int]]] = {s: [] for s in args.sides}
    for i in range(args.runs):
        for side in args.sides:
            out = args.work / f"{side}.parquet"
            cold = Path(tempfile.mkdtemp(prefix="cold-", dir=args.work))
            env = {"RMPERF_VALID_CACHE": str(cold)}
            if side in ("cold", "before_cold", "warm"):
                if side == "warm":
                    env = {"RMPERF_VALID_CACHE": str(warm)}
                if side == "before_cold":
                    env["PYTHONPATH"] = str(args.before.resolve())
                argv = [*seg_argv, "--out", str(out)]
            else:
                kind = "validate" if side == "before_validate" else side
                if side == "before_validate":
                    env["PYTHONPATH"] = str(args.before.resolve())
                argv = [str(PY), __file__, "--child", kind, str(lake), str(out)]
            samples[side].append(run(argv, env))
            shutil.rmtree(cold)
        print(f"run {i + 1}: " + ", ".join(
            f"{s} {samples[s][-1][0]:.1f} s wall {samples[s][-1][1]:.1f} s CPU" for s in args.sides
        ), file=sys.stderr)  # fmt: skip
    load = os.getloadavg()
    print(f"lake {lake}; {args.runs} runs alternating; load average now {load[0]:.1f}")
    print("| side | wall s (median) | CPU s (median) | peak RSS MiB (max) | CPU s per run |")
    print("|---|---:|---:|---:|---|")
    med = {}
    for s in args.sides:
        walls = [x[0] for x in samples[s]]
        cpus = [x[1] for x in samples[s]]
        med[s] = statistics.median(cpus)
        print(f"| {s} | {statistics.median(walls):.2f} | {med[s]:.2f} | "
              f"{max(x[2] for x in samples[s]):,} | {', '.join(f'{c:.2f}' for c in cpus)} |")  # fmt: skip
    for a, b in (
        ("cold", "hand"),
        ("validate", "floor"),
        ("before_validate", "floor"),
        ("before_validate", "validate"),
        ("before_cold", "cold"),
        ("warm", "hand"),
    ):
        if a in med and b in med:
            print(f"- CPU {a} / {b}: {med[a] / med[b]:.2f}×")
    if "hand" in args.sides and "cold" in args.sides:
        same = seg.same_columns(args.work / "cold.parquet", args.work / "hand.parquet")
        print(f"- hand file equals the command's in every column: {same}")


if __name__ == "__main__":
    main()
