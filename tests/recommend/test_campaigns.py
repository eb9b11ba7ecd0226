"""Campaigns: mike (branch A's manager) offers fund F3 (R3) to his branch's customers who
hold no fund. The list comes from the latest segmentation run (tests/segments/factories)
and passes the suitability gate; the RMs log outcomes; results come from the lake.

Branch A's segment (mike's scope) and what the gate decides for F3 (R3) at D = 2026-09-30:
    C001 alice, C3 assessed 2026-01-15           → target (first fund: in-person flag)
    C020 alice, C4 assessed 2026-03-01           → target
    C030 carol, C5 assessed 2026-03-01           → target
    C031 carol, C5 but marketing opt-out         → withheld (marketing_opt_out)
    C002 alice, never assessed in the lake       → withheld (assessment_missing_or_expired)
    C003 alice, C1 assessed 2026-02-01           → withheld (risk_above_tolerance)
    C010 carol, holds a fund                     → not in the segment (product gap)
    C004, C100 are bob's (branch B)              → out of mike's scope
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.campaign import campaign_list
from rmperf.engine.recommend.core import suitability_verdict
from rmperf.engine.recommend.policy import Action as Verdict
from rmperf.engine.recommend.policy import load_recommend_policy
from rmperf.recommend.campaigns import (
    CampaignError,
    campaign_create,
    campaign_offer_log,
    campaign_track,
)
from rmperf.recommend.models import Campaign, CampaignTarget, CampaignWithheld
from tests.factories import Bank, make_assignment, make_customer, make_product, make_staff
from tests.lakebuilder import LakeBuilder
from tests.segments.factories import make_run

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=5)
END = TODAY + dt.timedelta(days=25)


@pytest.fixture(autouse=True)
def _bank_day_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bank's day stays the one these dates were built on.

    TODAY is read when the module is collected; a test that runs after the bank's
    midnight (16:00 UTC) would otherwise see the campaign a day older than built.
    """
    real = timezone.localdate

    def localdate(value: dt.datetime | None = None, timezone: dt.tzinfo | None = None) -> dt.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def _ts(day: dt.date) -> str:
    return f"{day.isoformat()}T10:00:00+08:00"


def lake(tmp_path: Path, *, after: bool = False) -> Path:
    """The bank's lake; `after` adds what happened during the campaign."""
    b = LakeBuilder()
    b.product("F3", "fund", "0.006000", risk_level="R3")
    b.product("F9", "fund", "0.006000", risk_level="R3")
    b.customer("C001", risk_level="C3", risk_assessed_on="2026-01-15")
    b.customer("C020", risk_level="C4", risk_assessed_on="2026-03-01")
    b.customer("C030", risk_level="C5", risk_assessed_on="2026-03-01")
    b.customer("C031", risk_level="C5", risk_assessed_on="2026-03-01", marketing_opt_out="true")
    b.customer("C002", kind="corporate", risk_level="", risk_assessed_on="")
    b.customer("C003", risk_level="C1", risk_assessed_on="2026-02-01")
    b.customer("C010", risk_level="C2", risk_assessed_on="2026-02-01")
    b.holding("C010", "F9", "5000.00", "2025-01-01")
    b.customer("C100", risk_level="C5", risk_assessed_on="2026-03-01")
    if after:
        b.holding("C001", "F3", "20000.00", TODAY.isoformat())
        b.holding("C020", "F3", "9999.00", TODAY.isoformat())  # declined: not attributed
        b.event("C020", _ts(TODAY), "complaint")
        b.event("C001", _ts(TODAY), "complaint.service")
        b.event("C030", _ts(START - dt.timedelta(days=1)), "complaint")  # before the start
        b.event("C100", _ts(TODAY), "complaint")  # not a target
    return b.write(tmp_path / ("after" if after else "before"))


@pytest.fixture
def branch(bank: Bank) -> Bank:
    """Three more customers of branch A and a segmentation run over everyone."""
    long_ago = TODAY - dt.timedelta(days=400)
    for cid, rm in (("C020", bank.alice), ("C030", bank.carol), ("C031", bank.carol)):
        c = make_customer(customer_id=cid, name=f"客户{cid}", unit=bank.branch_a)
        make_assignment(customer=c, staff=rm, valid_from=long_ago)
    make_run()
    return bank


def create(bank: Bank, path: Path, **kw: object) -> Campaign:
    args: dict[str, object] = {
        "name": "Autumn fund drive",
        "product_id": "F3",
        "gap_category": "fund",
        "starts_on": START,
        "ends_on": END,
        "lake_dir": path,
    }
    args.update(kw)
    return campaign_create(actor=bank.user("mike"), **args)  # type: ignore[arg-type]


def test_list_passes_the_suitability_gate(branch: Bank, tmp_path: Path) -> None:
    campaign = create(branch, lake(tmp_path))
    targets = set(campaign.targets.values_list("customer_id", flat=True))
    assert targets == {"C001", "C020", "C030"}
    withheld = set(campaign.withheld.values_list("customer_id", "rule"))
    assert withheld == {
        ("C031", "marketing_opt_out"),
        ("C002", "assessment_missing_or_expired"),
        ("C003", "risk_above_tolerance"),
    }
    # The invariant: nobody withheld is on the list.
    assert not targets & {c for c, _ in withheld}
    c001 = campaign.targets.get(customer_id="C001")
    assert c001.flags == "first_wealth_purchase_in_person" and c001.rm_id == "S-ALICE"
    assert campaign.targets.get(customer_id="C030").rm_id == "S-CAROL"
    c003 = campaign.withheld.get(customer_id="C003")
    assert (c003.product_risk, c003.customer_risk) == ("R3", "C1")
    assert c003.reason_zh == "产品风险等级R3高于客户风险承受能力C1"


def test_every_target_is_suitable_by_an_independent_check(branch: Bank, tmp_path: Path) -> None:
    """Each target, re-decided alone by suitability_verdict, has no blocking finding."""
    policy = load_recommend_policy().policy
    listed = campaign_list(
        Lake(lake(tmp_path), today=TODAY),
        as_of=dt.date(2026, 9, 30),
        policy=policy,
        product_id="F3",
        customer_ids=["C001", "C002", "C003", "C020", "C030", "C031", "C999"],
    )
    for t in listed.targets:
        found = suitability_verdict(t.scored.customer, t.scored.product, policy)
        assert all(f.action is not Verdict.BLOCK for f in found)
    assert {b.scored.customer.customer_id for b in listed.blocked} == {"C002", "C003", "C031"}
    assert listed.unknown == ["C999"]


def test_segment_filters_tiers_and_tags(branch: Bank, tmp_path: Path) -> None:
    # make_run: C001 core with tag viewed_mortgage; the new customers are "other".
    path = lake(tmp_path)
    core = create(branch, path, tiers=["core"])
    assert list(core.targets.values_list("customer_id", flat=True)) == ["C001"]
    tagged = create(branch, path, tags=["viewed_mortgage"], gap_category="")
    assert list(tagged.targets.values_list("customer_id", flat=True)) == ["C001"]


def test_create_is_audited_and_limited_to_branch_managers(branch: Bank, tmp_path: Path) -> None:
    path = lake(tmp_path)
    campaign = create(branch, path)
    event = AuditEvent.objects.get(verb="recommend.campaign_create")
    assert event.object_id == str(campaign.pk)
    assert event.after["targeted"] == 3 and event.after["withheld_customers"] == 3
    assert event.after["unit_id"] == "BA" and event.actor_label == "mike"
    assert campaign.unit_id == "BA" and campaign.created_by_id == "S-MIKE"
    assert (campaign.product_name, campaign.revenue_rate) == ("产品F3", Decimal("0.006000"))
    for persona in ("alice", "bob", "audrey", "hannah"):
        with pytest.raises(Http404):
            campaign_create(
                actor=branch.user(persona), name="x", product_id="F3",
                starts_on=START, ends_on=END, lake_dir=path,
            )  # fmt: skip
    with pytest.raises(CampaignError, match="ends_on"):
        create(branch, path, ends_on=START - dt.timedelta(days=1))
    with pytest.raises(CampaignError, match=r"tiers: .*gold"):
        create(branch, path, tiers=["gold"])
    with pytest.raises(CampaignError, match=r"product_id: .*NOPE"):
        create(branch, path, product_id="NOPE")
    with pytest.raises(CampaignError):  # nobody in branch A carries this tag
        create(branch, path, tags=["no.such.tag"])
    assert Campaign.objects.count() == 1  # nothing half-written
    assert AuditEvent.objects.filter(verb="recommend.campaign_create").count() == 1


def _target(campaign: Campaign, cid: str) -> int:
    return int(campaign.targets.get(customer_id=cid).pk)


def test_funnel_per_campaign_rm_and_branch(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    alice, carol = client_as("alice"), client_as("carol")
    url = f"/recommend/campaigns/{campaign.pk}/offer/"
    for client, cid, outcome in (
        (alice, "C001", "offered"),
        (alice, "C001", "accepted"),
        (alice, "C020", "declined"),
        (carol, "C030", "no_answer"),
    ):
        response = client.post(url, {"target": _target(campaign, cid), "outcome": outcome})
        assert response.status_code == 302
    # alice cannot log carol's target; bob cannot see the campaign at all.
    assert (
        alice.post(url, {"target": _target(campaign, "C030"), "outcome": "offered"}).status_code
        == 404
    )
    assert (
        client_as("bob")
        .post(url, {"target": _target(campaign, "C001"), "outcome": "offered"})
        .status_code
        == 404
    )
    assert (
        alice.post(url, {"target": _target(campaign, "C001"), "outcome": "bogus"}).status_code
        == 400
    )
    # Targets changed: C001 (purchase, complaint) and C020 (complaint) = 2.
    assert campaign_track(actor=None, lake_dir=lake(tmp_path, after=True)) == 2
    # C001 accepted and bought 20,000.00 of F3: revenue 20,000.00 × 0.006 = 120.00.
    # C020 declined: its F3 holding is not attributed. Complaints in the dates: C001
    # (complaint.service) and C020; C030's is before the start, C100 is no target.
    mike = client_as("mike").get(f"/recommend/campaigns/{campaign.pk}/")
    results = mike.context["results"]
    t = results.total
    assert (t.targeted, t.offered, t.accepted, t.purchased) == (3, 3, 1, 1)
    assert (t.revenue, t.complaints) == (Decimal("120.00"), 2)
    by_rm = {
        r.key: (r.targeted, r.offered, r.accepted, r.purchased, r.revenue, r.complaints)
        for r in results.by_rm
    }
    assert by_rm == {
        "S-ALICE": (2, 2, 1, 1, Decimal("120.00"), 2),
        "S-CAROL": (1, 1, 0, 0, Decimal("0.00"), 0),
    }
    assert [(r.key, r.targeted, r.purchased) for r in results.by_branch] == [("BA", 3, 1)]
    assert mike.context["chart"]["stages"][-1]["value"] == 1
    body = mike.content.decode()
    assert 'data-chart="funnel"' in body and "C031" in body  # the withheld list
    # alice sees her two targets only, carol hers.
    a = client_as("alice").get(f"/recommend/campaigns/{campaign.pk}/").context["results"].total
    assert (a.targeted, a.revenue) == (2, Decimal("120.00"))
    # Tracking again changes nothing.
    assert campaign_track(actor=None, lake_dir=lake(tmp_path, after=True)) == 0  # fmt: skip
    offers = AuditEvent.objects.filter(verb="recommend.campaign_offer").order_by("seq")
    assert [e.after["outcome"] for e in offers] == ["offered", "accepted", "declined", "no_answer"]
    assert offers[1].before == {"outcome": "offered"}


def test_scope_bob_and_other_branch(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    detail = f"/recommend/campaigns/{campaign.pk}/"
    assert client_as("bob").get(detail).status_code == 404
    assert "Autumn fund drive" not in client_as("bob").get("/recommend/campaigns/").content.decode()
    assert client_as("bob").get("/recommend/campaigns/new/").status_code == 404
    assert client_as("mike").get("/recommend/campaigns/new/").status_code == 200
    # A manager of branch B sees nothing of branch A's campaign.
    ben = make_staff(
        staff_id="S-BEN", name="Ben", role="branch_manager", unit=branch.branch_b, username="ben"
    )
    ben_client = Client()
    ben_client.force_login(ben.user)
    assert ben_client.get(detail).status_code == 404
    # The RM page lists alice's running targets only.
    mine = client_as("alice").get("/recommend/campaigns/mine/").content.decode()
    assert "C001" in mine and "C020" in mine and "C030" not in mine


def test_offers_only_while_the_campaign_runs(branch: Bank, tmp_path: Path) -> None:
    campaign = create(branch, lake(tmp_path), starts_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(CampaignError, match="Autumn fund drive"):
        campaign_offer_log(
            actor=branch.user("alice"), target_id=_target(campaign, "C001"), outcome="offered"
        )
    assert not CampaignTarget.objects.exclude(outcome="").exists()
    assert not CampaignWithheld.objects.filter(customer_id="C001").exists()


def test_create_page_posts_a_campaign(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    path = lake(tmp_path)
    make_product(product_id="F3", name="Fund F3")
    with mock.patch("rmperf.recommend.campaigns.lake_current", return_value=path):
        response = client_as("mike").post(
            "/recommend/campaigns/new/",
            {"name": "Drive", "product_id": "F3", "tiers": ["core", "other"], "tags": "",
             "gap_category": "fund", "starts_on": START.isoformat(), "ends_on": END.isoformat()},
        )  # fmt: skip
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{campaign.pk}/")
    assert campaign.tiers == ["core", "other"]
    assert campaign.targets.count() == 3


def test_cli_campaign_track(
    branch: Bank, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rmperf.cli import main

    create(branch, lake(tmp_path))
    # No offers logged: only complaints move, C001's and C020's (2 targets).
    assert main(["campaign-track", "--lake", str(lake(tmp_path, after=True))]) == 0
    assert "2 campaign targets updated" in capsys.readouterr().out
    assert main(["campaign-track", "--lake", str(tmp_path / "nowhere")]) == 2
    assert "nowhere is not a directory" in capsys.readouterr().err
    assert AuditEvent.objects.filter(verb="recommend.campaign_track").count() == 1


def test_close_stops_offers_and_is_audited(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    close = f"/recommend/campaigns/{campaign.pk}/close/"
    # alice sees the campaign (her targets) but may not close it; bob does not see it.
    assert client_as("alice").post(close).status_code == 404
    assert client_as("bob").post(close).status_code == 404
    assert client_as("mike").post(close).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert AuditEvent.objects.filter(verb="recommend.campaign_close").count() == 1
    assert client_as("mike").post(close).status_code == 404  # closed already
    with pytest.raises(CampaignError, match="Autumn fund drive"):
        campaign_offer_log(
            actor=branch.user("alice"), target_id=_target(campaign, "C001"), outcome="offered"
        )
    assert "C001" not in client_as("alice").get("/recommend/campaigns/mine/").content.decode()


def test_team_leader_sees_the_campaign_through_the_team_targets(
    branch: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    campaign = create(branch, lake(tmp_path))
    # tina leads team A1 (alice's): the campaign is branch A's, but alice's customers
    # C001 and C020 are on it, so tina sees it with those two targets only.
    page = client_as("tina").get(f"/recommend/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert page.context["results"].total.targeted == 2
    assert client_as("tina").post(f"/recommend/campaigns/{campaign.pk}/close/").status_code == 404


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_campaign_pages_make_no_query_per_target(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    from tests.factories import add_customers
    from tests.recommend.campaign_helpers import campaign_in_alices_scope

    campaign = campaign_in_alices_scope(bank)
    mike, alice = client_as("mike"), client_as("alice")
    pages = [(mike, f"/recommend/campaigns/{campaign.pk}/"), (mike, "/recommend/campaigns/"),
             (alice, "/recommend/campaigns/mine/")]  # fmt: skip
    [_queries(c, u) for c, u in pages]  # warm up (session, per-process caches)
    before = [_queries(c, u) for c, u in pages]
    for c in add_customers(staff=bank.alice, count=20, prefix="Q"):
        CampaignTarget.objects.create(
            campaign=campaign, customer=c, rm=bank.alice, unit=bank.branch_a, tier="basic"
        )
    assert [_queries(c, u) for c, u in pages] == before
