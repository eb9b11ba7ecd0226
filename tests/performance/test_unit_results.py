"""Unit scores stored with the period's run and shown on the period page and the desk.

The set in force is the conftest's RM card plus a branch card (subject: unit), scored from
each branch's RMs (conftest.py has the lake):

- deposit_avg_growth (business, 30; fixed annual target 2,400,000 → Q3 600,000):
  BR1 = RM1 300,000 + RM2 150,000 = 450,000 → 0.75 → 22.50; BR2 = RM3 0 → 0.00.
- complaints (compliance, 35; 5 off each): none → 35.00 each.
- overdue_rate (risk, 35; no loans: undefined, counts as 0 by `when_undefined: zero`).
BR1 57.50, BR2 35.00, both not competent. P-02: 35 ≥ 30 + 5.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.performance.models import UnitResult
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import CARD, PerfBank

pytestmark = pytest.mark.django_db

BRANCH = """\
name: test_branch
names: {zh: 测试支行, en: test branch}
subject: unit
applies_to: {unit_kind: branch}
lines:
  - indicator: deposit_avg_growth
    weight: 30
    method: ratio
    target: {basis: annual, value: "2400000"}
  - {indicator: complaints, weight: 35, method: deduction, per_occurrence: "5"}
  - indicator: overdue_rate
    weight: 35
    method: ratio
    target: {basis: level, value: "0.015"}
    when_undefined: zero
"""


@pytest.fixture
def unit_run(perf_bank: PerfBank, swap_cards: Callable[[str], Path]) -> PerfBank:
    swap_cards(CARD + "---\n" + BRANCH)
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    return perf_bank


def test_the_run_stores_each_branch_score_with_its_lines(unit_run: PerfBank) -> None:
    rows = {u.unit_id: u for u in UnitResult.objects.filter(period__key="2026Q3")}
    assert {k: (u.total, u.tier, u.staff_count) for k, u in rows.items()} == {
        "BR1": (Decimal("57.50"), "not_competent", 2),
        "BR2": (Decimal("35.00"), "not_competent", 1),
    }
    lines = {ln["line"]: ln for ln in rows["BR1"].lines}
    assert lines["deposit_avg_growth"]["points"] == "22.50"
    assert lines["complaints"]["points"] == "35.00"
    assert lines["overdue_rate"]["points"] == "0.00"
    assert rows["BR1"].scorecard == "test_branch"
    # A second run replaces them (one row per unit and period).
    period_run(actor=unit_run.users["hr1"], key="2026Q3")
    assert UnitResult.objects.filter(period__key="2026Q3").count() == 2


def test_period_page_and_desk_show_the_units_in_scope(unit_run: PerfBank) -> None:
    page = unit_run.client("bm1").get("/performance/2026Q3/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="unit-results"' in body and "BR1" in body and "57.50" in body
    assert "35.00</td>" not in body.split('id="unit-results"')[1].split("</section>")[0]
    desk = unit_run.client("bm1").get("/workbench/desk/").content.decode()
    assert 'id="desk-units"' in desk and "57.50" in desk
    hr = unit_run.client("hr1").get("/performance/2026Q3/").content.decode()
    section = hr.split('id="unit-results"')[1].split("</section>")[0]
    assert "BR1" in section and "BR2" in section
    # An RM reads no unit's score.
    rm = unit_run.client("rm1").get("/performance/2026Q3/").content.decode()
    assert 'id="unit-results"' not in rm


def test_the_desk_in_chinese(unit_run: PerfBank) -> None:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(unit_run.users["bm1"])
    desk = client.get("/workbench/desk/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "支行得分 2026Q3" in desk
