"""Golden cases for `recommend` on a hand-built lake: each rule family, the suitability
boundaries (R3 vs C3/C2, an assessment exactly 12 months old), extra safeguards, the
ranking by expected value and the diversity cut. Expectations worked out by hand.

As-of date D = 2026-09-30 (a Wednesday). The shipped policy applies unless a test says
otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.recommend import recommend
from rmperf.engine.recommend.policy import load_recommend_policy
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
LOADED = load_recommend_policy()


def shelf(b: LakeBuilder) -> None:
    """The products the shipped rules name (ids of the demo shelf) and a few more."""
    b.product("P013", "wealth", "0.004500")  # weekly wealth plan, R1
    b.product("P029", "insurance", "0.015000")  # whole-life increasing-sum, R1
    b.product("P039", "consumer_loan", "0.035000")  # renovation instalment
    b.product("P040", "consumer_loan", "0.040000")  # appliance instalment
    b.product("P041", "business_loan", "0.030000")  # (home-equity) business loan
    b.product("PAY", "payroll", "0.002000")
    b.product("W2", "wealth", "0.006000", risk_level="R2", term_days="90")
    b.product("F2", "fund", "0.004000", risk_level="R2")
    b.product("F3", "fund", "0.006000", risk_level="R3")
    b.product("F4", "fund", "0.008000", risk_level="R4")
    b.product("TD1", "time_deposit", "0.014000", term_days="365")


def ts(days_before: int) -> str:
    return f"{(D - dt.timedelta(days=days_before)).isoformat()}T10:00:00+08:00"


def run(
    tmp_path: Path, b: LakeBuilder, **kw: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    result = recommend(lake, as_of=D, policy=LOADED.policy, policy_version=LOADED.version, **kw)
    return result.recommendations.to_pylist(), result.blocked.to_pylist()


def of(rows: list[dict[str, Any]], cid: str) -> list[tuple[Any, ...]]:
    return [(r["rank"], r["product_id"], r["rule_ids"]) for r in rows if r["customer_id"] == cid]


def test_behaviour_mortgage_views(tmp_path: Path) -> None:
    b = LakeBuilder()
    shelf(b)
    b.customer("A", risk_level="C3")
    for n in (1, 10, 29):  # three views, the oldest at D − 29: inside the 30-day window
        b.event("A", ts(n), "page_view.mortgage", "/loan/mortgage")
    b.customer("A2", risk_level="C3")
    for n in (1, 10, 30):  # D − 30 is outside: only two views count
        b.event("A2", ts(n), "page_view.mortgage", "/loan/mortgage")
    recs, _ = run(tmp_path, b)
    # P041: 0.08 × 0.03 × 500,000 = 1,200.00; P039: 0.08 × 0.035 × 100,000 = 280.00
    assert of(recs, "A") == [(1, "P041", "mortgage_page_views"), (2, "P039", "mortgage_page_views")]
    by_product = {r["product_id"]: r for r in recs if r["customer_id"] == "A"}
    assert by_product["P041"]["expected_value"] == Decimal("1200.00")
    assert by_product["P039"]["expected_value"] == Decimal("280.00")
    assert by_product["P041"]["reason_en"].startswith("viewed mortgage pages at least 3 times")
    assert by_product["P041"]["reason_zh"].startswith("近30天内浏览房贷页面至少3次")
    assert by_product["P041"]["families"] == "behaviour"
    assert of(recs, "A2") == []


def test_gap_and_scenes(tmp_path: Path) -> None:
    b = LakeBuilder()
    shelf(b)
    # Gap: holds a wealth product, no insurance → P029 (0.02 × 0.015 × 50,000 = 15.00).
    b.customer("G", risk_level="C2")
    b.holding("G", "W2", "100000.00", "2026-08-01", "2026-10-30")
    # Payroll scene: last payroll credit on the 1st; next payroll day 2026-10-01 = D + 1.
    b.customer("S", risk_level="C2")
    b.holding("S", "PAY", "9000.00", "2024-01-01")
    b.event("S", "2026-09-01T09:00:00+08:00", "payroll.credit", "salary")
    # Maturity scene: W2 matures on D + 7 (inside), TD1 on D + 8 (outside).
    b.customer("M", risk_level="C2")
    b.holding("M", "W2", "50000.00", "2026-07-09", "2026-10-07")
    b.holding("M", "TD1", "50000.00", "2025-10-08", "2026-10-08")
    b.holding("M", "P029", "1000.00", "2025-01-01")
    recs, _ = run(tmp_path, b)
    assert of(recs, "G") == [(1, "P029", "wealth_without_insurance")]
    # Payroll client without wealth: gap and scene both propose P013; merged into one
    # row; value 0.05 (the higher prior) × 0.0045 × 100,000 = 22.50.
    s = [r for r in recs if r["customer_id"] == "S"]
    assert [(r["product_id"], r["rule_ids"]) for r in s] == [
        ("P013", "payroll_without_wealth;payroll_day")
    ]
    assert s[0]["expected_value"] == Decimal("22.50")
    assert s[0]["families"] == "gap;scene"
    # Renewal of W2 only: 0.5 × 0.006 × 100,000 = 300.00.
    assert of(recs, "M") == [(1, "W2", "maturity_renewal")]


@pytest.mark.parametrize(
    ("tolerance", "assessed", "allowed", "blocked_rule"),
    [
        # R3 fund vs C3: equal is suitable; F4 (R4) is blocked.
        ("C3", "2026-01-01", {"F2", "F3"}, "risk_above_tolerance"),
        # C2: F3 and F4 blocked.
        ("C2", "2026-01-01", {"F2"}, "risk_above_tolerance"),
        # Assessed exactly 12 months before D: expired, so nothing above R1 (no fund is R1).
        ("C5", "2025-09-30", set(), "assessment_missing_or_expired"),
        # One day younger: still current.
        ("C5", "2025-10-01", {"F2", "F3", "F4"}, None),
        # Never assessed.
        ("", "", set(), "assessment_missing_or_expired"),
    ],
)
def test_suitability_boundaries(
    tmp_path: Path, tolerance: str, assessed: str, allowed: set[str], blocked_rule: str | None
) -> None:
    b = LakeBuilder()
    shelf(b)
    b.customer("F", risk_level=tolerance, risk_assessed_on=assessed)
    b.holding("F", "P029", "1000.00", "2025-01-01")  # holds insurance: no gap rule
    b.holding("F", "TD1", "1000.00", "2025-01-01", "2027-01-01")
    b.holding("F", "F2", "1000.00", "2025-01-01")  # not a first fund purchase
    b.event("F", ts(2), "page_view.fund", "/fund/detail")
    b.event("F", ts(3), "page_view.fund", "/fund/detail")
    ranking = LOADED.policy.ranking.model_copy(update={"max_per_category": 3})
    policy = LOADED.policy.model_copy(update={"ranking": ranking})
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    result = recommend(lake, as_of=D, policy=policy, policy_version="test")
    recs = result.recommendations.to_pylist()
    blocked = result.blocked.to_pylist()
    assert {r["product_id"] for r in recs} == allowed
    withheld = {"F2", "F3", "F4"} - allowed
    assert {r["product_id"] for r in blocked} == withheld
    assert {r["rule"] for r in blocked} == ({blocked_rule} if withheld else set())
    assert not ({r["product_id"] for r in recs} & {r["product_id"] for r in blocked})
    if tolerance == "C2":
        reasons = {r["product_id"]: r["reason_en"] for r in blocked}
        assert reasons["F3"] == "product risk R3 is above the customer's tolerance C2"


def test_senior_and_first_purchase_and_opt_out(tmp_path: Path) -> None:
    b = LakeBuilder()
    shelf(b)
    # 66 at D, C5, current: F3/F4 blocked by the senior safeguard (above R2), F2 flagged
    # (sell in person); the customer never held a fund: first purchase flag too.
    b.customer("OLD", risk_level="C5", birth_date="1960-01-01")
    b.holding("OLD", "P029", "1000.00", "2025-01-01")
    b.holding("OLD", "TD1", "1000.00", "2025-01-01", "2027-01-01")
    b.event("OLD", ts(2), "page_view.fund", "/fund/detail")
    b.event("OLD", ts(3), "page_view.fund", "/fund/detail")
    # Exactly 65 on D (born 1961-09-30): the rule applies (age ≥ 65).
    b.customer("SIXTYFIVE", risk_level="C5", birth_date="1961-09-30")
    b.holding("SIXTYFIVE", "P029", "1000.00", "2025-01-01")
    b.holding("SIXTYFIVE", "TD1", "1000.00", "2025-01-01", "2027-01-01")
    b.event("SIXTYFIVE", ts(2), "page_view.fund", "/fund/detail")
    b.event("SIXTYFIVE", ts(3), "page_view.fund", "/fund/detail")
    # Opted out of personalised marketing: everything blocked.
    b.customer("OPT", risk_level="C5", marketing_opt_out="true")
    b.holding("OPT", "W2", "100000.00", "2026-08-01", "2026-12-30")
    recs, blocked = run(tmp_path, b)
    old = [r for r in recs if r["customer_id"] == "OLD"]
    assert [r["product_id"] for r in old] == ["F2"]
    assert old[0]["flags"] == "senior_in_person;first_wealth_purchase_in_person"
    old_blocked = {(r["product_id"], r["rule"]) for r in blocked if r["customer_id"] == "OLD"}
    assert old_blocked == {("F3", "senior_safeguard"), ("F4", "senior_safeguard")}
    assert {(r["product_id"]) for r in recs if r["customer_id"] == "SIXTYFIVE"} == {"F2"}
    assert [r for r in recs if r["customer_id"] == "OPT"] == []
    assert {(r["product_id"], r["rule"]) for r in blocked if r["customer_id"] == "OPT"} == {
        ("P029", "marketing_opt_out")
    }


def test_diversity_and_top(tmp_path: Path) -> None:
    b = LakeBuilder()
    shelf(b)
    b.customer("DIV", risk_level="C5")
    b.holding("DIV", "P029", "1000.00", "2025-01-01")
    b.holding("DIV", "TD1", "1000.00", "2025-01-01", "2027-01-01")
    b.holding("DIV", "F2", "1000.00", "2025-01-01")
    b.event("DIV", ts(2), "page_view.fund", "/fund/detail")
    b.event("DIV", ts(3), "page_view.fund", "/fund/detail")
    for n in (1, 2, 3):
        b.event("DIV", ts(n), "page_view.mortgage")
    recs, _ = run(tmp_path, b)
    # Funds: F4 0.03 × 0.008 × 50,000 = 12.00 beats F3 (9.00) and F2 (6.00); one fund only.
    # Loans: P041 1,200.00, P039 280.00 (categories differ: both kept).
    assert of(recs, "DIV") == [
        (1, "P041", "mortgage_page_views"),
        (2, "P039", "mortgage_page_views"),
        (3, "F4", "fund_interest"),
    ]
    recs_top1, _ = run(tmp_path / "again", b, top_n=1)
    assert of(recs_top1, "DIV") == [(1, "P041", "mortgage_page_views")]
