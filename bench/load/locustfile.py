"""Signed-in people of each role over their main pages and APIs (issue #18, bench/load.md).

Run through bench/bench_load.py, which sets the environment below. Each simulated person
signs in once (the login form, with its CSRF token) and then starts one request every
LOAD_PACING seconds whatever the previous one took (locust's `constant_pacing`), so with
enough people the arrival rate is fixed by the schedule, not by the server: an open loop
for as long as every response takes less than the pacing. The mix per role follows what
each role opens most; the weights are the request shares.

Environment: LOAD_PASSWORD (the demo password), LOAD_PERIOD (a scored quarter),
LOAD_PACING (seconds between one person's requests).

The people are FastHttpUser (geventhttpclient): locust shares the server's two cores, and
this client costs a fraction of the CPU per request of the requests-based HttpUser, so
less of the machine goes to the load generator (the figures stay a floor).
"""

from __future__ import annotations

import os
import random
import re
from typing import Any, ClassVar

from locust import FastHttpUser, constant_pacing, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "rmperf-demo")
PERIOD = os.environ.get("LOAD_PERIOD", "2026Q3")
PACING = float(os.environ.get("LOAD_PACING", "4"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(FastHttpUser):
    abstract = True
    wait_time = constant_pacing(PACING)
    login: ClassVar[str] = ""
    customers: list[str]

    def on_start(self) -> None:
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
