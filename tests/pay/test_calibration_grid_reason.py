"""The calibration grid's reason column in the reader's language: the engine writes the
forced distribution's reason in English (for the CLI); the grid shows it through the
`engine_note` filter. The bank is the pay bank (tests/pay/conftest.py), 2026Q3 computed."""

from __future__ import annotations

import pytest
from django.utils import translation

from rmperf.performance.models import RmResult
from rmperf.performance.templatetags.performance_labels import engine_note
from tests.engine_scoring.test_pooling import member, run
from tests.pay.conftest import QUARTER, PayBank

URL = "/workbench/desk/calibration/"
# The shape the engine writes (engine/scoring/score.py): RM2 of a group of 3, cap
# 67 % outstanding: 3 × 0.67 = 2.01, rounded down: 2 of 3; RM2 third by total.
NOTE = (
    "forced distribution: at most 67% outstanding in scorecard test_retail "
    "(3 × 0.67 = 2.01, rounded down: 2 of 3); placed 3 by total, then staff_id; moved to good"
)


@pytest.fixture
def computed(pay_bank: PayBank) -> PayBank:
    from rmperf.performance.services.runs import period_run

    period_run(actor=None, key=QUARTER)
    return pay_bank


def test_the_reason_column_speaks_chinese_on_the_zh_page(computed: PayBank) -> None:
    RmResult.objects.filter(staff_id="RM2").update(engine_note=NOTE)
    html = computed.client("bm1", "zh-hans").get(URL).content.decode()
    assert "forced distribution" not in html and "by total" not in html
    # at most 67% 优秀 among every RM on the card; 3rd by total, then staff number; → 良好
    assert "强制分布：考核表“测试零售”中优秀最多 67%" in html
    assert "3 × 0.67 = 2.01，向下取整：3 人中 2 人" in html
    assert "按总分排第 3，其次按员工号；调至良好。" in html
    en = computed.client("bm1", "en").get(URL).content.decode()
    assert "Forced distribution: at most 67% Outstanding in scorecard" in en
    assert "placed 3 by total score, then by staff number; moved to Good." in en


def test_a_calibrators_own_reason_is_shown_as_written(computed: PayBank) -> None:
    RmResult.objects.filter(staff_id="RM2").update(calibration_reason="客户投诉已核实")
    html = computed.client("bm1", "zh-hans").get(URL).content.decode()
    assert "客户投诉已核实" in html


def test_the_filter_reads_the_engines_own_reasons() -> None:
    # tests/engine_scoring/test_pooling.py, first case: team T1 (3 RMs at 100.00) pooled
    # with branch B1 (12 RMs): 12 × 0.15 = 1.80, rounded down: 1. A2 is second by total
    # (a tie broken by staff number) and moves to 良好.
    values = {"A1": "100", "A2": "100", "A3": "100"} | {f"B{i}": "80" for i in range(9)}
    got = run(values, {s: member(s, "T1" if s[0] == "A" else "T2") for s in values})
    with translation.override("zh-hans"):
        text = str(engine_note(got["A2"].reason))
    assert text == (
        "强制分布：支行 B1（小组 T1, T2 不足 10 人，并入上一级）中优秀最多 15%"
        "（12 × 0.15 = 1.80，向下取整：12 人中 1 人）；按总分排第 2，其次按员工号；调至良好。"
    )
    with translation.override("en"):
        text = str(engine_note(got["A2"].reason))
    assert text == (
        "Forced distribution: at most 15% Outstanding in branch B1 (team T1, T2 pooled up: "
        "fewer than 10 RMs) (12 × 0.15 = 1.80, rounded down: 1 of 12); placed 2 by total "
        "score, then by staff number; moved to Good."
    )


def test_a_truncated_or_unknown_note_is_shown_as_it_is() -> None:
    with translation.override("zh-hans"):
        assert engine_note(NOTE[:80]) == NOTE[:80]
        assert engine_note("something else") == "something else"
