"""The performance API on the hand-built lake (figures from conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db


def test_results_and_scorecard(perf_bank: PerfBank, perf_client: Callable[[str], Client]) -> None:
    assert perf_client("bm1").get("/api/performance/2026Q3/results").json() == []
    period_run(actor=None, key="2026Q3")
    rows = perf_client("bm1").get("/api/performance/2026Q3/results").json()
    assert [(r["staff_id"], r["total"], r["final_tier"]) for r in rows] == [
        ("RM1", "100.00", "outstanding"),
        ("RM2", "60.00", "competent"),
    ]
    assert [
        r["staff_id"] for r in perf_client("rm2").get("/api/performance/2026Q3/results").json()
    ] == ["RM2"]
    card = perf_client("rm2").get("/api/performance/2026Q3/staff/RM2").json()
    assert card["status"] == "computed"
    assert card["result"]["total"] == "60.00"
    growth = next(ln for ln in card["lines"] if ln["indicator"] == "deposit_avg_growth")
    assert (growth["completion"], growth["points"]) == ("0.5000", "40.00")
    missing = perf_client("rm2").get("/api/performance/2026Q3/staff/RM1")
    assert missing.status_code == 404
    assert set(missing.json()) == {"message", "detail"}
    assert perf_client("rm2").get("/api/performance/2026Q9/results").status_code == 404
