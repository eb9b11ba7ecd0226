"""Signed-in people of each role over their main pages and APIs (issue #18, bench/load.md).

Run through bench/bench_load.py, which sets the environment below. Each simulated person
signs in once (the login form, with its CSRF token) and then starts one request every
LOAD_USERS / rate seconds whatever the previous one took (constant pacing), so with
enough people the arrival rate is fixed by the schedule, not by the server: an open loop
for as long as every response takes less than the pacing. The mix per role follows what
each role opens most; the weights are the request shares.

Sign-ins are not measured: a sign-in is a PBKDF2 password check (hundreds of ms of CPU),
made once per person per working day, not once per page. A person who has signed in
asks for nothing until everyone has (the sign-ins would queue behind pages otherwise); the
controller below waits until every person has signed in, lets one pacing period pass (every person's schedule is spread
over it at random), then resets the statistics and measures each rate of LOAD_RATES for
its LOAD_SECONDS; between two rates it changes every person's pacing and lets one pacing
period pass unmeasured. It stops stepping after a rate whose p95 is above
LOAD_P95_LIMIT_MS or that had failures (the ceiling), and writes LOAD_OUT (JSON): the
sign-in phase, and per rate the requests, failures, percentiles, per endpoint, and the CPU
seconds (user+sys) of the server's process group (LOAD_SERVER_PGID) and of the whole
machine over the measured window.

Environment: LOAD_PASSWORD (the demo password), LOAD_PERIOD (a scored quarter),
LOAD_USERS (people), LOAD_RATES (requests/s, comma-separated), LOAD_SECONDS (measured
seconds per rate, comma-separated), LOAD_P95_LIMIT_MS, LOAD_OUT, LOAD_SERVER_PGID.

The people are FastHttpUser (geventhttpclient): locust shares the server's two cores, and
this client costs a fraction of the CPU per request of the requests-based HttpUser, so
less of the machine goes to the load generator (the figures stay a floor).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any, ClassVar

import gevent
import gevent.event
from locust import FastHttpUser, events, task
from locust.env import Environment

PASSWORD = os.environ.get("LOAD_PASSWORD", "rmperf-demo")
PERIOD = os.environ.get("LOAD_PERIOD", "2026Q3")
USERS = int(os.environ.get("LOAD_USERS", "144"))
RATES = [float(x) for x in os.environ.get("LOAD_RATES", "36").split(",")]
SECONDS = [int(x) for x in os.environ.get("LOAD_SECONDS", "600").split(",")]
P95_LIMIT_MS = float(os.environ.get("LOAD_P95_LIMIT_MS", "300"))
SIGN_IN_LIMIT_SECONDS = 900
SIGN_IN_ATTEMPTS = 5
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

#: Set by the controller when every person has signed in (or the sign-in phase gave up).
ALL_SIGNED_IN = gevent.event.Event()

#: The rate now asked for, and how many people have signed in (or failed to).
STATE: dict[str, float] = {"rate": RATES[0], "signed_in": 0, "sign_in_failed": 0}


def pacing() -> float:
    """Seconds between two requests of one person at the current rate."""
    return USERS / STATE["rate"]


def _cpu_seconds_of_group(pgid: int) -> float:
    """User+sys CPU seconds of every live process of a process group (the server)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


def _entry(e: Any) -> dict[str, Any]:
    return {
        "method": e.method or "",
        "name": e.name,
        "requests": e.num_requests,
        "failures": e.num_failures,
        "p50": e.get_response_time_percentile(0.5) if e.num_requests else 0,
        "p95": e.get_response_time_percentile(0.95) if e.num_requests else 0,
        "p99": e.get_response_time_percentile(0.99) if e.num_requests else 0,
        "max": round(e.max_response_time or 0),
        "mean": round(e.avg_response_time or 0, 1),
    }


def _controller(environment: Environment) -> None:
    runner = environment.runner
    assert runner is not None
    out: dict[str, Any] = {"users": USERS, "steps": []}
    pgid = int(os.environ.get("LOAD_SERVER_PGID", "0"))
    t0 = time.monotonic()
    while STATE["signed_in"] + STATE["sign_in_failed"] < USERS:
        if time.monotonic() - t0 > SIGN_IN_LIMIT_SECONDS:
            break
        gevent.sleep(0.5)
    ALL_SIGNED_IN.set()
    login = environment.stats.get("login", "POST")
    out["sign_in"] = {
        "seconds": round(time.monotonic() - t0, 1),
        "signed_in": int(STATE["signed_in"]),
        "failed": int(STATE["sign_in_failed"]),
        "login": _entry(login),
        "requests": environment.stats.total.num_requests,
    }
    if STATE["signed_in"] == USERS:
        gevent.sleep(pacing())
        for i, rate in enumerate(RATES):
            if i:
                STATE["rate"] = rate
                gevent.sleep(pacing())
            environment.stats.reset_all()
            cpu0 = _cpu_seconds_of_group(pgid) if pgid else 0.0
            busy0, all0 = _machine_cpu_seconds()
            load0 = os.getloadavg()
            w0 = time.monotonic()
            gevent.sleep(SECONDS[min(i, len(SECONDS) - 1)])
            window = time.monotonic() - w0
            cpu = (_cpu_seconds_of_group(pgid) - cpu0) if pgid else 0.0
            busy1, all1 = _machine_cpu_seconds()
            total = _entry(environment.stats.total)
            step = {
                "rate": rate,
                "pacing": round(pacing(), 2),
                "seconds": round(window, 1),
                "total": total,
                "achieved": round(total["requests"] / window, 1),
                "server_cpu_seconds": round(cpu, 1),
                "machine_busy_seconds": round(busy1 - busy0, 1),
                "machine_cpu_seconds": round(all1 - all0, 1),
                "load_before": [round(x, 1) for x in load0],
                "load_after": [round(x, 1) for x in os.getloadavg()],
                "endpoints": [_entry(e) for e in environment.stats.entries.values()],
                "errors": [
                    {"method": e.method, "name": e.name, "error": str(e.error),
                     "occurrences": e.occurrences}
                    for e in environment.stats.errors.values()
                ],
            }  # fmt: skip
            out["steps"].append(step)
            if total["failures"] or total["p95"] > P95_LIMIT_MS:
                break
    if os.environ.get("LOAD_OUT"):
        Path(os.environ["LOAD_OUT"]).write_text(json.dumps(out, indent=1), encoding="utf-8")
    runner.quit()


@events.test_start.add_listener
def _on_test_start(environment: Environment, **kwargs: Any) -> None:
    gevent.spawn(_controller, environment)


class Person(FastHttpUser):
    abstract = True
    # The client's timeouts (60 s by default) are kept above any response of the runs.
    network_timeout = 120.0
    connection_timeout = 120.0
    login: ClassVar[str] = ""
    customers: list[str]
    _last_run: float
    _last_wait: float

    def wait_time(self) -> float:
        """Constant pacing at the current rate (locust's constant_pacing, whose pacing
        can change between two rates of a ceiling search)."""
        now = time.monotonic()
        ran = now - getattr(self, "_last_run", now) - getattr(self, "_last_wait", 0.0)
        self._last_wait = max(0.0, pacing() - ran)
        self._last_run = now
        return self._last_wait

    def on_start(self) -> None:
        # On a crowded machine a sign-in can time out (PBKDF2 queued behind the others):
        # try again, a few times, before the person counts as failed.
        for attempt in range(SIGN_IN_ATTEMPTS):
            try:
                self.sign_in()
                break
            except Exception:
                if attempt == SIGN_IN_ATTEMPTS - 1:
                    STATE["sign_in_failed"] += 1
                    raise
                gevent.sleep(random.uniform(1, 5))
        STATE["signed_in"] += 1
        # Nobody asks for a page until everyone has signed in (the sign-ins would queue
        # behind the pages otherwise); then the schedules spread over one pacing period.
        ALL_SIGNED_IN.wait()
        gevent.sleep(random.uniform(0, pacing()))

    def sign_in(self) -> None:
        page = self.client.get("/login/", name="login form")
        token = CSRF.search(page.text)
        assert token is not None, "no CSRF token on the login page"
        done = self.client.post(
            "/login/",
            data={
                "username": self.login,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": f"{self.host}/login/"},
            name="login",
            allow_redirects=False,
        )
        assert done.status_code == 302, f"{self.login} could not sign in: {done.status_code}"
        listed = self.client.get("/api/customers", name="/api/customers").json()
        self.customers = [c["customer_id"] for c in listed.get("items", [])] or []

    def customer(self) -> str | None:
        return random.choice(self.customers) if self.customers else None

    def get(self, path: str, name: str | None = None) -> Any:
        return self.client.get(path, name=name or path)


class RM(Person):
    weight = 6
    login = "rm"

    @task(4)
    def home(self) -> None:
        self.get("/")

    @task(3)
    def customers_page(self) -> None:
        self.get("/customers/")

    @task(4)
    def customer_360(self) -> None:
        cid = self.customer()
        if cid:
            self.get(f"/customers/{cid}/", name="/customers/[id]/")

    @task(3)
    def tasks_page(self) -> None:
        self.get("/tasks/")

    @task(2)
    def task_counts(self) -> None:
        self.get("/api/tasks/counts/")

    @task(2)
    def scorecard(self) -> None:
        self.get(f"/performance/{PERIOD}/", name="/performance/[period]/")

    @task(1)
    def recommend_api(self) -> None:
        cid = self.customer()
        if cid:
            self.get(f"/api/recommend/customers/{cid}", name="/api/recommend/customers/[id]")

    @task(1)
    def referrals(self) -> None:
        self.get("/referrals/")


class Teller(Person):
    weight = 2
    login = "teller"

    @task(2)
    def referrals(self) -> None:
        self.get("/referrals/")

    @task(1)
    def referrals_api(self) -> None:
        self.get("/api/referrals/")

    @task(1)
    def home(self) -> None:
        self.get("/")


class TeamLeader(Person):
    weight = 2
    login = "team_leader"

    @task(2)
    def home(self) -> None:
        self.get("/")

    @task(2)
    def team_tasks(self) -> None:
        self.get("/tasks/team/")

    @task(2)
    def period(self) -> None:
        self.get(f"/performance/{PERIOD}/", name="/performance/[period]/")

    @task(1)
    def results_api(self) -> None:
        self.get(f"/api/performance/{PERIOD}/results", name="/api/performance/[period]/results")

    @task(1)
    def customer_360(self) -> None:
        cid = self.customer()
        if cid:
            self.get(f"/customers/{cid}/", name="/customers/[id]/")


class BranchManager(Person):
    weight = 1
    login = "branch_manager"

    @task(2)
    def home(self) -> None:
        self.get("/")

    @task(2)
    def period(self) -> None:
        self.get(f"/performance/{PERIOD}/", name="/performance/[period]/")

    @task(1)
    def segments(self) -> None:
        self.get("/segments/")

    @task(1)
    def customers_page(self) -> None:
        self.get("/customers/")


class HR(Person):
    weight = 1
    login = "hr"

    @task(2)
    def performance(self) -> None:
        self.get("/performance/")

    @task(2)
    def period(self) -> None:
        self.get(f"/performance/{PERIOD}/", name="/performance/[period]/")

    @task(1)
    def policies(self) -> None:
        self.get("/policies/")

    @task(1)
    def policy_versions(self) -> None:
        self.get("/api/policies/versions")

    @task(1)
    def org(self) -> None:
        self.get("/org/")
