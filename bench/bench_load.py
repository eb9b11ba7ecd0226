"""Load test of the web app (issue #18): signed-in people of each role over their main
pages and APIs at a fixed arrival rate, against the demo bank on PostgreSQL.

Prepare the bank once (medium, PostgreSQL):
    createdb -h 127.0.0.1 -U postgres rmperf_loadbank
    RMPERF_HOME=/work/loadhome DATABASE_URL=postgres://postgres@127.0.0.1:5432/rmperf_loadbank \\
        .venv/bin/rmperf demo --scale medium --no-serve
Then (locust lives in the `load` dependency group):
    .uv/bin/uv run --group load python bench/bench_load.py --home /work/loadhome \\
        --database-url postgres://postgres@127.0.0.1:5432/rmperf_loadbank \\
        --rate 36 --seconds 600 [--ceiling 36,54,72,90 --step-seconds 60]

The server is started here with the serving model under test (gunicorn workers and
threads), exactly as `rmperf serve` starts it. Locust runs in a second process on the
same machine: its own CPU use counts against the server's, so the figures are a floor.
The report (bench/load.md) gets one section per run: requests, failures, achieved rate,
p50/p95/p99 overall and per endpoint.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "load.md"


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "rmperf.cli",
        "serve",
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/login/", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("the server did not answer within 120 s")


def run_locust(
    args: argparse.Namespace, rate: float, seconds: int, env: dict[str, str], out: Path
) -> dict[str, object]:
    users = max(1, round(rate * args.pacing))
    prefix = out / f"rate{rate:g}"
    locust = shutil.which("locust", path=str(Path(sys.executable).parent))
    if locust is None:
        raise SystemExit("locust is not installed: run with `.uv/bin/uv run --group load`")
    lenv = {**env, "LOAD_PACING": str(args.pacing), "LOAD_PERIOD": args.period}
    subprocess.run(
        [
            locust,
            "-f",
            str(ROOT / "bench" / "load" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 10)),
            "-t",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "30",
        ],
        env=lenv,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = [r for r in rows if r["Name"] not in ("Aggregated", "login", "login form")]
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    return {"rate": rate, "users": users, "seconds": seconds, "agg": agg, "endpoints": endpoints,
            "failures": failures}  # fmt: skip


def section(args: argparse.Namespace, results: list[dict[str, object]], load: str) -> str:
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {args.workers} worker(s) × "
        f"{args.threads} thread(s), pacing {args.pacing:g} s",
        "",
        f"Command: `.uv/bin/uv run --group load python bench/bench_load.py {' '.join(sys.argv[1:])}`",
        f"Machine: 2 cores, load average before the run {load}; locust on the same cores.",
        "",
        "| target req/s | people | seconds | requests | failures | achieved req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        a = r["agg"]
        assert isinstance(a, dict)
        lines.append(
            f"| {r['rate']:g} | {r['users']} | {r['seconds']} | {a['Request Count']} | "
            f"{a['Failure Count']} | {float(a['Requests/s']):.1f} | {a['50%']} | {a['95%']} | "
            f"{a['99%']} | {float(a['Max Response Time']):.0f} |"
        )
    last = results[0]
    lines += ["", f"Per endpoint at {last['rate']:g} req/s:", "",
              "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms |",
              "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    endpoints = last["endpoints"]
    assert isinstance(endpoints, list)
    for e in sorted(endpoints, key=lambda e: -int(e["95%"] or 0)):
        lines.append(
            f"| `{e['Type']} {e['Name']}` | {e['Request Count']} | {e['Failure Count']} | "
            f"{e['50%']} | {e['95%']} | {e['99%']} |"
        )
    failures = [f for r in results for f in r["failures"]]  # type: ignore[attr-defined]
    if failures:
        lines += ["", "Failures:", ""]
        lines += [
            f"- {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="RMPERF_HOME of the prepared demo bank")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rate", type=float, default=36.0, help="requests per second")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument(
        "--ceiling", default="", help="also step through these rates, e.g. 54,72,90"
    )
    parser.add_argument("--step-seconds", type=int, default=60)
    parser.add_argument("--pacing", type=float, default=4.0)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "RMPERF_HOME": args.home, "DATABASE_URL": args.database_url,
           "RMPERF_LOGIN_FAILURE_LIMIT": "1000"}  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    server = start_server(args, env)
    results = []
    try:
        # Locust's own CSV files are kept (their folder is printed) so a report can be
        # rebuilt from them.
        tmp = tempfile.mkdtemp(prefix="rmperf-load-")
        print(f"locust CSV files in {tmp}", flush=True)
        results.append(run_locust(args, args.rate, args.seconds, env, Path(tmp)))
        for rate in [float(x) for x in args.ceiling.split(",") if x]:
            results.append(run_locust(args, rate, args.step_seconds, env, Path(tmp)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = section(args, results, load)
    print(text)
    if not args.no_report:
        head = "# Load: signed-in people of every role, open loop, medium bank on PostgreSQL\n\n"
        old = REPORT.read_text() if REPORT.exists() else head
        body = old[len(head) :] if old.startswith(head) else old
        REPORT.write_text(head + text + "\n" + body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
