"""Benchmark the customer 360 page on the small bank with PostgreSQL (issue 3: < 150 ms p95).

    .venv/bin/python bench/bench_customer360.py [--lake /tmp/small7] [--renders 50]
        [--database postgres://postgres@127.0.0.1:5432/rmperf_bench360] [--runs 3]

Steps: generate the small bank (seed 7) if the lake is absent; recreate the PostgreSQL
database; migrate; import the lake; segment it at `--runs` month ends (so the page has a
tier history to show); pick the customer with the most transactions (the longest
history) and sign in as their RM; render /customers/<id>/ a few times to warm up, then
`--renders` times with Django's test client, timing each request (server time: the
whole request through middleware, views, DuckDB reads and templates, in process).

The report (Markdown) goes to stdout; bench/customer360.md quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import p95, recreate_database

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--lake", type=Path, default=Path(tempfile.gettempdir()) / "small7", help="lake directory"
    )
    ap.add_argument("--renders", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3, help="segmentation runs (month ends)")
    ap.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/rmperf_bench360")
    ap.add_argument(
        "--reuse", action="store_true", help="keep the database of the previous run (no setup)"
    )
    ap.add_argument(
        "--no-index",
        action="store_true",
        help="with --reuse: read the Parquet files, not the customer index (for comparison)",
    )
    args = ap.parse_args()

    if not (args.lake / "transactions.parquet").exists():
        print(f"generating the small bank (seed 7) into {args.lake} …", file=sys.stderr)
        subprocess.run(
            [str(ROOT / ".venv/bin/rmperf"), "generate", "--scale", "small", "--seed", "7",
             "--out", str(args.lake)],
            check=True,
        )  # fmt: skip

    if not args.reuse:
        recreate_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("RMPERF_HOME", str(Path(tempfile.gettempdir()) / "bench360-home"))
    os.environ.setdefault("RMPERF_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "rmperf.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from rmperf.engine import lake_reads as lr
    from rmperf.engine.lake_reads import lake_end_date
    from rmperf.lakes.services import lake_import
    from rmperf.segments import lake_selectors as lk
    from rmperf.segments.services import _bank_lake, _lake_import, segment_run

    if args.reuse:
        files = lk.lake_files()
        assert files is not None, "nothing to reuse: run without --reuse first"
        if args.no_index:
            from django.conf import settings

            settings.RMPERF_LAKE_CACHE_DIR = Path(tempfile.mkdtemp(prefix="no-index-"))
        else:
            lr.customer_index_build(files)
        _measure(args)
        return 0
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    run = lake_import(actor=None, lake_dir=args.lake, today=dt.date(2026, 10, 1))
    print(f"import: {run.status} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    lake = _bank_lake(args.lake.resolve(), _lake_import(str(args.lake.resolve())), "Asia/Shanghai")
    end = lake_end_date(lake) or dt.date(2026, 9, 30)
    dates = []
    month_end = end
    for _ in range(args.runs):
        dates.append(month_end)
        month_end = month_end.replace(day=1) - dt.timedelta(days=1)
    for as_of in sorted(dates):
        began = time.perf_counter()
        seg = segment_run(actor=None, as_of=as_of)
        print(
            f"segment_run {as_of}: {seg.customer_count} customers in "
            f"{time.perf_counter() - began:.1f} s",
            file=sys.stderr,
        )

    _measure(args)
    return 0


def _measure(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rmperf.customers.models import Assignment, current_on
    from rmperf.engine import lake_reads as lr
    from rmperf.org.models import Staff
    from rmperf.segments import lake_selectors as lk

    # The customer with the longest history: the most transactions.
    files = lk.lake_files()
    assert files is not None
    src = files.source("transactions")
    top = files.rows(
        f"SELECT customer_id, COUNT(*) AS n, MIN(ts) AS first_ts FROM {src} "
        "GROUP BY customer_id ORDER BY n DESC, customer_id LIMIT 1",
        [],
    )[0]
    customer_id = top["customer_id"]
    rm_id = (
        Assignment.objects.filter(current_on(dt.date.today()), customer_id=customer_id)  # noqa: DTZ011
        .values_list("staff_id", flat=True)
        .first()
    )
    user, _ = User.objects.get_or_create(username="bench-rm")
    Staff.objects.filter(user=user).update(user=None)
    Staff.objects.filter(pk=rm_id).update(user=user)
    client = Client()
    client.force_login(user)
    url = f"/customers/{customer_id}/"

    cold_started = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - cold_started
    assert response.status_code == 200, response.status_code
    for _ in range(4):
        client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)

    times: list[float] = []
    for _ in range(args.renders):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200

    # Where the time goes: the lake reads alone.
    lake_times: list[float] = []
    for _ in range(args.renders):
        started = time.perf_counter()
        lr.customer_balances(files, customer_id)
        lr.customer_holdings(files, customer_id)
        lr.customer_transactions(files, customer_id)
        lr.customer_loans(files, customer_id)
        lr.customer_interactions(files, customer_id)
        lr.customer_referrals(files, customer_id)
        lake_times.append((time.perf_counter() - started) * 1000)

    load = os.getloadavg()
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| machine | {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} |"
    )
    print(f"| database | PostgreSQL ({connection.pg_version}) |")
    print(
        f"| customer | {customer_id}: {top['n']:,} transactions since {top['first_ts']:%Y-%m-%d}, {args.runs} segmentation runs |"
    )
    print(f"| page size | {len(response.content):,} bytes, {queries} SQL queries |")
    print(f"| first render (cold DuckDB, cold caches) | {cold * 1000:.0f} ms |")
    print(f"| renders | {args.renders} |")
    print(f"| p50 | {statistics.median(times):.1f} ms |")
    print(f"| p95 | {p95(times):.1f} ms |")
    print(f"| max | {max(times):.1f} ms |")
    print(
        f"| lake reads alone, p50 / p95 | {statistics.median(lake_times):.1f} / {p95(lake_times):.1f} ms |"
    )
    print(
        f"| lake reads from | {'the customer index ' + str(files.index_path.name) if files.index_path and files.index_path.exists() else 'the Parquet files'} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
