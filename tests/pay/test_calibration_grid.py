"""The calibration grid on the manager's desk (/workbench/desk/calibration/) with its pay
preview, on the small pay bank (tests/pay/conftest.py) with 2026Q3 computed, not yet
confirmed. Amounts by hand with the shipped pay plan: brackets 15‱ to 10,000,000.00, 18‱
to 30,000,000.00; coefficients outstanding 1.20, good 1.00, competent 0.80, not
competent 0.50; base per month junior 2,300.00, senior 3,500.00; no target sheet, so no
excess reward.

- RM1 (junior, 3 × 2,300.00 = 6,900.00 base): L1 8,000,000.00 × 15‱ = 12,000.00; L2
  2,000,000.00 × 15‱ + 3,000,000.00 × 18‱ = 8,400.00. Outstanding: 14,400.00 +
  10,080.00 = 24,480.00; good: 12,000.00 + 8,400.00 = 20,400.00.
- RM2 (senior, left 2026-09-30, full quarter: 3 × 3,500.00 = 10,500.00 base): L4
  100,000.00 × 15‱ = 150.00; L3 2,000,000.00 × 15‱ = 3,000.00. Competent: 120.00 +
  2,400.00 = 2,520.00; not competent: 75.00 + 1,500.00 = 1,575.00.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.performance.models import RmResult
from tests.pay.conftest import QUARTER, PayBank

D = Decimal
URL = "/workbench/desk/calibration/"


@pytest.fixture
def computed(pay_bank: PayBank) -> PayBank:
    from rmperf.performance.services.runs import period_run

    period_run(actor=None, key=QUARTER)
    return pay_bank


def test_grid_shows_tiers_quota_and_pay_under_both_tiers(computed: PayBank) -> None:
    page = computed.client("bm1").get(
        URL, {"period": QUARTER, "RM1": "good", "RM2": "not_competent"}
    )
    assert page.status_code == 200
    grid = page.context["grid"]
    assert grid.period.key == QUARTER
    [group] = grid.groups  # BM1's branch: RM1 and RM2 on the test card
    assert group.scorecard == "test_retail"
    rows = {r.result.staff_id: r for r in group.rows}
    assert set(rows) == {"RM1", "RM2"}
    rm1, rm2 = rows["RM1"], rows["RM2"]
    assert (rm1.result.tier, rm1.proposed) == ("outstanding", "good")
    assert (rm2.result.tier, rm2.proposed) == ("competent", "not_competent")
    assert rm1.pay.computed.performance_pay == D("24480.00")
    assert rm1.pay.proposed.performance_pay == D("20400.00")
    assert rm1.pay.change == D("-4080.00")
    assert rm2.pay.computed.performance_pay == D("2520.00")
    assert rm2.pay.proposed.performance_pay == D("1575.00")
    # Team cost: 6,900.00 + 24,480.00 + 10,500.00 + 2,520.00 = 44,400.00 computed;
    # 6,900.00 + 20,400.00 + 10,500.00 + 1,575.00 = 39,375.00 proposed.
    assert group.cost_computed == D("44400.00")
    assert group.cost_proposed == D("39375.00")
    assert group.cost_change == D("-5025.00")
    # The quota counts the whole card (RM1, RM2, RM3): 3 × 0.67 = 2.01, rounded down: 2
    # outstanding allowed, 1 used (RM1).
    [quota] = group.quotas
    assert (quota.tier, quota.allowed, quota.actual) == ("outstanding", 2, 1)
    html = page.content.decode()
    assert "24,480.00" in html and "39,375.00" in html


def test_without_a_proposal_the_final_tier_is_previewed(computed: PayBank) -> None:
    page = computed.client("bm1").get(URL)
    [group] = page.context["grid"].groups
    rm1 = next(r for r in group.rows if r.result.staff_id == "RM1")
    assert rm1.pay.computed.performance_pay == rm1.pay.proposed.performance_pay == D("24480.00")
    assert group.cost_change == D("0.00")


def test_a_row_calibrates_through_the_service_with_a_reason(computed: PayBank) -> None:
    client = computed.client("bm1")
    refused = client.post(
        URL, {"period": QUARTER, "staff_id": "RM1", "tier": "good", "reason": " "}, follow=True
    )
    assert "needs a reason" in refused.content.decode()
    assert RmResult.objects.get(staff_id="RM1").calibrated_tier == ""
    done = client.post(
        URL, {"period": QUARTER, "staff_id": "RM1", "tier": "good", "reason": "peer review"}
    )
    assert done.status_code == 302
    result = RmResult.objects.get(staff_id="RM1")
    assert (result.calibrated_tier, result.calibration_reason) == ("good", "peer review")
    page = client.get(URL)
    [group] = page.context["grid"].groups
    rm1 = next(r for r in group.rows if r.result.staff_id == "RM1")
    # Computed stays outstanding (24,480.00); the calibrated tier, good, is now previewed.
    assert rm1.pay.proposed.performance_pay == D("20400.00")
    assert group.quotas[0].actual == 0


@pytest.mark.parametrize("who", ["tl1", "rm1", "hr1", "bm2"])
def test_only_a_calibrator_sees_the_rms_in_scope(computed: PayBank, who: str) -> None:
    page = computed.client(who).get(URL)
    if who == "bm2":  # a calibrator, but of BR2: RM3 only
        [group] = page.context["grid"].groups
        assert [r.result.staff_id for r in group.rows] == ["RM3"]
        assert computed.client(who).post(
            URL, {"period": QUARTER, "staff_id": "RM1", "tier": "good", "reason": "x"}
        ).status_code in (302, 404)
        assert RmResult.objects.get(staff_id="RM1").calibrated_tier == ""
    else:
        assert page.status_code == 404
        assert computed.client(who).post(URL, {"period": QUARTER}).status_code == 404


def test_the_grid_renders_in_chinese(computed: PayBank) -> None:
    page = computed.client("bm1", "zh-hans").get(URL)
    assert page.status_code == 200
    assert "校准" in page.content.decode()


def test_the_desk_links_the_grid_for_calibrators_only(computed: PayBank) -> None:
    bm_desk = computed.client("bm1").get("/workbench/desk/").content.decode()
    assert 'id="desk-calibration-link"' in bm_desk and f'href="{URL}"' in bm_desk
    tl_desk = computed.client("tl1").get("/workbench/desk/")
    assert tl_desk.status_code == 200
    assert 'id="desk-calibration-link"' not in tl_desk.content.decode()
