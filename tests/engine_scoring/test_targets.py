"""Target sheets (一人一表): validation with file:line, splits into periods, time-progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring import (
    parse_manual_scores,
    parse_target_sheet,
    period_target,
    split_annual,
)
from rmperf.engine.scoring.policy import TargetBasis, TargetSource, TargetSpec
from rmperf.engine.scoring.targets import (
    MissingTarget,
    joiner_factor,
    resolve_target,
    time_progress,
)
from tests.engine_scoring.library import LIB


def test_equal_split_puts_the_remainder_in_q4() -> None:
    # 100.01 / 4 = 25.0025 → 25.00 (half up) for Q1–Q3; Q4 = 100.01 − 75.00 = 25.01
    assert split_annual(D("100.01")) == (D("25.00"), D("25.00"), D("25.00"), D("25.01"))
    # 0.10 / 4 = 0.025 → 0.03 half up (half-to-even would give 0.02); Q4 = 0.10 − 0.09 = 0.01
    assert split_annual(D("0.10")) == (D("0.03"), D("0.03"), D("0.03"), D("0.01"))


def test_seasonal_split() -> None:
    shares = (D("0.1"), D("0.2"), D("0.3"), D("0.4"))
    assert split_annual(D("1000"), shares) == (D("100.0"), D("200.0"), D("300.0"), D("400"))


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026", D("1000")),
        ("2026H1", D("500.00")),
        ("2026Q3", D("250.00")),
        ("2026-07", D("83.33")),  # 250 / 3 = 83.333… → 83.33
        ("2026-09", D("83.34")),  # the quarter's last month takes the remainder
    ],
)
def test_annual_basis_per_period(period: str, expected: D) -> None:
    assert period_target(D("1000"), None, TargetBasis.ANNUAL, Period.parse(period)) == expected


def test_sheet_quarters_override_the_split() -> None:
    qs = (D("100"), D("200"), D("300"), D("400"))
    assert period_target(D("1000"), qs, TargetBasis.ANNUAL, Period.parse("2026H2")) == D("700")
    assert period_target(D("1000"), qs, TargetBasis.ANNUAL, Period.parse("2026-11")) == D("133.33")


def test_level_basis_is_the_same_every_period() -> None:
    for p in ("2026", "2026H1", "2026Q2", "2026-05"):
        assert period_target(D("0.3"), None, TargetBasis.LEVEL, Period.parse(p)) == D("0.3")
    qs = (D("0.2"), D("0.3"), D("0.3"), D("0.4"))
    assert period_target(D("0.3"), qs, TargetBasis.LEVEL, Period.parse("2026Q4")) == D("0.4")
    assert period_target(D("0.3"), qs, TargetBasis.LEVEL, Period.parse("2026")) == D("0.3")


def test_joiner_factor() -> None:
    q3 = Period.parse("2026Q3")  # 92 days
    assert joiner_factor(q3, dt.date(2026, 8, 16)) == D("0.5000")  # 46 / 92
    assert joiner_factor(q3, dt.date(2026, 7, 1)) == D(1)
    assert joiner_factor(q3, dt.date(2026, 9, 30)) == D("0.0109")  # 1 / 92 = 0.01087 → 0.0109
    assert joiner_factor(q3, None) == D(1)


CSV = """staff_id,indicator,annual,q1,q2,q3,q4
RM1,wealth_sales,1000,,,,
RM2,wealth_sales,1000,100,200,300,400
"""


def test_csv_sheet_reads() -> None:
    sheet = parse_target_sheet(CSV, source="t.csv", indicators=LIB)
    row = sheet.get("RM2", "wealth_sales")
    assert row is not None and row.quarters == (D(100), D(200), D(300), D(400)) and row.line == 3


def errors(text: str, source: str = "t.csv") -> list[tuple[str, int | None]]:
    with pytest.raises(PolicyError) as exc:
        parse_target_sheet(text, source=source, indicators=LIB)
    assert all(i.file == source for i in exc.value.issues)
    return [(i.rule, i.line) for i in exc.value.issues]


def test_sheet_errors_name_file_and_line() -> None:
    bad = CSV + "RM3,wealth_sales,1000,100,200,300,300\nRM4,nope,5,,,,\nRM1,wealth_sales,7,,,,\n"
    bad += "RM5,fee_income,-1,,,,\nRM6,fee_income,abc,,,,\nRM7,fee_income,9,1,2,,\n"
    assert errors(bad) == [
        ("targets.quarters_sum", 4),
        ("targets.indicator_exists", 5),
        ("targets.unique", 6),
        ("targets.row", 7),
        ("targets.row", 8),
        ("targets.row", 9),
    ]
    assert errors("staff_id,annual\nRM1,5\n") == [("targets.columns", 1)]


def test_yaml_sheet() -> None:
    text = """targets:
  - {staff_id: RM1, indicator: wealth_sales, annual: 1000, year: 2026}
  - {staff_id: RM2, indicator: wealth_sales, annual: 10, quarters: [1, 2, 3, 5]}
"""
    assert errors(text, "t.yaml") == [("targets.quarters_sum", 3)]
    sheet = parse_target_sheet(text.splitlines()[0] + "\n" + text.splitlines()[1], source="t.yaml")
    row = sheet.get("RM1", "wealth_sales")
    assert row is not None and row.year == 2026 and row.line == 2


def test_time_progress_beside_actual() -> None:
    q3 = Period.parse("2026Q3")
    rows = time_progress(
        period=q3,
        day=dt.date(2026, 8, 15),  # 46 of 92 days: expected 0.5000
        targets={("RM1", "wealth_sales"): D("100"), ("RM2", "wealth_sales"): D("0")},
        actuals={("RM1", "wealth_sales"): D("40")},
    )
    assert rows[0].expected == D("0.5000") and rows[0].completion == D("0.4000")
    assert rows[0].behind is True
    assert rows[1].completion is None and rows[1].behind is None


def test_manual_scores_file() -> None:
    text = "staff_id,key,score,period\nRM1,self_review,85,2026Q3\nRM1,self_review,70,2026Q2\n"
    scores = parse_manual_scores(text, source="m.csv", period="2026Q3")
    assert scores.scores == {("RM1", "self_review"): D(85)}
    with pytest.raises(PolicyError) as exc:
        parse_manual_scores(
            text + "RM2,self_review,101,\nRM1,self_review,1,\n", source="m.csv", period="2026Q3"
        )
    assert [(i.rule, i.line) for i in exc.value.issues] == [("manual.row", 4), ("manual.row", 5)]


def test_a_sheet_of_several_years_keeps_each_year_s_row() -> None:
    # Found by the pay oracle: a 2025 row followed by a 2024 row used to leave only 2024.
    text = (
        "staff_id,indicator,annual,year\n"
        "RM1,new_loans,400,2025\nRM1,new_loans,800,2024\nRM2,new_loans,1200,\n"
        "RM2,new_loans,40,2026\n"
    )
    sheet = parse_target_sheet(text, source="t.csv")
    spec = TargetSpec(source=TargetSource.PER_PERSON, basis=TargetBasis.ANNUAL)
    q = Period.parse

    def target(staff: str, period: str) -> D:
        return resolve_target(
            spec, sheet=sheet, staff_id=staff, indicator="new_loans", period=q(period)
        )[0]

    assert target("RM1", "2025Q4") == D("100.00")  # 400 ÷ 4
    assert target("RM1", "2024Q1") == D("200.00")  # 800 ÷ 4
    assert target("RM2", "2025") == D("1200")  # the undated row for a year without its own
    assert target("RM2", "2026") == D("40")  # the dated row wins in its year
    with pytest.raises(MissingTarget):
        target("RM1", "2026Q1")  # neither a 2026 nor an undated row, no card default
    assert errors(text + "RM1,new_loans,5,2025\n") == [("targets.unique", 6)]
