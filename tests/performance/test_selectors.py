"""The performance selectors that translate between stored rows and engine values (the
views and the API never import the engine): a typed period key, the rows behind a line,
and the engine's explanation rebuilt from the stored result (lake in conftest.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from rmperf.performance import selectors as sel
from rmperf.performance.models import AdjustmentResult, RmResult
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import IMPORT_DAY, PerfBank

pytestmark = pytest.mark.django_db


def test_a_typed_period_key_reads_canonical_and_a_bad_one_says_why() -> None:
    assert sel.period_canonical("2026q3") == "2026Q3"
    assert sel.period_canonical("2026-09") == "2026-09"
    with pytest.raises(ValueError, match="2026Q5"):
        sel.period_canonical("2026Q5")


def _rm2() -> RmResult:
    period_run(actor=None, key="2026Q3")
    return RmResult.objects.select_related("run", "run__lake_import", "period").get(
        period__key="2026Q3", staff_id="RM2"
    )


def test_the_rows_behind_a_line_come_from_the_lake_the_result_was_computed_from(
    perf_bank: PerfBank,
) -> None:
    result = _rm2()
    period = sel.period_key("2026Q3")
    why = sel.line_why(
        result=result, indicator="deposit_avg_growth", engine_period=period, today=IMPORT_DAY
    )
    assert why is not None
    assert "problem" not in why
    # RM2's one customer C2: the Q2 base (average 100,000) taken off, and each Q3 month's
    # 250,000 weighted by its days in the quarter's 92: July and August 250,000 × 31 / 92
    # = 84,239.13, September × 30 / 92 = 81,521.74. Largest contribution first (no row is
    # flagged), ties in the engine's order; together they are the growth, 150,000.
    assert why["total"] == 4
    assert {r["customer_id"] for r in why["rows"]} == {"C2"}
    assert [r["day"] for r in why["rows"]] == ["2026Q2", "2026-07", "2026-08", "2026-09"]
    parts = [r["contribution"].quantize(Decimal("0.01"), ROUND_HALF_UP) for r in why["rows"]]
    assert parts == [Decimal("-100000.00"), Decimal("84239.13"), Decimal("84239.13"),
                     Decimal("81521.74")]  # fmt: skip
    assert sum(r["contribution"] for r in why["rows"]).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    ) == Decimal("150000.00")
    # An indicator the result has no computed line or item for has no rows to show.
    assert (
        sel.line_why(result=result, indicator="aum_growth", engine_period=period, today=IMPORT_DAY)
        is None
    )


def test_the_rows_behind_a_line_say_so_when_the_lake_is_gone(
    perf_bank: PerfBank, tmp_path: Path
) -> None:
    result = _rm2()
    result.run.lake_path = str(tmp_path / "moved")
    why = sel.line_why(
        result=result,
        indicator="deposit_avg_growth",
        engine_period=sel.period_key("2026Q3"),
        today=IMPORT_DAY,
    )
    assert why is not None
    assert why["rows"] == []
    assert why["problem"] == "The lake this result was computed from is no longer there."


def test_the_explanation_is_rebuilt_from_the_stored_rows(perf_bank: PerfBank) -> None:
    result = _rm2()
    lines = sel.line_views(
        actor=perf_bank.users["hr1"],
        result=result,
        engine_period=sel.period_key("2026Q3"),
        today=IMPORT_DAY,
        language="en",
    )
    text = sel.result_explanation(
        result=result, lines=lines, adjustments=list(AdjustmentResult.objects.filter(result=result))
    )
    # The figures of conftest.py: growth 150,000 of a 300,000 target → 40.00 points, no
    # complaint → 20.00, total 60.00.
    assert "RM2  scorecard test_retail" in text
    assert "total 60.00  tier competent" in text
    assert "deposit_avg_growth" in text
    assert "40.00" in text
