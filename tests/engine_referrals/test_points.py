"""One rule for referral points: what the ledger pays is what the indicator counts.

The app's ledger converts a referral with `match_purchases` and pays
`policy.points.points_for(purchase.amount)` (rmperf.referrals.services._convert); the
`referral_points` indicator applies the same rule to the lake's referrals. On the hand-built
bank of the indicator tests (tests/engine_indicators/bank.py), RM3's referrals in 2026Q3:

- RF5 (RX, medical insurance, made 20 Jul): RX's first insurance purchase from 20 Jul
  through 18 Oct (20 Jul + 90 days) is 95,000.00 on 1 Aug → 10 + ⌊95,000 ÷ 10,000⌋ = 19.
- RF6 (RY, family trust, made 1 Sep): the wealth product of 2 Sep does not convert; the
  trust of 1,500,000.00 on 5 Sep does → 10 + 150 = 160, capped at 100.
- RF7 (RZ, made 2 Sep): RZ's insurance of 31 Aug is before it: no purchase, nothing paid.
- RF1, RF4 (RM → RM for wealth): no rule of the book covers the route: nothing paid.
Ledger and indicator: 19 + 100 = 119 each.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.indicators import compute_indicators, indicator_rows
from rmperf.engine.indicators.params import IndicatorParams
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.referrals import OpenReferral, load_referral_policy, match_purchases
from rmperf.engine.referrals.points import ReferralPointsRule, default_points_rule
from tests.engine_indicators import bank

Q3 = Period.parse("2026Q3")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root: Path = tmp_path_factory.mktemp("points")
    bank.build().write(root / "lake")
    return Lake(root / "lake", today=bank.TODAY)


def test_ledger_and_indicator_pay_the_same_points(lake: Lake) -> None:
    policy = load_referral_policy().policy
    # What the ledger does on conversion (services._purchase_for, services._convert).
    open_ = [
        OpenReferral("RF5", "RX", dt.date(2026, 7, 20), "rm_trust_medical"),
        OpenReferral("RF6", "RY", dt.date(2026, 9, 1), "rm_trust_medical"),
        OpenReferral("RF7", "RZ", dt.date(2026, 9, 2), "rm_trust_medical"),
    ]
    found = match_purchases(lake, open_, policy=policy)
    ledger = {key: policy.points.points_for(p.amount) for key, p in found.items()}
    assert found["RF5"].amount == Decimal("95000.00")
    assert found["RF6"].product_id == "TRUST"
    assert ledger == {"RF5": 19, "RF6": 100}  # RF7: no purchase, no conversion, no points

    values = compute_indicators(lake, period=Q3, indicators=["referral_points"])
    rm3 = next(r for r in values.to_pylist() if r["staff_id"] == "RM3")
    assert rm3["value"] == Decimal(sum(ledger.values())) == Decimal(119)

    rows = indicator_rows(lake, period=Q3, staff_id="RM3", indicator="referral_points")
    per = {r["ref_id"]: (r["contribution"], r["flag"]) for r in rows.to_pylist()}
    assert per == {
        "RF1": (Decimal(0), "no_rule"),
        "RF4": (Decimal(0), "no_rule"),
        "RF5": (Decimal(19), "converted"),
        "RF6": (Decimal(100), "converted"),
        "RF7": (Decimal(0), "no_purchase"),
    }


def test_the_indicator_reads_the_policy_given(lake: Lake) -> None:
    # A bank that pays 5 + 1 per 50,000.00, at most 20: RF5 5 + 1 = 6, RF6 5 + 30 → 20.
    shipped = default_points_rule()
    rule = ReferralPointsRule(
        base=5,
        per_amount=Decimal("50000.00"),
        cap=20,
        window_days=shipped.window_days,
        routes=shipped.routes,
    )
    values = compute_indicators(
        lake,
        period=Q3,
        indicators=["referral_points"],
        params=IndicatorParams(referral_points=rule),
    )
    rm3 = next(r for r in values.to_pylist() if r["staff_id"] == "RM3")
    assert rm3["value"] == Decimal(26)


def test_the_rule_is_the_shipped_policy() -> None:
    policy = load_referral_policy().policy
    rule = default_points_rule()
    assert (rule.base, rule.per_amount, rule.cap) == (10, Decimal("10000.00"), 100)
    assert rule.window_days == policy.conversion_window_days == 90
    assert rule.points_for(Decimal("9999.99")) == 10
    assert rule.points_for(Decimal("95000.00")) == policy.points.points_for(Decimal("95000"))
