"""API writes: run, calibrate, confirm, close, reopen and target sheets, through the same
services and access rules as the pages (figures from conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from rmperf.performance.models import PerfPeriod, RmResult, TargetSheet
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    response = client.post(url, data=json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json()


def test_run_is_for_hr_and_needs_the_csrf_token(
    perf_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    for who in ("rm1", "bm1", "tl1", "ro1"):
        status, body = post(perf_client(who), "/api/performance/2026Q3/run")
        assert (status, body["message"]) == (404, "Not found.")
    assert not PerfPeriod.objects.exists()
    # A session without the CSRF token is refused (Django's check on session auth).
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(perf_bank.users["hr1"])
    status, _body = post(strict, "/api/performance/2026Q3/run")
    assert status == 403
    assert not PerfPeriod.objects.exists()
    status, body = post(perf_client("hr1"), "/api/performance/2026q3/run")
    assert status == 200
    assert (body["period"], body["status"], body["results"]) == ("2026Q3", "computed", 3)
    assert len(body["inputs_digest"]) == 64 and body["manual_digest"] == ""
    assert body["policy_versions"].keys() == {"test_retail"}
    anonymous = Client()
    assert post(anonymous, "/api/performance/2026Q3/run")[0] == 401
    # An unreadable period answers like a missing object.
    assert post(perf_client("hr1"), "/api/performance/2026Q9/run")[0] == 404


def test_calibrate_confirm_close_and_reopen(
    perf_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    period_run(actor=None, key="2026Q3")
    url = "/api/performance/2026Q3/staff/RM2/calibrate"
    body = {"tier": "good", "total": "80.00", "reason": "new mandate"}
    # BM2 runs BR2: RM2 (BR1) is out of scope; an RM never calibrates.
    assert post(perf_client("bm2"), url, body)[0] == 404
    assert post(perf_client("rm2"), url, body)[0] == 404
    status, out = post(perf_client("bm1"), url, {"reason": "no tier"})
    assert (status, out["message"]) == (422, "Invalid request.")
    assert out["detail"][0]["loc"] == ["tier"]
    status, out = post(perf_client("bm1"), url, {**body, "reason": ""})
    assert (status, out["message"]) == (422, "A calibration needs a reason.")
    status, out = post(perf_client("bm1"), url, {**body, "tier": "stellar"})
    assert status == 422 and "is not a rating tier" in out["message"]
    status, out = post(perf_client("bm1"), url, body)
    assert status == 200
    assert (out["total"], out["final_total"], out["final_tier"]) == ("60.00", "80.00", "good")
    assert post(perf_client("bm1"), "/api/performance/2026Q3/staff/NOPE/calibrate", body)[0] == 404

    assert post(perf_client("bm1"), "/api/performance/2026Q3/close")[0] == 404
    status, out = post(perf_client("hr1"), "/api/performance/2026Q3/confirm")
    assert (status, out["status"]) == (200, "calibrated")
    status, out = post(perf_client("hr1"), "/api/performance/2026Q3/close")
    assert (status, out["status"], out["close_seq"]) == (200, "closed", 1)
    assert len(out["digest"]) == 64
    status, out = post(perf_client("hr1"), "/api/performance/2026Q3/run")
    assert status == 422 and "closed" in out["message"]
    assert post(perf_client("bm1"), url, body)[0] == 422  # in scope, but closed

    assert post(perf_client("bm1"), "/api/performance/2026Q3/reopen", {"reason": "x"})[0] == 404
    status, out = post(perf_client("hr1"), "/api/performance/2026Q3/reopen", {"reason": " "})
    assert status == 422 and "needs a reason" in out["message"]
    status, out = post(perf_client("hr1"), "/api/performance/2026Q3/reopen", {"reason": "typo"})
    assert (status, out["status"], out["close_seq"], out["digest"]) == (
        200, "calibrated", None, "",
    )  # fmt: skip
    assert RmResult.objects.get(staff_id="RM2").final_total == 80


def test_target_sheets_read_propose_approve(
    perf_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    url = "/api/performance/targets/2026/staff/RM2"
    assert perf_client("rm2").get(url).status_code == 404  # no sheet yet
    sheet = {"lines": [{"indicator": "deposit_avg_growth", "annual": "600000"}], "note": "co-set"}
    # RM1 may not propose for RM2, nor BM2 (another branch), nor a teller.
    for who in ("rm1", "bm2", "te1"):
        assert post(perf_client(who), url, sheet)[0] == 404
    status, out = post(perf_client("rm2"), url, {"lines": [{"indicator": "nope", "annual": "1"}]})
    assert status == 422 and "'nope' is not an indicator" in out["message"]
    status, out = post(
        perf_client("rm2"),
        url,
        {"lines": [{"indicator": "deposit_avg_growth", "annual": "10", "quarters": ["1", "2"]}]},
    )
    assert (status, out["message"]) == (422, "Give four quarters or none.")
    status, out = post(perf_client("rm2"), url, sheet)
    assert status == 200
    # 600,000 split evenly: 150,000 a quarter.
    assert out["status"] == "proposed" and out["proposed_by"] == "rm2"
    assert out["lines"] == [
        {
            "indicator": "deposit_avg_growth",
            "annual": "600000.00",
            "quarters": ["150000.00", "150000.00", "150000.00", "150000.00"],
            "weight": None,
        }
    ]
    assert perf_client("bm1").get(url).json()["status"] == "proposed"
    assert perf_client("rm1").get(url).status_code == 404
    assert perf_client("bm2").get(url).status_code == 404
    # Approve: not the RM, not another branch's manager, not a team leader.
    for who in ("rm2", "bm2", "tl1"):
        assert post(perf_client(who), url + "/approve")[0] == 404
    status, out = post(perf_client("bm1"), url + "/approve")
    assert (status, out["status"], out["approved_by"]) == (200, "approved", "bm1")
    status, out = post(perf_client("bm1"), url + "/approve")
    assert (status, out["message"]) == (422, "Only a proposed sheet can be approved.")
    # A change once 2026 has begun needs a reason (test_goals.py has the whole workflow).
    status, out = post(perf_client("bm1"), url, sheet)
    assert status == 422 and "mid-year change needs a reason" in out["message"]
    status, out = post(perf_client("bm1"), url, {**sheet, "reason": "new customers"})
    assert (status, out["mid_year"], out["version"]) == (200, True, 2)
    # Only the RM answers; then the proposer still does not approve (maker-checker).
    assert post(perf_client("tl1"), url + "/respond", {"accept": True})[0] == 404
    status, out = post(perf_client("rm2"), url + "/respond", {"accept": False})
    assert (status, out["message"]) == (422, "A comment needs some text.")
    status, out = post(perf_client("rm2"), url + "/respond", {"accept": False, "comment": "ok"})
    assert (status, out["rm_response"], out["rm_comment"]) == (200, "commented", "ok")
    assert [v["event"] for v in out["versions"]] == [
        "proposed",
        "approved",
        "proposed",
        "commented",
    ]
    status, out = post(perf_client("bm1"), url + "/approve")
    assert status == 422 and "proposed a target sheet cannot approve" in out["message"]
    assert TargetSheet.objects.get(staff_id="RM2").status == "proposed"
