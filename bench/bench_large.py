"""The large bank (issue #19): each engine command on one lake, first run and warm.

    .venv/bin/python bench/bench_large.py --lake /work/lakes/large --label large \
        --work /tmp/large-work/out-large --results bench/out/large.jsonl \
        [--steps validate segment score_q score_y tasks referrals pay] [--modes cold warm]
    .venv/bin/python bench/bench_large.py --report bench/out/large.jsonl   # the table

Every command runs in its own process under `/usr/bin/time -v` (wall, user + system CPU
of the command and all its threads, maximum RSS); the load average (1 min) is read just
before and just after each run. As-of 2026-09-30, validation day 2026-11-23.

Modes, per step:
- `cold`: RMPERF_VALID_CACHE is a new empty directory (the first run on a delivery: the
  command validates the tables it reads and fills the cache);
- `warm`: the same command again with the cache the cold run (or `--cache`) filled.
With `--cache DIR` every run uses DIR as it is: `--steps validate --modes cold --cache
DIR` on an empty DIR fills it once for every table, and later `--modes warm --cache DIR`
runs read it (how bench/large.md was measured: one first run per scale, not one per
command). With `--parallel N`, N steps run at once (each step's modes in
turn): on the shared machine this only shortens the benchmark; each figure is still
one process's own CPU seconds and peak RSS, and wall seconds are then not comparable.

`pay` reads a ratings file as the app passes one: the 2026Q3 tiers of the `score_q`
step's output (run it first) and, for the earlier quarters back to the first loan's
(scoring 14 more quarters of the large bank is out of this benchmark's time), a tier
from a hash of (staff_id, quarter) as bench_pay.py's `--fixed-ratings`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RMPERF = ROOT / ".venv" / "bin" / "rmperf"
AS_OF = "2026-09-30"
TODAY = "2026-11-23"
STEPS = ("validate", "segment", "score_q", "score_y", "tasks", "referrals", "pay")


def argv(step: str, lake: Path, out: Path) -> list[str]:
    common = ["--lake", str(lake), "--today", TODAY]
    match step:
        case "validate":
            return ["validate", str(lake), "--today", TODAY]
        case "segment":
            return ["segment", *common, "--as-of", AS_OF, "--out", str(out / "segment.parquet")]
        case "score_q":
            return ["score", *common, "--period", "2026Q3", "--out", str(out / "score-2026Q3.csv"),
                    "--lines", str(out / "lines-2026Q3.parquet")]  # fmt: skip
        case "score_y":
            return ["score", *common, "--period", "2025", "--out", str(out / "score-2025.csv"),
                    "--lines", str(out / "lines-2025.parquet")]  # fmt: skip
        case "tasks":
            return ["tasks", *common, "--as-of", AS_OF, "--out", str(out / "tasks.parquet")]
        case "referrals":
            return ["referral-candidates", *common, "--as-of", AS_OF,
                    "--out", str(out / "referrals.csv")]  # fmt: skip
        case "pay":
            return ["pay", *common, "--period", "2026Q3", "--ratings", str(out / "ratings.csv"),
                    "--out", str(out / "pay.csv"), "--lines", str(out / "pay-lines.parquet")]  # fmt: skip
    raise ValueError(step)


OUTPUTS = {
    "segment": "segment.parquet",
    "score_q": "score-2026Q3.csv",
    "score_y": "score-2025.csv",
    "tasks": "tasks.parquet",
    "referrals": "referrals.csv",
    "pay": "pay.csv",
}


def _src(lake: Path, table: str) -> str:
    folder = lake / table
    if folder.is_dir():
        return f"read_parquet('{folder}/*.parquet')"
    return f"read_parquet('{lake / (table + '.parquet')}')"


def make_ratings(lake: Path, out: Path) -> None:
    """2026Q3 from the score_q output; earlier quarters hashed (module docstring)."""
    import duckdb

    con = duckdb.connect()
    first: dt.date = con.execute(f"SELECT min(disbursed_on) FROM {_src(lake, 'loans')}").fetchall()[
        0
    ][0]
    scored = con.execute(
        f"SELECT staff_id, period, tier FROM read_csv('{out / 'score-2026Q3.csv'}', "
        "header = true, all_varchar = true) ORDER BY staff_id"
    ).fetchall()
    staff = [r[0] for r in scored]
    tiers = ("outstanding", "good", "good", "competent", "competent", "not_competent")
    lines = ["staff_id,period,tier"]
    year, q = first.year, (first.month - 1) // 3 + 1
    while (year, q) < (2026, 3):
        for s in staff:
            h = hashlib.sha256(f"{s}{year}Q{q}".encode()).digest()[0]
            lines.append(f"{s},{year}Q{q},{tiers[h % len(tiers)]}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    lines += [f"{s},{p},{t}" for s, p, t in scored]
    (out / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def lake_rows(lake: Path) -> int:
    import pyarrow.parquet as pq

    return sum(
        pq.ParquetFile(f).metadata.num_rows
        for f in lake.rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in f.relative_to(lake).parts)
    )


def output_rows(path: Path) -> int | None:
    import duckdb

    if not path.exists():
        return None
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    return int(
        duckdb.connect().execute(f"SELECT count(*) FROM {reader}('{path}')").fetchall()[0][0]
    )


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", tf.name, *cmd], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        load_after = os.getloadavg()[0]
        text = Path(tf.name).read_text()

    def field(name: str) -> float:
        m = re.search(rf"^\s*{re.escape(name)}: (.+)$", text, re.M)
        return float(m.group(1)) if m else math.nan

    return {
        "rc": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(field("User time (seconds)") + field("System time (seconds)"), 2),
        "peak_rss_mib": round(field("Maximum resident set size (kbytes)") / 1024),
        "load_before": round(load_before, 1),
        "load_after": round(load_after, 1),
        "stderr_tail": proc.stderr[-1500:] if proc.returncode not in (0, 1) else "",
    }


def run_step(args: argparse.Namespace, lake: Path, out: Path, rows: int, step: str) -> None:
    if step == "pay" and not (out / "ratings.csv").exists():
        make_ratings(lake, out)
    cache = str(args.cache) if args.cache else None
    for mode in args.modes:
        env = dict(os.environ)
        if args.cache is None and (mode == "cold" or cache is None):
            cache = tempfile.mkdtemp(prefix=f"valid-{args.label}-{step}-", dir=args.cache_root)
        env["RMPERF_VALID_CACHE"] = cache
        cmd = [str(RMPERF), *argv(step, lake, out)]
        result = timed(cmd, env)
        name = OUTPUTS.get(step)
        record = {
            "label": args.label,
            "step": step,
            "mode": mode,
            "lake_rows": rows,
            "output_rows": output_rows(out / name) if name else None,
            "command": "RMPERF_VALID_CACHE=<dir> /usr/bin/time -v rmperf "
            + " ".join(argv(step, lake, out)),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "concurrent": args.parallel,
            "memory_limit": os.environ.get("RMPERF_DUCKDB_MEMORY_LIMIT", "default"),
            **result,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
        with args.results.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(args: argparse.Namespace) -> None:
    lake: Path = args.lake.resolve()
    out: Path = args.work.resolve()
    out.mkdir(parents=True, exist_ok=True)
    rows = lake_rows(lake)
    if args.parallel <= 1:
        for step in args.steps:
            run_step(args, lake, out, rows, step)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(args.parallel) as pool:
        for f in [pool.submit(run_step, args, lake, out, rows, s) for s in args.steps]:
            f.result()


def report(path: Path) -> None:
    """The markdown table of a results file (last record per label, step and mode)."""
    last: dict[tuple[str, str, str], dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        last[(r["label"], r["step"], r["mode"])] = r
    labels = sorted({k[0] for k in last}, key=lambda s: ("small", "medium", "large").index(s))
    print("| command | mode | scale | lake rows | wall s | CPU s | peak RSS MiB | output rows | "
          "load 1-min (before → after) | exponent (CPU vs rows) |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|---:|---:|---|---|")
    for step in STEPS:
        for mode in ("cold", "warm"):
            for label in labels:
                r = last.get((label, step, mode))
                if r is None:
                    continue
                exp = ""
                earlier = [
                    p
                    for p in labels[: labels.index(label)]
                    if (p, step, mode) in last and last[(p, step, mode)]["rc"] in (0, 1)
                ]
                if earlier and r["rc"] in (0, 1):
                    prev = last[(earlier[-1], step, mode)]
                    e = math.log(r["cpu_s"] / prev["cpu_s"]) / math.log(
                        r["lake_rows"] / prev["lake_rows"]
                    )
                    exp = f"{e:.2f} ({earlier[-1]}→{label})"
                rc = "" if r["rc"] in (0, 1) else f" (exit {r['rc']})"
                outr = "" if r["output_rows"] is None else f"{r['output_rows']:,}"
                print(
                    f"| {step} | {mode} | {label} | {r['lake_rows']:,} | {r['wall_s']:.1f}{rc} | "
                    f"{r['cpu_s']:.1f} | {r['peak_rss_mib']:,} | {outr} | "
                    f"{r['load_before']} → {r['load_after']} | {exp} |"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path)
    ap.add_argument("--label", default="large")
    ap.add_argument("--work", type=Path, help="output folder of the commands")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "out" / "large.jsonl")
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    ap.add_argument("--modes", nargs="+", choices=("cold", "warm"), default=["cold", "warm"])
    ap.add_argument("--cache", type=Path, help="one valid-row cache for every run")
    ap.add_argument("--cache-root", default=None, help="where cold caches are made")
    ap.add_argument(
        "--parallel", type=int, default=1, help="steps run at once (CPU s and RSS stay per run)"
    )
    ap.add_argument("--report", type=Path, help="print the table of a results file and exit")
    args = ap.parse_args()
    if args.report:
        report(args.report)
        return
    if args.lake is None or args.work is None:
        ap.error("--lake and --work are required")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    run(args)


if __name__ == "__main__":
    sys.exit(main())
