"""The pay API: statements of a quarter in scope, one statement with its lines, running a
quarter and approving a run (maker-checker), with the personas of tests/pay/conftest.py."""

from __future__ import annotations

import json

from rmperf.pay.models import PayRun, PayStatement
from tests.pay.conftest import QUARTER, PayBank


def _post(client, url: str, body: object | None = None):  # type: ignore[no-untyped-def]
    data = json.dumps(body) if body is not None else ""
    return client.post(url, data=data, content_type="application/json")


def test_run_list_get_and_approve(confirmed: PayBank) -> None:
    hr1 = confirmed.client("hr1")
    assert _post(confirmed.client("rm1"), "/api/pay/runs", {"period": QUARTER}).status_code == 404
    assert _post(hr1, "/api/pay/runs").status_code == 422  # no body
    created = _post(hr1, "/api/pay/runs", {"period": QUARTER})
    assert created.status_code == 201, created.content
    run = created.json()
    assert run["statements"] == 3 and run["total_paid"] == "41316.00"
    assert run["rated_periods"] == [QUARTER] and not run["approved"]

    mine = confirmed.client("rm1").get("/api/pay/statements", {"period": QUARTER}).json()
    assert [(s["staff_id"], s["total_paid"]) for s in mine] == [("RM1", "24036.00")]
    team = confirmed.client("tl1").get("/api/pay/statements", {"period": QUARTER}).json()
    assert {s["staff_id"] for s in team} == {"RM1", "RM2"}
    assert confirmed.client("te1").get("/api/pay/statements").status_code == 404

    rm2 = PayStatement.objects.get(staff_id="RM2").pk
    detail = confirmed.client("hr1").get(f"/api/pay/statements/{rm2}").json()
    assert detail["clawback"] == "-120.00" and detail["npl_ratio"] == "0.047619"
    claw = [ln for ln in detail["lines"] if ln["line"] == "clawback"]
    assert [(ln["loan_id"], ln["amount"], ln["month"]) for ln in claw] == [
        ("L4", "-120.00", "2026-09")
    ]
    assert confirmed.client("rm1").get(f"/api/pay/statements/{rm2}").status_code == 404

    url = f"/api/pay/runs/{run['run_id']}/approve"
    refused = _post(hr1, url)
    assert refused.status_code == 422 and "second person" in refused.json()["message"]
    assert _post(confirmed.client("bm1"), url).status_code == 404
    approved = _post(confirmed.client("hr2"), url)
    assert approved.status_code == 200
    assert approved.json()["approved"] and approved.json()["approved_by"] == "hr2"
    again = _post(hr1, "/api/pay/runs", {"period": QUARTER})
    assert again.status_code == 422 and "approved" in again.json()["message"]
    assert PayRun.objects.count() == 1
