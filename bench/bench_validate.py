"""Benchmark lake validation (DuckDB) and print a result line for bench/validate.md.

    .venv/bin/python bench/bench_validate.py                 # medium synthetic lake
    .venv/bin/python bench/bench_validate.py --lake DIR --today 2026-09-30

Without --lake, a medium lake is generated once with rmperf.synth (seed 1) into
bench/out/validate-medium/ and reused. If rmperf.synth is not available, a lake with
200k customers and 20M transactions in Parquet part files is written here instead.
Validation runs in a child process; wall time is measured around it and peak RSS is the
child's ru_maxrss (os.wait4).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from rmperf.engine.validate import validate_lake
t = time.perf_counter()
v = validate_lake(Path(sys.argv[1]), today=date.fromisoformat(sys.argv[2]))
seconds = time.perf_counter() - t
print(json.dumps({
    "seconds": seconds,
    "rows": v.total_rows,
    "rejected": v.total_rejected,
    "problems": v.problems,
    "tables": {n: [s.rows, s.rejected] for n, s in v.summaries.items()},
}))
"""

ACTIVITY_CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from rmperf.engine.lake import Lake
from rmperf.engine.activity import monthly_activity
t = time.perf_counter()
r = monthly_activity(Lake(Path(sys.argv[1]), date.fromisoformat(sys.argv[2])))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": r.num_rows}))
"""


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        m = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    ram = "?"
    mem = Path("/proc/meminfo")
    if mem.exists():
        m = re.search(r"^MemTotal:\s*(\d+) kB", mem.read_text(), re.M)
        ram = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB" if m else ram
    import duckdb

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}; load average at start {load:.1f}"
    )


def run_child(code: str, *args: str) -> tuple[dict[str, object], float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stdout is not None
    out = proc.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {out}")
    return json.loads(out.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def synthesise(out: Path, customers: int = 200_000, transactions: int = 20_000_000) -> None:
    """A plain big lake: the dimensions the facts need and 20M transactions in parts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    pq.write_table(
        pa.table(
            {
                "unit_id": ["B", "R1", "BR1", "T1"],
                "name": ["b", "r", "br", "t"],
                "kind": ["bank", "region", "branch", "team"],
                "parent_id": [None, "B", "R1", "BR1"],
            }
        ),
        out / "org_units.parquet",
    )
    ids = [f"C{i:07d}" for i in range(customers)]
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "name": ids,
                "kind": ["retail"] * customers,
                "unit_id": ["BR1"] * customers,
                "opened_on": pa.array([dt.date(2020, 1, 1)] * customers),
            }
        ),
        out / "customers.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "product_id": ["P1"],
                "name": ["deposit"],
                "category": ["deposit"],
                "risk_level": ["R1"],
                "revenue_rate": pa.array([0], pa.decimal128(12, 6)),
            }
        ),
        out / "products.parquet",
    )
    parts = out / "transactions"
    parts.mkdir(exist_ok=True)
    per = 1_000_000
    base = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() * 1_000_000)
    for p in range(transactions // per):
        n = np.arange(p * per, (p + 1) * per)
        cust = rng.integers(0, customers, per)
        pq.write_table(
            pa.table(
                {
                    "txn_id": pa.array([f"X{i:09d}" for i in n]),
                    "customer_id": pa.array(np.array(ids, dtype=object)[cust]),
                    "ts": pa.array(
                        base + rng.integers(0, 900 * 86_400_000_000, per), pa.timestamp("us", "UTC")
                    ),
                    "amount": pa.array(rng.integers(1, 10_000_000, per)).cast(pa.decimal128(18, 2)),
                    "direction": pa.array(np.where(rng.random(per) < 0.5, "credit", "debit")),
                    "channel": pa.array(["mobile"] * per),
                    "product_id": pa.array(["P1"] * per),
                }
            ),
            parts / f"part-{p:03d}.parquet",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", type=Path)
    parser.add_argument("--today", default="2026-09-30")
    parser.add_argument("--activity", action="store_true", help="also time monthly_activity")
    args = parser.parse_args()
    lake: Path = args.lake or HERE / "out" / "validate-medium"
    if args.lake is None and not lake.exists():
        t = time.perf_counter()
        try:
            from rmperf.synth import generate

            generate("medium", seed=1, out=lake)
            how = "rmperf.synth medium, seed 1"
        except ImportError:
            synthesise(lake)
            how = "bench_validate.synthesise (200k customers, 20M transactions)"
        print(f"generated {lake} ({how}) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    print(machine())
    result, wall, rss = run_child(CHILD, str(lake), args.today)
    rows = int(result["rows"])  # type: ignore[call-overload]
    print(json.dumps(result["tables"]))
    print(
        f"validate: {rows:,} rows, {result['rejected']} rejected, problems {result['problems']}; "
        f"wall {wall:.1f} s (validate_lake {float(result['seconds']):.1f} s), "  # type: ignore[arg-type]
        f"peak RSS {rss:,.0f} MiB, {rows / wall:,.0f} rows/s"
    )
    if args.activity:
        act, wall, rss = run_child(ACTIVITY_CHILD, str(lake), args.today)
        print(
            f"monthly_activity (duckdb): {act['rows']:,} rows out; wall {wall:.1f} s, "
            f"peak RSS {rss:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
