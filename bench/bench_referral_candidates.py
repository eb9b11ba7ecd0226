"""Time `rmperf referral-candidates` on a generated lake: median wall time and peak RSS.

    .venv/bin/python bench/bench_referral_candidates.py --scale small --runs 3

Generates the lake (seed 1) under /tmp if it is not there yet; each run is a fresh process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RMPERF = str(Path(sys.executable).with_name("rmperf"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="small", choices=("tiny", "small", "medium"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--as-of", default="2026-09-30")
    args = ap.parse_args()
    lake = Path(f"/tmp/rmperf_bench_{args.scale}")  # noqa: S108 - a scratch lake for the benchmark
    if not lake.exists():
        subprocess.run(
            [RMPERF, "generate", "--scale", args.scale, "--out", str(lake), "--quiet"], check=True
        )
    out = lake.parent / f"referral_candidates_{args.scale}.csv"
    walls = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        done = subprocess.run(
            [
                RMPERF,
                "referral-candidates",
                "--lake",
                str(lake),
                "--as-of",
                args.as_of,
                "--today",
                "2026-11-23",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout.strip())
    print(
        f"scale {args.scale}: median {statistics.median(walls):.2f} s over {args.runs} runs "
        f"({', '.join(f'{w:.2f}' for w in walls)}); peak RSS {peak:.0f} MiB; "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
