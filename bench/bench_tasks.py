"""Benchmark `rmperf tasks` on the medium bank (issue 6: the daily task run < 60 s).

    .venv/bin/python bench/bench_tasks.py [--lake /tmp/bank-medium] [--as-of 2026-09-30]
        [--as-of 2026-09-28] [--repeat 3]

Generates the medium bank (seed 7) into --lake when it is absent. Each run is a fresh
`rmperf tasks` process (policy load, lake validation through the valid views, every kind,
Parquet written); wall time is measured around the process and peak memory is the
process's maximum resident set size (os.wait4). 2026-09-30 is a Wednesday (six kinds);
2026-09-28 a Monday, when the weekly high-potential list adds a full segmentation with
tags. The report (Markdown) goes to stdout; bench/tasks.md quotes it.
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

ROOT = Path(__file__).resolve().parents[1]
RMPERF = ROOT / ".venv" / "bin" / "rmperf"


def run_once(
    lake: Path, as_of: str, out: Path, segments: Path | None = None
) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB, the command's summary line)."""
    cmd = [str(RMPERF), "tasks", "--lake", str(lake), "--as-of", as_of, "--today",
           "2026-10-01", "--out", str(out)]  # fmt: skip
    if segments is not None:
        cmd += ["--segments", str(segments)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"rmperf tasks failed: {stderr}")
    return wall, usage.ru_maxrss / 1024, stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", type=Path, default=Path("/tmp/bank-medium"))  # noqa: S108 - the shared medium lake
    parser.add_argument("--as-of", action="append", dest="dates")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="AS_OF=FILE",
        help="also time the run with --segments FILE (a `rmperf segment` result of AS_OF)",
    )
    args = parser.parse_args()
    cases: list[tuple[str, Path | None]] = [(d, None) for d in args.dates or []]
    for item in args.reuse:
        as_of, _, path = item.partition("=")
        cases.append((as_of, Path(path)))
    if not cases:
        cases = [("2026-09-30", None), ("2026-09-28", None)]
    if not args.lake.is_dir():
        subprocess.run(
            [str(RMPERF), "generate", "--scale", "medium", "--seed", "7", "--out", str(args.lake)],
            check=True,
        )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average before {os.getloadavg()}")  # fmt: skip
    print()
    print("| as of | tiers | runs | median wall (s) | min / max (s) | peak RSS (MiB) | result |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for as_of, segments in cases:
            walls, peaks, summary = [], [], ""
            for _ in range(args.repeat):
                out = Path(tmp) / "tasks.parquet"
                wall, peak, summary = run_once(args.lake, as_of, out, segments)
                walls.append(wall)
                peaks.append(peak)
            tiers = "computed" if segments is None else "--segments"
            print(
                f"| {as_of} | {tiers} | {len(walls)} | {statistics.median(walls):.1f} | "
                f"{min(walls):.1f} / {max(walls):.1f} | {max(peaks):,.0f} | {summary} |"
            )
    print()
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
