"""Load test of the web app (issue #18): signed-in people of each role over their main
pages and APIs at a fixed arrival rate, against the demo bank on PostgreSQL.

Prepare the bank once (medium, PostgreSQL, ~50 min):
    psql -h 127.0.0.1 -U postgres -qc "create database h_load"
    RMPERF_HOME=/work/loadhome DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_load \\
        .venv/bin/rmperf demo --scale medium --no-serve
Then (locust lives in the `load` dependency group: `.uv/bin/uv sync --group load`):
    .venv/bin/python bench/bench_load.py --home /work/loadhome \\
        --database-url postgres://postgres@127.0.0.1:5432/h_load --rate 36 --seconds 600
and the ceiling (after the rate above, each further rate for --step-seconds, stopping
after the first whose p95 exceeds --p95-limit-ms or that has failures):
    .venv/bin/python bench/bench_load.py ... --rate 36 --seconds 120 \\
        --ceiling 45,54,63,72,81,90 --step-seconds 120

The server is started here with the serving model under test (gunicorn workers and
threads), exactly as `rmperf serve` starts it. Locust runs in a second process on the
same machine: its own CPU use counts against the server's, so the figures are a floor.
Every person signs in before the measured window (bench/load/locustfile.py): the sign-in
phase (PBKDF2, hundreds of ms of CPU each) is reported apart and not in the figures. The
report (bench/load.md) gets one section per run: requests, failures, achieved rate,
p50/p95/p99 overall and per endpoint, the server's CPU seconds per request, the machine's
load average before and after each rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

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
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/login/", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("the server did not answer within 300 s")


def run_locust(
    args: argparse.Namespace, rates: list[float], env: dict[str, str], out: Path, pgid: int
) -> dict[str, Any]:
    users = max(1, round(max(rates) * args.pacing))
    seconds = [args.seconds] + [args.step_seconds] * (len(rates) - 1)
    locust = shutil.which("locust", path=str(Path(sys.executable).parent))
    if locust is None:
        raise SystemExit("locust is not installed: `.uv/bin/uv sync --group load`")
    result = out / "load.json"
    lenv = {**env, "LOAD_PERIOD": args.period, "LOAD_USERS": str(users),
            "LOAD_RATES": ",".join(f"{r:g}" for r in rates),
            "LOAD_SECONDS": ",".join(str(s) for s in seconds),
            "LOAD_P95_LIMIT_MS": f"{args.p95_limit_ms:g}", "LOAD_OUT": str(result),
            "LOAD_SERVER_PGID": str(pgid)}  # fmt: skip
    # A safety stop only: the locustfile's controller ends the run itself.
    cap = 900 + sum(seconds) + 2 * len(rates) * (users / min(rates)) + 60
    with (out / "locust.log").open("wb") as log:
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
                f"{args.spawn_rate:g}",
                "-t",
                f"{int(cap)}s",
                "--only-summary",
                "--stop-timeout",
                "30",
            ],
            env=lenv,
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if not result.exists():
        raise SystemExit(f"locust wrote no result: see {out / 'locust.log'}")
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return data


def section(args: argparse.Namespace, data: dict[str, Any], load: str) -> str:
    sign_in = data["sign_in"]
    login = sign_in["login"]
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {args.workers} worker(s) × "
        f"{args.threads} thread(s), {data['users']} people, sign-ins excluded",
        "",
        f"Command: `.venv/bin/python bench/bench_load.py {' '.join(sys.argv[1:])}`",
        f"Machine: {os.cpu_count()} cores, load average before the run {load}; locust and "
        "PostgreSQL on the same cores.",
        f"Sign-in phase (not measured): {sign_in['signed_in']} of {data['users']} people "
        f"signed in ({sign_in['failed']} failed) in {sign_in['seconds']:g} s, "
        f"{sign_in['requests']} requests; `POST /login/` p50 {login['p50']} ms, "
        f"p95 {login['p95']} ms. The measured window starts one pacing period after the "
        "last sign-in.",
        "",
        "| target req/s | pacing s | seconds | requests | failures | achieved req/s | p50 ms "
        "| p95 ms | p99 ms | max ms | server CPU ms/request | machine CPU busy | load average "
        "before → after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for st in data["steps"]:
        t = st["total"]
        per_request = 1000 * st["server_cpu_seconds"] / t["requests"] if t["requests"] else 0
        busy = (
            st["machine_busy_seconds"] / st["machine_cpu_seconds"]
            if st["machine_cpu_seconds"]
            else 0
        )
        before = ", ".join(f"{x:g}" for x in st["load_before"])
        after = ", ".join(f"{x:g}" for x in st["load_after"])
        lines.append(
            f"| {st['rate']:g} | {st['pacing']:g} | {st['seconds']:g} | {t['requests']} | "
            f"{t['failures']} | {st['achieved']:g} | {t['p50']} | {t['p95']} | {t['p99']} | "
            f"{t['max']} | {per_request:.1f} | {busy:.0%} | {before} → {after} |"
        )
    if not data["steps"]:
        lines += ["", "No rate measured: not every person signed in."]
        return "\n".join(lines) + "\n"
    first = data["steps"][0]
    lines += ["", f"Per endpoint at {first['rate']:g} req/s:", "",
              "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
              "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    measured = [e for e in first["endpoints"] if e["requests"]]
    for e in sorted(measured, key=lambda e: -int(e["p95"])):
        lines.append(
            f"| `{e['method']} {e['name']}` | {e['requests']} | {e['failures']} | "
            f"{e['p50']} | {e['p95']} | {e['p99']} | {e['max']} |"
        )
    errors = [(st["rate"], e) for st in data["steps"] for e in st["errors"]]
    if errors:
        lines += ["", "Failures:", ""]
        lines += [
            f"- at {rate:g} req/s, {e['method']} {e['name']}: {e['error']} ×{e['occurrences']}"
            for rate, e in errors
        ]
    if args.ceiling:
        limit = args.p95_limit_ms
        held = [st["rate"] for st in data["steps"]
                if not st["total"]["failures"] and st["total"]["p95"] <= limit]  # fmt: skip
        stopped = data["steps"][-1]["rate"]
        verdict = f"{max(held):g} req/s" if held else "none of the rates"
        lines += ["", f"Ceiling: the highest rate held (p95 ≤ {limit:g} ms, no failures) was "
                  f"{verdict}; the search stopped after {stopped:g} req/s."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="RMPERF_HOME of the prepared demo bank")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rate", type=float, default=36.0, help="requests per second")
    parser.add_argument("--seconds", type=int, default=600, help="measured seconds at --rate")
    parser.add_argument(
        "--ceiling", default="", help="then step through these rates, e.g. 45,54,63,72"
    )
    parser.add_argument("--step-seconds", type=int, default=120)
    parser.add_argument("--p95-limit-ms", type=float, default=300.0)
    parser.add_argument(
        "--pacing", type=float, default=4.0, help="seconds between one person's requests "
        "at the highest rate (people = highest rate × pacing)"
    )  # fmt: skip
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="people started per s")
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "RMPERF_HOME": args.home, "DATABASE_URL": args.database_url,
           "RMPERF_LOGIN_FAILURE_LIMIT": "1000"}  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rates = [args.rate] + [float(x) for x in args.ceiling.split(",") if x]
    server = start_server(args, env)
    try:
        # Locust's log and the run's JSON are kept (their folder is printed) so a report
        # can be rebuilt from them.
        tmp = Path(tempfile.mkdtemp(prefix="rmperf-load-"))
        print(f"locust log and JSON in {tmp}", flush=True)
        data = run_locust(args, rates, env, tmp, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = section(args, data, load)
    print(text)
    if not args.no_report:
        head = "# Load: signed-in people of every role, open loop, medium bank on PostgreSQL\n\n"
        old = REPORT.read_text() if REPORT.exists() else head
        body = old[len(head) :] if old.startswith(head) else old
        REPORT.write_text(head + text + "\n" + body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
