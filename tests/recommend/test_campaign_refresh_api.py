"""Campaign list refresh and the campaign API (same services and scope as the pages).

The bank and the first lake are test_campaigns.py's: mike's fund F3 (R3) campaign lists
C001, C020, C030 and leaves off C002 (no assessment), C003 (C1), C031 (opt-out).
The newer lake (`later`) changes three things:
    C020 re-assessed C2 on 2026-09-01  → F3 (R3) above C2: withdrawn (risk_above_tolerance);
                                         alice's accepted offer stays with the target
    C003 re-assessed C4 on 2026-09-01  → suitable now: added, no longer "left off"
    C040 new customer of carol, C4     → in the new segmentation run: added
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.http import Http404
from django.test import Client
from django.utils import translation

from rmperf.core.models import AuditEvent
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.campaign import campaign_list
from rmperf.engine.recommend.core import suitability_verdict
from rmperf.engine.recommend.policy import Action as Verdict
from rmperf.engine.recommend.policy import load_recommend_policy
from rmperf.recommend.campaigns import (
    CampaignError,
    campaign_offer_log,
    campaign_refresh,
)
from rmperf.recommend.models import Campaign, CampaignTarget, CampaignWithheld
from rmperf.recommend.selectors import campaign_results, campaign_targets, rm_campaign_targets
from tests.factories import Bank, make_assignment, make_customer
from tests.lakebuilder import LakeBuilder
from tests.recommend.test_campaigns import END, START, TODAY, create, lake
from tests.recommend.test_campaigns import branch as branch  # the fixture
from tests.segments.factories import make_run

AS_OF = dt.date(2026, 9, 30)


def later(tmp_path: Path) -> Path:
    b = LakeBuilder()
    b.product("F3", "fund", "0.006000", risk_level="R3")
    b.product("F9", "fund", "0.006000", risk_level="R3")
    b.customer("C001", risk_level="C3", risk_assessed_on="2026-01-15")
    b.customer("C020", risk_level="C2", risk_assessed_on="2026-09-01")
    b.customer("C030", risk_level="C5", risk_assessed_on="2026-03-01")
    b.customer("C031", risk_level="C5", risk_assessed_on="2026-03-01", marketing_opt_out="true")
    b.customer("C002", kind="corporate", risk_level="", risk_assessed_on="")
    b.customer("C003", risk_level="C4", risk_assessed_on="2026-09-01")
    b.customer("C010", risk_level="C2", risk_assessed_on="2026-02-01")
    b.holding("C010", "F9", "5000.00", "2025-01-01")
    b.customer("C040", risk_level="C4", risk_assessed_on="2026-03-01")
    b.customer("C100", risk_level="C5", risk_assessed_on="2026-03-01")
    return b.write(tmp_path / "later")


def _newer_run(bank: Bank) -> None:
    """C040 joins carol's book and a new segmentation run is made over everyone."""
    c = make_customer(customer_id="C040", name="客户C040", unit=bank.branch_a)
    make_assignment(customer=c, staff=bank.carol, valid_from=TODAY - dt.timedelta(days=30))
    make_run(as_of=AS_OF + dt.timedelta(days=31))


def _target_id(campaign: Campaign, cid: str) -> int:
    pk: int = campaign.targets.get(customer_id=cid).pk
    return pk


def test_refresh_adds_withdraws_and_keeps_logged_offers(branch: Bank, tmp_path: Path) -> None:
    campaign = create(branch, lake(tmp_path))
    alice = branch.user("alice")
    campaign_offer_log(actor=alice, target_id=_target_id(campaign, "C020"), outcome="accepted")
    _newer_run(branch)
    done = campaign_refresh(
        actor=branch.user("mike"), campaign_id=campaign.pk, lake_dir=later(tmp_path)
    )
    assert (done.added, done.withdrawn, done.reinstated) == (["C003", "C040"], ["C020"], [])
    c020 = CampaignTarget.objects.get(campaign=campaign, customer_id="C020")
    assert c020.withdrawn_on == TODAY and c020.withdrawn_rule == "risk_above_tolerance"
    assert c020.withdrawn_reason_zh == "产品风险等级R3高于客户风险承受能力C2"
    assert (c020.outcome, c020.offered_by_id) == ("accepted", "S-ALICE")  # the offer stays
    mike = branch.user("mike")
    # The funnel still counts C020 as targeted (and its accepted offer), marked withdrawn.
    total = campaign_results(actor=mike, campaign=campaign).total
    assert (total.targeted, total.withdrawn, total.accepted) == (5, 1, 1)
    listed = set(
        campaign_targets(actor=mike, campaign=campaign).values_list("customer_id", flat=True)
    )
    assert listed == {"C001", "C003", "C030", "C040"}
    assert CampaignTarget.objects.get(campaign=campaign, customer_id="C003").added_on == TODAY
    # C003 is on the list now, so no longer left off; C020 is, with why.
    left_off = set(
        CampaignWithheld.objects.filter(campaign=campaign).values_list("customer_id", "rule")
    )
    assert left_off == {
        ("C031", "marketing_opt_out"),
        ("C002", "assessment_missing_or_expired"),
        ("C020", "risk_above_tolerance"),
    }
    assert "C020" not in {t.customer_id for t in rm_campaign_targets(actor=alice)}
    with translation.override("en"), pytest.raises(CampaignError, match="C020 was withdrawn"):
        campaign_offer_log(actor=alice, target_id=c020.pk, outcome="declined")
    with translation.override("zh-hans"), pytest.raises(CampaignError, match=r"已被移出.*C2"):
        campaign_offer_log(actor=alice, target_id=c020.pk, outcome="declined")  # 中文原因
    campaign.refresh_from_db()
    assert campaign.refreshed_at is not None and campaign.segment_run.as_of == AS_OF + dt.timedelta(
        days=31
    )
    event = AuditEvent.objects.get(verb="recommend.campaign_refresh")
    assert event.after["added"] == ["C003", "C040"] and event.after["withdrawn"] == ["C020"]
    assert event.before["targets"] == 3 and event.actor_label == "mike"
    # Again on the same inputs: nothing changes.
    again = campaign_refresh(actor=mike, campaign_id=campaign.pk, lake_dir=later(tmp_path))
    assert (again.added, again.withdrawn, again.reinstated) == ([], [], [])
    # Back on the old lake C020 is suitable again and returns (its offer still logged).
    back = campaign_refresh(actor=mike, campaign_id=campaign.pk, lake_dir=lake(tmp_path))
    assert back.reinstated == ["C020"] and back.withdrawn == ["C003"]
    c020.refresh_from_db()
    assert c020.withdrawn_on is None and c020.withdrawn_rule == "" and c020.outcome == "accepted"


def test_refresh_only_by_a_branch_manager_of_the_unit(branch: Bank, tmp_path: Path) -> None:
    campaign = create(branch, lake(tmp_path))
    for persona in ("alice", "bob", "tina", "audrey"):
        with pytest.raises(Http404):
            campaign_refresh(
                actor=branch.user(persona), campaign_id=campaign.pk, lake_dir=later(tmp_path)
            )
    assert not AuditEvent.objects.filter(verb="recommend.campaign_refresh").exists()


def test_refresh_page_button(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    _newer_run(branch)
    url = f"/recommend/campaigns/{campaign.pk}/refresh/"
    assert client_as("alice").post(url).status_code == 404
    with mock.patch("rmperf.recommend.campaigns.lake_current", return_value=later(tmp_path)):
        response = client_as("mike").post(url)
    assert response.status_code == 302
    page = client_as("mike").get(f"/recommend/campaigns/{campaign.pk}/").content.decode()
    assert 'id="campaign-withdrawn"' in page and "risk_above_tolerance" in page


# --- the API ----------------------------------------------------------------------------


def _post(client: Client, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def _get(client: Client, url: str) -> tuple[int, Any]:
    response = client.get(url)
    return response.status_code, response.json()


BODY = {
    "name": "Autumn fund drive",
    "product_id": "F3",
    "gap_category": "fund",
    "starts_on": START.isoformat(),
    "ends_on": END.isoformat(),
}


def _unsuitable(path: Path, customer_ids: set[str]) -> set[str]:
    """Customers for whom F3 is blocked, decided alone by suitability_verdict."""
    policy = load_recommend_policy().policy
    listed = campaign_list(
        Lake(path, today=TODAY),
        as_of=AS_OF,
        policy=policy,
        product_id="F3",
        customer_ids=sorted(customer_ids),
    )
    out = set()
    for t in [*listed.targets, *listed.blocked]:
        found = suitability_verdict(t.scored.customer, t.scored.product, policy)
        if any(f.action is Verdict.BLOCK for f in found):
            out.add(t.scored.customer.customer_id)
    return out


def test_api_create_list_targets_offer_and_results(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    path = lake(tmp_path)
    mike, alice = client_as("mike"), client_as("alice")
    with mock.patch("rmperf.recommend.campaigns.lake_current", return_value=path):
        assert _post(alice, "/api/recommend/campaigns", BODY)[0] == 404  # not a manager
        status, bad = _post(mike, "/api/recommend/campaigns", {**BODY, "product_id": "NOPE"})
        assert status == 422 and "NOPE" in bad["detail"]
        status, made = _post(mike, "/api/recommend/campaigns", BODY)
    assert status == 201
    cid = made["id"]
    assert (made["unit_id"], made["created_by"], made["results"]["targeted"]) == ("BA", "S-MIKE", 3)
    status, rows = _get(mike, "/api/recommend/campaigns")
    assert status == 200 and [c["id"] for c in rows] == [cid]
    status, targets = _get(mike, f"/api/recommend/campaigns/{cid}/targets")
    assert status == 200
    listed = {t["customer_id"] for t in targets["targets"]}
    assert listed == {"C001", "C020", "C030"}
    assert {(w["customer_id"], w["rule"]) for w in targets["withheld"]} == {
        ("C031", "marketing_opt_out"),
        ("C002", "assessment_missing_or_expired"),
        ("C003", "risk_above_tolerance"),
    }
    assert not listed & _unsuitable(path, listed | {"C002", "C003", "C031"})
    # alice sees her own customers' targets only, and logs an outcome.
    status, hers = _get(alice, f"/api/recommend/campaigns/{cid}/targets")
    assert {t["customer_id"] for t in hers["targets"]} == {"C001", "C020"}
    c001 = next(t for t in hers["targets"] if t["customer_id"] == "C001")
    offer_url = f"/api/recommend/campaigns/{cid}/targets/{c001['id']}/offer"
    status, bad = _post(alice, offer_url, {"outcome": "sold"})
    assert status == 422 and "outcome" in bad["detail"]
    status, logged = _post(alice, offer_url, {"outcome": "accepted"})
    assert status == 200
    assert (logged["outcome"], logged["offered_by"], logged["offered_on"]) == (
        "accepted", "S-ALICE", TODAY.isoformat(),
    )  # fmt: skip
    assert CampaignTarget.objects.get(pk=c001["id"]).offered_at is not None
    status, detail = _get(mike, f"/api/recommend/campaigns/{cid}")
    assert status == 200
    assert (
        detail["results"]["targeted"],
        detail["results"]["offered"],
        detail["results"]["accepted"],
    ) == (3, 1, 1)
    assert {r["key"]: r["accepted"] for r in detail["by_rm"]} == {"S-ALICE": 1, "S-CAROL": 0}
    # mike may see the campaign but does not look after C030: carol's target is not his to log.
    c030 = next(t for t in targets["targets"] if t["customer_id"] == "C030")
    assert (
        _post(
            alice,
            f"/api/recommend/campaigns/{cid}/targets/{c030['id']}/offer",
            {"outcome": "offered"},
        )[0]
        == 404
    )


def test_api_out_of_scope_is_404(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    bob = client_as("bob")
    base = f"/api/recommend/campaigns/{campaign.pk}"
    assert _get(bob, "/api/recommend/campaigns")[1] == []
    for url in (base, f"{base}/targets", "/api/recommend/campaigns/999999"):
        status, body = _get(bob, url)
        assert status == 404 and body["detail"] is None
    target = _target_id(campaign, "C001")
    assert _post(bob, f"{base}/targets/{target}/offer", {"outcome": "offered"})[0] == 404
    assert _post(client_as("alice"), f"{base}/refresh", {})[0] == 404
    assert _post(bob, f"{base}/refresh", {})[0] == 404
    assert Client().get("/api/recommend/campaigns").status_code == 401
    assert not CampaignTarget.objects.exclude(outcome="").exists()


def test_api_refresh_withdraws_from_the_target_list(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    _newer_run(branch)
    mike = client_as("mike")
    new = later(tmp_path)
    with mock.patch("rmperf.recommend.campaigns.lake_current", return_value=new):
        status, done = _post(mike, f"/api/recommend/campaigns/{campaign.pk}/refresh", {})
    assert status == 200
    assert (done["added"], done["withdrawn"]) == (["C003", "C040"], ["C020"])
    status, targets = _get(mike, f"/api/recommend/campaigns/{campaign.pk}/targets")
    listed = {t["customer_id"] for t in targets["targets"]}
    assert listed == {"C001", "C003", "C030", "C040"}
    assert [(w["customer_id"], w["rule"]) for w in targets["withdrawn"]] == [
        ("C020", "risk_above_tolerance")
    ]
    # The invariant on the newer lake: nobody listed is unsuitable.
    assert not listed & _unsuitable(new, listed | {"C020", "C002", "C031"})
