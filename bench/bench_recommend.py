"""Benchmark `rmperf recommend` for every customer of the medium bank, and model training
on the small bank.

    .venv/bin/python bench/bench_recommend.py [--medium /tmp/bank-medium]
        [--small /tmp/recommend-small] [--as-of 2026-09-30] [--runs 3]

Every measured run is the real CLI in its own subprocess: wall time around the child,
peak RSS from the child's own ru_maxrss (os.wait4). Missing lakes are generated first
(`rmperf generate --scale medium --seed 7`, `--scale small --seed 7`). The report goes to
stdout as Markdown; bench/recommend.md quotes it.
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
RMPERF = ROOT / ".venv" / "bin" / "rmperf"


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024, out.strip()


def ensure(lake: Path, scale: str) -> None:
    if not lake.is_dir():
        subprocess.run(
            [str(RMPERF), "generate", "--scale", scale, "--seed", "7", "--out", str(lake)],
            check=True,
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--medium", type=Path, default=Path("/tmp/bank-medium"))  # noqa: S108
    ap.add_argument("--small", type=Path, default=Path("/tmp/recommend-small"))  # noqa: S108
    ap.add_argument("--as-of", default="2026-09-30")
    ap.add_argument("--train-until", default="2026-08-31")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    ensure(args.medium, "medium")
    ensure(args.small, "small")
    rec: list[tuple[float, float]] = []
    train: list[tuple[float, float]] = []
    summary = ""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.runs):
            wall, rss, summary = measure(
                [
                    str(RMPERF),
                    "recommend",
                    "--lake",
                    str(args.medium),
                    "--as-of",
                    args.as_of,
                    "--today",
                    "2026-11-23",
                    "--out",
                    str(out / "rec.parquet"),
                    "--blocked",
                    str(out / "blocked.parquet"),
                ]
            )
            rec.append((wall, rss))
            print(f"recommend: {wall:.1f} s, {rss:,.0f} MiB", file=sys.stderr)
            wall, rss, train_summary = measure(
                [
                    str(RMPERF),
                    "recommend-train",
                    "--lake",
                    str(args.small),
                    "--train-until",
                    args.train_until,
                    "--today",
                    "2026-11-23",
                    "--out",
                    str(out / "model.joblib"),
                ]
            )
            train.append((wall, rss))
            print(f"train: {wall:.1f} s, {rss:,.0f} MiB", file=sys.stderr)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print()
    print("| run | wall s (median) | wall s (runs) | peak RSS MiB (max) |")
    print("|---|---|---|---|")
    for name, rows in (
        (f"recommend, medium ({args.medium}), rules only", rec),
        (f"recommend-train, small ({args.small})", train),
    ):
        walls = ", ".join(f"{w:.1f}" for w, _ in rows)
        print(
            f"| {name} | {statistics.median(w for w, _ in rows):.1f} | {walls} | "
            f"{max(r for _, r in rows):,.0f} |"
        )
    print()
    print(f"recommend said: {summary}")
    print(f"recommend-train said: {train_summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
