"""The recommend app: a stored run, the RM panel (recommended vs withheld), the workbench,
the audited offer log and attribution, each through the persona bank's scopes.

The hand-built lake holds the persona customers C001 (alice's, C3 assessed 2026-01-15)
and C100 (bob's, C5) with two fund page views each in the last 30 days before
D = 2026-09-30, so the fund_interest rule proposes F2 (R2), F3 (R3) and F4 (R4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.recommend.models import Offer, Outcome, Recommendation, Withheld
from rmperf.recommend.services import offer_attribute, recommendation_run
from tests.factories import Bank
from tests.html import without_tokens
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)


def lake(tmp_path: Path, *, purchase_on: dt.date | None = None) -> Path:
    b = LakeBuilder()
    b.product("F2", "fund", "0.004000", risk_level="R2")
    b.product("F3", "fund", "0.006000", risk_level="R3")
    b.product("F4", "fund", "0.008000", risk_level="R4")
    b.product("INS", "insurance", "0.015000")
    for cid, level, born in (("C001", "C3", "1990-01-01"), ("C100", "C5", "1999-09-09")):
        b.customer(cid, risk_level=level, risk_assessed_on="2026-01-15", birth_date=born)
        b.holding(cid, "F2", "1000.00", "2025-01-01")  # not a first fund purchase
        b.holding(cid, "INS", "1000.00", "2025-01-01")
        b.event(cid, "2026-09-20T10:00:00+08:00", "page_view.fund", "/fund/detail")
        b.event(cid, "2026-09-21T10:00:00+08:00", "page_view.fund", "/fund/detail")
    if purchase_on is not None:
        b.holding("C001", "F3", "20000.00", purchase_on.isoformat())
    return b.write(tmp_path / "lake")


@pytest.fixture
def run_done(bank: Bank, tmp_path: Path) -> Path:
    path = lake(tmp_path)
    recommendation_run(actor=None, as_of=D, lake_dir=path)
    return path


def test_run_keeps_recommended_and_withheld_apart(run_done: Path) -> None:
    # C001 (C3): F3 (0.03 × 0.006 × 50,000 = 9.00) beats F2 (6.00); one fund only.
    # F4 (R4 > C3) is withheld. C100 (C5): F4 (12.00) recommended, nothing withheld.
    recs = {(r.customer_id, r.product_id) for r in Recommendation.objects.all()}
    assert recs == {("C001", "F3"), ("C100", "F4")}
    withheld = {(w.customer_id, w.product_id, w.rule) for w in Withheld.objects.all()}
    assert withheld == {("C001", "F4", "risk_above_tolerance")}
    assert AuditEvent.objects.filter(verb="recommend.run").count() == 1


def test_panel_shows_why_and_what_was_withheld(
    run_done: Path, client_as: Callable[[str], Client]
) -> None:
    response = client_as("alice").get("/recommend/customer/C001/")
    assert response.status_code == 200
    body = without_tokens(response.content.decode())
    shown, withheld = body.split('id="recommend-withheld"')
    assert "F3" in shown and "F4" not in shown
    # The default language is Chinese: the rule and the reason in Chinese.
    assert "近30天内至少2次浏览基金页面" in shown
    assert "F4" in withheld and "产品风险等级R4高于客户风险承受能力C3" in withheld
    assert client_as("bob").get("/recommend/customer/C001/").status_code == 404


def test_workbench_lists_only_the_actors_customers(
    run_done: Path, client_as: Callable[[str], Client]
) -> None:
    alice = client_as("alice").get("/recommend/").content.decode()
    bob = client_as("bob").get("/recommend/").content.decode()
    assert "C001" in alice and "C100" not in alice
    assert "C100" in bob and "C001" not in bob


def test_offer_log_is_audited_and_scoped(
    run_done: Path, client_as: Callable[[str], Client]
) -> None:
    rec = Recommendation.objects.get(customer_id="C001")
    url = "/recommend/customer/C001/offer/"
    assert (
        client_as("bob").post(url, {"recommendation": rec.pk, "outcome": "offered"}).status_code
        == 404
    )
    # The auditor reads everything but changes nothing: the same answer as out of scope.
    audrey = client_as("audrey").post(url, {"recommendation": rec.pk, "outcome": "offered"})
    assert audrey.status_code == 404
    alice = client_as("alice")
    assert alice.post(url, {"recommendation": rec.pk, "outcome": "bogus"}).status_code == 400
    assert alice.post(url, {"recommendation": rec.pk, "outcome": "offered"}).status_code == 302
    response = alice.post(
        url, {"recommendation": rec.pk, "outcome": "accepted"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "recommend-panel" in response.content.decode()
    offer = Offer.objects.get()
    assert (offer.outcome, offer.offered_by_id, offer.product_id) == ("accepted", "S-ALICE", "F3")
    events = AuditEvent.objects.filter(verb="recommend.offer").order_by("seq")
    assert [(e.before, e.after["outcome"]) for e in events] == [
        (None, "offered"),
        ({"outcome": "offered"}, "accepted"),
    ]
    # A recommendation of another customer cannot be logged through C001's URL.
    other = Recommendation.objects.get(customer_id="C100")
    assert alice.post(url, {"recommendation": other.pk, "outcome": "offered"}).status_code == 404


def test_accepted_offer_is_attributed_when_the_product_shows_up(
    bank: Bank, tmp_path: Path, client_as: Callable[[str], Client]
) -> None:
    first = lake(tmp_path / "before")
    recommendation_run(actor=None, as_of=D, lake_dir=first)
    rec = Recommendation.objects.get(customer_id="C001")
    client_as("alice").post(
        "/recommend/customer/C001/offer/", {"recommendation": rec.pk, "outcome": "accepted"}
    )
    assert offer_attribute(actor=None, lake_dir=first) == 0
    today = timezone.localdate()
    later = lake(tmp_path / "after", purchase_on=today)
    assert offer_attribute(actor=None, lake_dir=later) == 1
    offer = Offer.objects.get()
    assert offer.outcome == Outcome.ACCEPTED and offer.purchased_on == today
    assert AuditEvent.objects.filter(verb="recommend.attribute").count() == 1


def test_api_lists_the_same_rows_apart(run_done: Path, client_as: Callable[[str], Client]) -> None:
    body = client_as("alice").get("/api/recommend/customers/C001").json()
    assert [r["product_id"] for r in body["recommendations"]] == ["F3"]
    assert body["recommendations"][0]["expected_value"] == "9.00"
    assert [(w["product_id"], w["rule"]) for w in body["withheld"]] == [
        ("F4", "risk_above_tolerance")
    ]
    assert client_as("bob").get("/api/recommend/customers/C001").status_code == 404
