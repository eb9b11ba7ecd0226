"""Campaign and panel offers feed the scorecard through the run's offers input.

The performance lake (conftest.build_lake) plus a wealth product WM, C1's WM holding of
100,000 from 2026-07-10 and a complaint of C2 on 2026-08-05 (Shanghai). In the app:
- RM1 offered WM to C1 from the recommendation panel on 2026-07-03 (accepted): C1's
  holding 7 days later converts it; no complaint → RM1 conversion 1/1, complaints 0/1.
- RM2 offered WM to C2 in a campaign on 2026-08-01 (declined): nothing bought; C2's
  complaint 4 days later → RM2 conversion 0/1, complaints 1/1.
Card (weights 50 + 50): conversion ratio to a 0.5 level target, capped at 1 → RM1 50.00,
RM2 0.00; complaint rate bands (≤ 0.01: all, above: nothing) → RM1 50.00, RM2 0.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv
import pytest
from django.test import Client
from django.utils import timezone

from rmperf.cli import main
from rmperf.engine.indicators.offers import load_offers
from rmperf.lakes.services import lake_import
from rmperf.performance.models import LineResult, RmResult
from rmperf.performance.services.runs import period_run
from rmperf.recommend.models import (
    Campaign,
    CampaignTarget,
    Offer,
    Recommendation,
    RecommendationRun,
)
from rmperf.recommend.services import run_offers_path
from tests.performance.conftest import IMPORT_DAY, build_lake
from tests.segments.factories import make_run

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CARD = """\
name: offers_card
names: {zh: 营销测试, en: marketing test}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - indicator: offer_conversion_rate
    weight: 50
    method: ratio
    target: {basis: level, value: "0.5"}
    cap: "1"
  - indicator: offer_complaint_rate
    weight: 50
    method: bands
    bands:
      - {max: "0.01", share: "1"}
      - {min: "0.01", share: "0"}
rating:
  bands:
    - {tier: outstanding, min: 90, max: 100}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
"""


@pytest.fixture
def offers_bank(db: None, tmp_path: Path, settings: Any) -> tuple[Path, Path]:
    settings.HOME_DIR = tmp_path / "home"
    b = build_lake()
    b.product("WM", "wealth", "0.010000", risk_level="R2")
    b.holding("C1", "WM", "100000.00", "2026-07-10")
    b.event("C2", "2026-08-05T10:00:00+08:00", "complaint")
    lake = b.write(tmp_path / "lake")
    assert lake_import(actor=None, lake_dir=lake, today=IMPORT_DAY).status == "succeeded"
    card = tmp_path / "offers_card.yaml"
    card.write_text(CARD, encoding="utf-8")
    run = RecommendationRun.objects.create(
        as_of=dt.date(2026, 6, 30), policy_version="t", lake_path=str(lake)
    )
    rec = Recommendation.objects.create(
        run=run, customer_id="C1", rm_id="RM1", product_id="WM", product_name="WM",
        category="wealth", product_risk="R2", rank=1, propensity=0.5, propensity_source="rule",
        expected_value=Decimal("10.00"), rule_ids="r", reason_en="r", reason_zh="r",
    )  # fmt: skip
    Offer.objects.create(
        recommendation=rec, customer_id="C1", product_id="WM", offered_by_id="RM1",
        offered_on=dt.date(2026, 7, 3),
        offered_at=dt.datetime(2026, 7, 3, 10, tzinfo=SHANGHAI), outcome="accepted",
    )  # fmt: skip
    campaign = Campaign.objects.create(
        name="WM drive", product_id="WM", product_name="WM", category="wealth",
        revenue_rate=Decimal("0.01"), unit_id="BR1", created_by_id="BM1",
        segment_run=make_run(), starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30),
    )  # fmt: skip
    CampaignTarget.objects.create(
        campaign=campaign, customer_id="C2", rm_id="RM2", unit_id="BR1", tier="core",
        outcome="declined", offered_by_id="RM2", offered_on=dt.date(2026, 8, 1),
        offered_at=dt.datetime(2026, 8, 1, 9, tzinfo=SHANGHAI),
    )  # fmt: skip
    return lake, card


def _lines() -> dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]:
    return {
        (ln.result.staff_id, ln.indicator): (ln.value, ln.points)
        for ln in LineResult.objects.select_related("result")
    }


def test_app_run_scores_the_offers_and_the_cli_agrees(
    offers_bank: tuple[Path, Path], tmp_path: Path
) -> None:
    lake, card = offers_bank
    run = period_run(actor=None, key="2026Q3", scorecards=card)
    lines = _lines()
    assert lines[("RM1", "offer_conversion_rate")] == (Decimal(1), Decimal("50.00"))
    assert lines[("RM1", "offer_complaint_rate")] == (Decimal(0), Decimal("50.00"))
    assert lines[("RM2", "offer_conversion_rate")] == (Decimal(0), Decimal("0.00"))
    assert lines[("RM2", "offer_complaint_rate")] == (Decimal(1), Decimal("0.00"))
    assert RmResult.objects.get(staff_id="RM1").total == Decimal("100.00")
    # The run kept its offers input; the same file on the command line gives the same.
    path = run_offers_path(run.inputs_digest)
    offers = load_offers(path)
    offer = Offer.objects.get()
    target = CampaignTarget.objects.get()
    assert sorted((o.offer_id, o.staff_id, o.campaign_id) for o in offers.rows) == [
        (f"cmp-{target.pk}", "RM2", str(target.campaign_id)),
        (f"rec-{offer.pk}", "RM1", None),
    ]
    out, per_line = tmp_path / "totals.csv", tmp_path / "lines.csv"
    argv = ["score", "--lake", str(lake), "--period", "2026Q3", "--scorecard", str(card)]
    argv += ["--today", IMPORT_DAY.isoformat(), "--offers", str(path)]
    assert main([*argv, "--out", str(out), "--lines", str(per_line)]) == 0
    cli = {
        (r["staff_id"], r["indicator"]): (Decimal(str(r["value"])), Decimal(str(r["points"])))
        for r in pa_csv.read_csv(per_line).to_pylist()
        if r["staff_id"] in ("RM1", "RM2")
    }
    assert {k: v for k, v in lines.items() if k[0] in ("RM1", "RM2")} == cli


def test_a_new_offer_changes_the_inputs_digest(offers_bank: tuple[Path, Path]) -> None:
    _lake, card = offers_bank
    first = period_run(actor=None, key="2026Q3", scorecards=card)
    again = period_run(actor=None, key="2026Q3", scorecards=card)
    assert again.inputs_digest == first.inputs_digest
    target = CampaignTarget.objects.get()
    target.outcome = "accepted"  # what the RM logs next
    target.updated_at = timezone.now()
    target.save()
    third = period_run(actor=None, key="2026Q3", scorecards=card)
    assert third.inputs_digest != first.inputs_digest
    assert run_offers_path(first.inputs_digest).is_file()
    assert run_offers_path(third.inputs_digest).is_file()


def test_why_this_score_lists_the_offers(offers_bank: tuple[Path, Path]) -> None:
    from django.contrib.auth.models import User

    from rmperf.org.models import Staff

    _lake, card = offers_bank
    period_run(actor=None, key="2026Q3", scorecards=card)
    user = User.objects.create(username="rm1")
    Staff.objects.filter(pk="RM1").update(user=user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get("/performance/2026Q3/staff/RM1/?why=offer_conversion_rate", follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    offer = Offer.objects.get()
    assert f"rec-{offer.pk}" in text
    assert "product WM, logged accepted, bought 2026-07-10" in text


def test_an_offer_the_lake_cannot_place_stops_the_run_with_why(
    offers_bank: tuple[Path, Path],
) -> None:
    from rmperf.performance.models import ScoringRun
    from rmperf.performance.services.periods import PerformanceError

    _lake, card = offers_bank
    rec = Recommendation.objects.get()
    gone = Offer.objects.create(
        recommendation=rec, customer_id="C1", product_id="GONE", offered_by_id="RM1",
        offered_on=dt.date(2026, 7, 4), outcome="offered",
    )  # fmt: skip
    with pytest.raises(PerformanceError, match=f"offer rec-{gone.pk}: product_id 'GONE'"):
        period_run(actor=None, key="2026Q3", scorecards=card)
    assert not ScoringRun.objects.exists()
