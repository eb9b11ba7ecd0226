"""Benchmark the RM workbench recommendation panel on the small bank with PostgreSQL
(issue 5: the RM panel renders in under 150 ms p95).

    nice -n 10 .venv/bin/python bench/bench_recommend_panel.py [--lake /tmp/mktresults-small7]
        [--renders 100] [--database postgres://postgres@127.0.0.1:5432/rmperf_mktresults]
        [--reuse]

Steps (like bench/bench_customer360.py): generate the small bank (seed 7) if the lake is
absent; recreate the PostgreSQL database; migrate; import the lake; store a
recommendation run at 2026-09-30 (`recommendation_run`, the service behind `rmperf
recommend-run`); pick the customer whose panel is the largest (most recommended plus
withheld rows) and sign in as their RM; log one offer so the panel shows an outcome;
render /recommend/customer/<id>/ (the HTMX partial the customer 360 loads) five times to
warm up, then `--renders` times with Django's test client, timing each request (server
time: middleware, session, access checks, SQL, template; in process).

The report (Markdown) goes to stdout; bench/recommend_panel.md quotes it.
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
AS_OF = dt.date(2026, 9, 30)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--lake",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mktresults-small7",
        help="lake directory",
    )
    ap.add_argument("--renders", type=int, default=100)
    ap.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/rmperf_mktresults")
    ap.add_argument("--reuse", action="store_true", help="keep the previous run's database")
    args = ap.parse_args()

    if not (args.lake / "customers.parquet").exists():
        print(f"generating the small bank (seed 7) into {args.lake} …", file=sys.stderr)
        subprocess.run(
            [str(ROOT / ".venv/bin/rmperf"), "generate", "--scale", "small", "--seed", "7",
             "--out", str(args.lake)],
            check=True,
        )  # fmt: skip
    if not args.reuse:
        recreate_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("RMPERF_HOME", str(Path(tempfile.gettempdir()) / "home-mktresults"))
    os.environ.setdefault("RMPERF_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "rmperf.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from rmperf.lakes.services import lake_import
    from rmperf.recommend.services import recommendation_run

    if not args.reuse:
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        run = lake_import(actor=None, lake_dir=args.lake, today=dt.date(2026, 10, 1))
        print(f"import: {run.status} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        began = time.perf_counter()
        rec = recommendation_run(actor=None, as_of=AS_OF, lake_dir=args.lake)
        print(
            f"recommendation_run: {rec.recommended:,} recommended, {rec.withheld:,} withheld "
            f"in {time.perf_counter() - began:.1f} s",
            file=sys.stderr,
        )
    _measure(args)
    return 0


def _measure(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rmperf.customers.models import Assignment, current_on
    from rmperf.org.models import Staff
    from rmperf.recommend.models import Recommendation, RecommendationRun, Withheld
    from rmperf.recommend.services import offer_log

    run = RecommendationRun.objects.order_by("-created_at", "-pk").first()
    assert run is not None, "no recommendation run"
    # The largest panel: most recommendations, then most withheld rows.
    sizes: dict[str, list[int]] = {}
    for i, model in enumerate((Recommendation, Withheld)):
        rows = model.objects.filter(run=run).values("customer_id").annotate(n=Count("pk"))
        for r in rows:
            sizes.setdefault(r["customer_id"], [0, 0])[i] = r["n"]
    today = dt.date.today()  # noqa: DTZ011 - the app's today, as the page sees it
    assigned = set(
        Assignment.objects.filter(current_on(today)).values_list("customer_id", flat=True)
    )
    customer_id = max((c for c in sizes if c in assigned), key=lambda c: (*sizes[c], c))
    recs = Recommendation.objects.filter(run=run, customer_id=customer_id).count()
    held = Withheld.objects.filter(run=run, customer_id=customer_id).count()
    rm_id = (
        Assignment.objects.filter(current_on(today), customer_id=customer_id)
        .values_list("staff_id", flat=True)
        .first()
    )
    user, _ = User.objects.get_or_create(username="bench-rm")
    Staff.objects.filter(user=user).update(user=None)
    Staff.objects.filter(pk=rm_id).update(user=user)
    top = Recommendation.objects.filter(run=run, customer_id=customer_id).order_by("rank").first()
    if top is not None:
        offer_log(actor=user, recommendation_id=top.pk, outcome="accepted")
    client = Client()
    client.force_login(user)
    url = f"/recommend/customer/{customer_id}/"

    started = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - started
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
    load = os.getloadavg()
    total_recs = Recommendation.objects.filter(run=run).count()
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| machine | {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} |"
    )
    print(f"| database | PostgreSQL ({connection.pg_version}) |")
    print(f"| run | as of {run.as_of}, {total_recs:,} recommendations stored |")
    print(
        f"| customer | {customer_id}: {recs} recommendations, {held} withheld rows "
        "(the largest panel: most recommendations, then withheld), one offer logged |"
    )
    print(f"| page size | {len(response.content):,} bytes, {queries} SQL queries |")
    print(f"| first render | {cold * 1000:.0f} ms |")
    print(f"| renders | {args.renders} |")
    print(f"| p50 | {statistics.median(times):.1f} ms |")
    print(f"| p95 | {p95(times):.1f} ms |")
    print(f"| max | {max(times):.1f} ms |")


if __name__ == "__main__":
    raise SystemExit(main())
