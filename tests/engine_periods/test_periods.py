import datetime as dt
from decimal import Decimal

import pytest

from rmperf.engine.periods import Period, PeriodKind


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2026-09", dt.date(2026, 9, 1), dt.date(2026, 9, 30), PeriodKind.MONTH),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), PeriodKind.MONTH),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), PeriodKind.QUARTER),
        ("2026q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), PeriodKind.QUARTER),
        ("2026H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), PeriodKind.HALF),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), PeriodKind.YEAR),
    ],
)
def test_parse(text: str, start: dt.date, end: dt.date, kind: PeriodKind) -> None:
    p = Period.parse(text)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert Period.parse(p.key) == p


@pytest.mark.parametrize("bad", ["2026-13", "2026Q5", "2026H3", "26Q1", "Q3", "", "2026-9"])
def test_parse_rejects_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse(bad)


def test_months_quarters_previous() -> None:
    year = Period.parse("2026")
    assert [q.key for q in year.quarters()] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert Period.parse("2026H2").quarters()[0].key == "2026Q3"
    assert Period.parse("2026Q3").months == ("2026-07", "2026-08", "2026-09")
    assert Period.parse("2026Q1").previous().key == "2025Q4"
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026Q3").same_period_last_year().key == "2025Q3"
    assert Period.parse("2026Q3").days == 92


def test_time_progress() -> None:
    q3 = Period.parse("2026Q3")  # 92 days
    assert q3.time_progress(dt.date(2026, 6, 30)) == Decimal("0")
    assert q3.time_progress(dt.date(2026, 7, 1)) == Decimal("0.0109")  # 1/92 = 0.010869…
    assert q3.time_progress(dt.date(2026, 8, 15)) == Decimal("0.5000")  # 46/92
    assert q3.time_progress(dt.date(2026, 9, 30)) == Decimal("1")
