"""CPU time, queries, model instances and URL reversals of each request the load test
makes (bench/load/locustfile.py), one request at a time in process, per role (issue #18).

On a shared machine wall-clock time measures the neighbours; the CPU time this process
spends on a request (time.process_time around the test client's call) and the number of
queries do not. Each page is requested once to warm up (the caches a server keeps between
requests are warm under load too), then --repeat times; the table gives the medians.
Redirects are followed as locust follows them: `/` is timed with the page it sends each
role to (the workbench, the desk).

    RMPERF_HOME=/work/loadhome-h DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_load \\
        .venv/bin/python bench/bench_request_cpu.py [--repeat 20] [--html DIR]

--only PAGE (repeatable) times only these pages, named as in PAGES
(`--only /performance/{period}/`).
--cold empties the page-fragment cache (settings.CACHES["pages"]) before every timed and
counted request: each request then misses as the first one after an audited write does
(the default, warm, is what a quiet load test mostly sees).

--html DIR writes each page's HTML, normalised (CSRF tokens, CSP nonces and the time of
day blanked), to DIR/role__page.html, so two runs (before and after a change) can be
compared with `diff -r`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmperf.config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import post_init  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls.resolvers import URLResolver  # noqa: E402

from rmperf.core.templatetags import url_cache  # noqa: E402

#: The pages of bench/load/locustfile.py, per role, with the locust task weights.
PAGES: dict[str, list[tuple[str, int]]] = {
    "rm": [("/", 4), ("/customers/", 3), ("/customers/{cid}/", 4),
           ("/tasks/", 3), ("/api/tasks/counts/", 2), ("/performance/{period}/", 2),
           ("/api/recommend/customers/{cid}", 1), ("/referrals/", 1),
           ("/api/customers", 0)],
    "teller": [("/referrals/", 2), ("/api/referrals/", 1), ("/", 1)],
    "team_leader": [("/", 2), ("/tasks/team/", 2), ("/performance/{period}/", 2),
                    ("/api/performance/{period}/results", 1), ("/customers/{cid}/", 1)],
    "branch_manager": [("/", 2), ("/performance/{period}/", 2), ("/segments/", 1),
                       ("/customers/", 1)],
    "hr": [("/performance/", 2), ("/performance/{period}/", 2), ("/policies/", 1),
           ("/api/policies/versions", 1), ("/org/", 1)],
}  # fmt: skip

_NORMALISE = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
        'name="csrfmiddlewaretoken" value=""',
    ),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r'"csrfToken":\s*"[^"]+"'), '"csrfToken": ""'),
    (re.compile(r'X-CSRFToken"\s*:\s*"[^"]+"'), 'X-CSRFToken": ""'),
]


def normalise(html: str) -> str:
    for pattern, repl in _NORMALISE:
        html = pattern.sub(repl, html)
    return html


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Counts model instances created and URLs reversed inside the block."""
    counts = {"instances": 0, "reverse": 0}

    def on_init(**kwargs: Any) -> None:
        counts["instances"] += 1

    original = URLResolver._reverse_with_prefix

    def reverse(self: URLResolver, *args: Any, **kwargs: Any) -> str:
        counts["reverse"] += 1
        return original(self, *args, **kwargs)

    post_init.connect(on_init, weak=False, dispatch_uid="bench_request_cpu")
    URLResolver._reverse_with_prefix = reverse  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        post_init.disconnect(dispatch_uid="bench_request_cpu")
        URLResolver._reverse_with_prefix = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--html", type=Path, help="write normalised HTML of each page here")
    parser.add_argument(
        "--pair-url-cache",
        action="store_true",
        help="time every page alternately with the `{% url %}` cache on and off "
        "(core/templatetags/url_cache.py): one more column, the CPU ms with it off",
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="PAGE", help="time only this page"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="empty the page-fragment cache before each request (every fragment misses)",
    )
    args = parser.parse_args()

    def cool() -> None:
        if args.cold:
            caches["pages"].clear()

    settings.ALLOWED_HOSTS = ["*"]
    users = get_user_model().objects
    print(
        "| role | page | weight | status | CPU ms median | CPU ms min | queries | model instances | reverse() |"
        + (" CPU ms median, url cache off |" if args.pair_url_cache else "")
        + "\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
        + ("---:|" if args.pair_url_cache else "")
    )
    weighted_cpu = 0.0
    weighted_off = 0.0
    weighted_min = 0.0
    role_weights = {"rm": 6, "teller": 2, "team_leader": 2, "branch_manager": 1, "hr": 1}
    for role, pages in PAGES.items():
        client = Client()
        client.force_login(users.get(username=role))
        items = client.get("/api/customers").json().get("items", [])
        cid = items[0]["customer_id"] if items else "none"
        role_task_weight = sum(w for _, w in pages)
        for page, weight in pages:
            if args.only and page not in args.only:
                continue
            path = page.format(cid=cid, period=args.period)
            resp = client.get(path, follow=True)  # warm-up
            cpu = []
            cpu_off = []
            for _ in range(args.repeat):
                cool()
                c0 = time.process_time()
                resp = client.get(path, follow=True)
                cpu.append((time.process_time() - c0) * 1000)
                if args.pair_url_cache:
                    url_cache.ENABLED = False
                    cool()
                    c0 = time.process_time()
                    client.get(path, follow=True)
                    cpu_off.append((time.process_time() - c0) * 1000)
                    url_cache.ENABLED = True
            # Counted three times, the least kept: the idle clock's session write (every
            # 15 s) and the customer count's cache (60 s) come and go between requests.
            queries = []
            for _ in range(3):
                cool()
                with CaptureQueriesContext(connection) as q, counting() as counts:
                    resp = client.get(path, follow=True)
                queries.append(len(q))
            median = statistics.median(cpu)
            off = statistics.median(cpu_off) if cpu_off else 0.0
            if weight:
                share = role_weights[role] * weight / role_task_weight
                weighted_cpu += share * median
                weighted_min += share * min(cpu)
                weighted_off += share * off
            print(
                f"| {role} | `{page}` | {weight} | {resp.status_code} | {median:.1f} | "
                f"{min(cpu):.1f} | {min(queries)} | {counts['instances']} | {counts['reverse']} |"
                + (f" {off:.1f} |" if cpu_off else ""),
                flush=True,
            )
            if args.html is not None and resp.get("Content-Type", "").startswith("text/html"):
                args.html.mkdir(parents=True, exist_ok=True)
                name = re.sub(r"[^A-Za-z0-9]+", "_", page).strip("_") or "root"
                (args.html / f"{role}__{name}.html").write_text(
                    normalise(resp.content.decode()), encoding="utf-8"
                )
    total_weight = sum(role_weights.values())
    print(
        f"\nMean CPU ms per request over the load test's mix (role and task weights): "
        f"median {weighted_cpu / total_weight:.1f}, min {weighted_min / total_weight:.1f}"
        + (
            f"; url cache off: median {weighted_off / total_weight:.1f}"
            if args.pair_url_cache
            else ""
        )
    )
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
