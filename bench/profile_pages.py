"""Time and query count of each page the load test opens, one request at a time, in
process (no server): where a request's time goes before it is put under load. Redirects
are followed (the landing page `/` is timed with the page it sends each role to).

    RMPERF_HOME=/work/loadhome DATABASE_URL=postgres://…/rmperf_loadbank \\
        .venv/bin/python bench/profile_pages.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmperf.config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = {
    "rm": ["/", "/customers/", "/customers/{cid}/", "/tasks/", "/api/tasks/counts/",
           "/performance/{period}/", "/api/recommend/customers/{cid}", "/referrals/"],
    "teller": ["/referrals/", "/api/referrals/", "/"],
    "team_leader": ["/", "/tasks/team/", "/performance/{period}/",
                    "/api/performance/{period}/results", "/customers/{cid}/"],
    "branch_manager": ["/", "/performance/{period}/", "/segments/", "/customers/"],
    "hr": ["/performance/", "/performance/{period}/", "/policies/", "/api/policies/versions",
           "/org/"],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also run cProfile over every request and write the statistics to FILE "
        "(read them with `python -m pstats FILE`); the table's times then include its cost",
    )
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    settings.ALLOWED_HOSTS = ["*"]
    users = get_user_model().objects
    print(
        "| role | page | status | median ms | median CPU ms (this process) | queries |\n"
        "|---|---|---:|---:|---:|---:|"
    )
    for role, pages in PAGES.items():
        client = Client()
        client.force_login(users.get(username=role))
        items = client.get("/api/customers").json().get("items", [])
        cid = items[0]["customer_id"] if items else "none"
        for page in pages:
            path = page.format(cid=cid, period=args.period)
            times = []
            cpu = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as q:
                    t0 = time.perf_counter()
                    c0 = time.process_time()
                    if profiler is not None:
                        profiler.enable()
                    resp = client.get(path, follow=True)
                    if profiler is not None:
                        profiler.disable()
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
            print(
                f"| {role} | `{page}` | {resp.status_code} | {statistics.median(times):.0f} | {statistics.median(cpu):.0f} | {len(q)} |"
            )
    if profiler is not None:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(r"rmperf", 40)


if __name__ == "__main__":
    main()
