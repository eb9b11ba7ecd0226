"""360 feedback rows recorded outside the lake join the lake's rows of their kind
(`compute_indicators(feedback=...)`), with the same measures. Hand-computed on the
hand-built bank (bank.py): RM2 has NPS answers 10, 9, 9, 7, 6 in 2026Q3; RM3 has peer
ratings 70, 80.5, 90; RM1 mystery-shopper visits 80 and 92.5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.indicators import FeedbackRow, compute_indicators
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank

Q3 = Period.parse("2026Q3")
IDS = ["nps", "peer_review", "mystery_shopper", "risk_due_diligence"]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root: Path = tmp_path_factory.mktemp("fbbank")
    return Lake(bank.write(root), bank.TODAY)


def _values(lake: Lake, rows: list[FeedbackRow]) -> dict[tuple[str, str], Decimal | None]:
    got = compute_indicators(lake, period=Q3, indicators=IDS, feedback=rows).to_pylist()
    return {(r["staff_id"], r["indicator"]): r["value"] for r in got}


def _row(staff: str, day: str, kind: str, score: str) -> FeedbackRow:
    return FeedbackRow(staff, dt.date.fromisoformat(day), kind, Decimal(score))


def test_extra_rows_join_the_lake_rows(lake: Lake) -> None:
    extra = [
        # NPS: 9 promoter, 0 detractor, 8 passive; 1 October is Q4 (left out).
        _row("RM2", "2026-07-02", "nps", "9"),
        _row("RM2", "2026-07-02", "nps", "0"),
        _row("RM2", "2026-09-30", "nps", "8"),
        _row("RM2", "2026-10-01", "nps", "10"),
        _row("RM3", "2026-09-30", "peer", "59.5"),
        _row("RM1", "2026-08-01", "mystery_shopper", "60"),
        _row("NOBODY", "2026-08-01", "peer", "100"),  # no RM of the period: ignored
    ]
    v = _values(lake, extra)
    # Lake 3 promoters, 1 detractor of 5; with the extras 4 promoters, 2 detractors of 8:
    # (4 − 2) × 100 ÷ 8 = 25.
    assert v[("RM2", "nps")] == Decimal("25.000000")
    # (70 + 80.5 + 90 + 59.5) ÷ 4 = 300 ÷ 4 = 75
    assert v[("RM3", "peer_review")] == Decimal("75.000000")
    # (80 + 92.5 + 60) ÷ 3 = 232.5 ÷ 3 = 77.5
    assert v[("RM1", "mystery_shopper")] == Decimal("77.500000")
    # A kind nobody added is unchanged: (90 + 85.5) ÷ 2
    assert v[("RM1", "risk_due_diligence")] == Decimal("87.750000")
    # An RM with no rating of a kind stays undefined.
    assert v[("RM2", "peer_review")] is None


def test_without_extra_rows_the_lake_alone(lake: Lake) -> None:
    v = _values(lake, [])
    assert v[("RM2", "nps")] == Decimal("40.000000")  # (3 − 1) × 100 ÷ 5
    assert v[("RM3", "peer_review")] == Decimal("80.166667")  # 240.5 ÷ 3


def test_a_score_with_three_decimals_is_refused(lake: Lake) -> None:
    with pytest.raises(ValueError, match="more than 2 decimals"):
        _values(lake, [_row("RM3", "2026-08-01", "peer", "70.125")])
