"""Dynamic thresholds (issue #15): the model recovers an exactly linear indicator, proposes
the hand-computed next value, and a missing economic series is named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.analysis.thresholds import (
    SHARE_INDICATORS,
    UNBOUNDED_RATIOS,
    EconomicSeriesError,
    Fit,
    clip_share,
    consensus,
    fit_series,
    propose_thresholds,
    threshold_lines,
)
from rmperf.engine.indicators.library import LIBRARY
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.scoring.load import load_scorecards, load_scorecards_text
from tests.engine.lakes import TODAY, write_lake

D = Decimal

CARD = """\
name: thresholds_test
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - {indicator: mystery_shopper, weight: 60, method: ratio, target: {basis: level, value: "90"}}
  - {indicator: deposit_avg_growth, weight: 40, method: ratio, target: {value: "1200000"}}
"""

#: PMI of each quarter 2024Q4 … 2026Q2 (the same in its three months, so the quarter's
#: mean is this figure).
PMI = {
    "2024Q4": "50",
    "2025Q1": "52",
    "2025Q2": "49",
    "2025Q3": "51",
    "2025Q4": "53",
    "2026Q1": "50",
    "2026Q2": "52",
}
#: The indicator is exactly y_t = −20 + 1·t + 2·pmi(previous quarter), t = 0 for 2025Q1:
#:   2025Q1: −20 + 0 + 2×50 = 80     2025Q2: −20 + 1 + 2×52 = 85
#:   2025Q3: −20 + 2 + 2×49 = 80     2025Q4: −20 + 3 + 2×51 = 85
#:   2026Q1: −20 + 4 + 2×53 = 90     2026Q2: −20 + 5 + 2×50 = 85
#: and the proposal for 2026Q3 is −20 + 6 + 2×52 = 90.
MYSTERY = {
    "2025-02-10": "80",
    "2025-05-10": "85",
    "2025-08-10": "80",
    "2025-11-10": "85",
    "2026-02-10": "90",
    "2026-05-10": "85",
}


def _months(quarter: str) -> list[str]:
    year, q = quarter.split("Q")
    return [f"{year}-{3 * (int(q) - 1) + m:02d}" for m in (1, 2, 3)]


def _lake(root: Path, *, pmi: dict[str, str] = PMI) -> Lake:
    econ = [
        {"unit_id": "B", "month": m, "series": "pmi", "value": v}
        for q, v in pmi.items()
        for m in _months(q)
    ]
    feedback = [
        {"staff_id": "S1", "customer_id": "", "date": d, "kind": "mystery_shopper", "score": v}
        for d, v in MYSTERY.items()
    ]
    write_lake(root, {"economic_series": econ, "feedback": feedback})
    return Lake(root, today=TODAY)


def test_fit_recovers_an_exactly_linear_series() -> None:
    # y = 2 + 0.5·t + 3·x for t = 0…7 with x = 1, 4, 2, 5, 3, 7, 6, 1:
    #   5, 14.5, 9, 18.5, 13, 25.5, 23, 8.5; next (t = 8, x = 2): 2 + 4 + 6 = 12.
    xs = [[D(v)] for v in (1, 4, 2, 5, 3, 7, 6, 1)]
    ys: list[Decimal | None] = [D(v) for v in ("5", "14.5", "9", "18.5", "13", "25.5", "23", "8.5")]
    fit = fit_series(ys, xs, [D(2)], backtest=3)
    assert fit.proposed == D("12.000000")
    assert fit.coefficients == (D("2.000000"), D("0.500000"), D("3.000000"))
    # 3 parameters need 5 observations to fit: 8 − 5 = 3 held out, each predicted exactly.
    assert fit.mae == D("0.000000")
    assert fit.mape == D("0.000000")
    assert (fit.low, fit.high) == (D("12.000000"), D("12.000000"))  # 12 ± 1.96 × 0
    assert fit.n == 8


def test_fit_leaves_out_undefined_periods_and_says_when_too_few() -> None:
    xs = [[D(v)] for v in (1, 4, 2, 5)]
    fit = fit_series([D(1), None, D(3), D(4)], xs, [D(2)])
    # 3 defined observations; 3 parameters need 5.
    assert fit.proposed is None
    assert fit.n == 3
    assert fit.note == "too_few_observations (3 < 5)"


def test_threshold_lines_are_the_level_targets() -> None:
    cards = load_scorecards_text(CARD)
    [line] = threshold_lines(cards)  # deposit growth has an annual target: not proposed
    assert (line.scorecard, line.indicator, line.current) == (
        "thresholds_test",
        "mystery_shopper",
        D(90),
    )


def test_proposal_from_the_lake_is_hand_computable(tmp_path: Path) -> None:
    lake = _lake(tmp_path / "lake")
    run = propose_thresholds(
        lake,
        period=Period.parse("2026Q3"),
        cards=load_scorecards_text(CARD),
        series=["pmi"],
        history=6,
    )
    assert run.history == ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2")
    # The lags of 2025Q1 … 2026Q3: the months 2024-10 … 2026-06.
    assert run.series_months[0] == "2024-10" and run.series_months[-1] == "2026-06"
    assert len(run.series_months) == 21
    [p] = run.proposals
    assert (p.unit_id, p.line.indicator, p.line.current) == ("BR1", "mystery_shopper", D(90))
    assert p.fit.proposed == D("90.000000")
    assert p.fit.coefficients == (D("-20.000000"), D("1.000000"), D("2.000000"))
    # 6 observations, 5 needed to fit: one held out (2026Q2), predicted exactly; one error
    # gives no standard deviation, so no interval.
    assert (p.fit.n, p.fit.mae, p.fit.mape) == (6, D("0.000000"), D("0.000000"))
    assert p.fit.low is None and p.fit.high is None
    assert consensus(run) == {("thresholds_test", "mystery_shopper"): D("90.0000")}
    again = propose_thresholds(
        lake,
        period=Period.parse("2026Q3"),
        cards=load_scorecards_text(CARD),
        series=["pmi"],
        history=6,
    )
    assert again.digest == run.digest and again.proposals == run.proposals


def test_a_missing_series_is_named(tmp_path: Path) -> None:
    pmi = dict(PMI)
    del pmi["2025Q3"]
    lake = _lake(tmp_path / "lake", pmi=pmi)
    with pytest.raises(EconomicSeriesError) as err:
        propose_thresholds(
            lake,
            period=Period.parse("2026Q3"),
            cards=load_scorecards_text(CARD),
            series=["pmi"],
            history=6,
        )
    # 2025Q4's lag is 2025Q3, whose first month is missing.
    assert (err.value.series, err.value.unit_id, err.value.month) == ("pmi", "BR1", "2025-07")
    assert "'pmi'" in str(err.value) and "BR1" in str(err.value) and "2025-07" in str(err.value)
    with pytest.raises(EconomicSeriesError, match=r"'gdp_growth'.*BR1.*2024-10"):
        propose_thresholds(
            _lake(tmp_path / "lake2"),
            period=Period.parse("2026Q3"),
            cards=load_scorecards(None),
            series=["pmi", "gdp_growth"],
            history=6,
        )


def test_cli_writes_the_rows_and_names_a_missing_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lake"
    _lake(root)
    card = tmp_path / "card.yaml"
    card.write_text(CARD, encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["thresholds", "--lake", str(root), "--period", "2026Q3", "--scorecard", str(card)]
    args += ["--history", "6", "--today", TODAY.isoformat(), "--out", str(out)]
    assert main([*args, "--series", "pmi"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert (
        '"BR1","Branch 1","thresholds_test","mystery_shopper","2026Q3",90.000000,90.000000'
        in (lines[1])
    )
    out.unlink()
    assert main([*args, "--series", "pmi,loan_demand"]) == 2
    assert "'loan_demand'" in capsys.readouterr().err
    assert not out.exists()


GREEN_CARD = """\
name: green_test
names: {zh: 绿色, en: green}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - {indicator: green_credit_share, weight: 100, method: ratio, target: {basis: level, value: "0.5"}}
"""
#: S1's green share of new loans per quarter, exactly y_t = −0.9 + 0.06·t + 0.03·pmi(previous
#: quarter), t = 0 for 2025Q1 (PMI above):
#:   2025Q1: −0.9 + 0    + 1.50 = 0.60     2025Q2: −0.9 + 0.06 + 1.56 = 0.72
#:   2025Q3: −0.9 + 0.12 + 1.47 = 0.69     2025Q4: −0.9 + 0.18 + 1.53 = 0.81
#:   2026Q1: −0.9 + 0.24 + 1.59 = 0.93     2026Q2: −0.9 + 0.30 + 1.50 = 0.90
#: and the line's next value, for 2026Q3, −0.9 + 0.36 + 1.56 = 1.02: more than all of it.
GREEN = {"2025-02": 60, "2025-05": 72, "2025-08": 69, "2025-11": 81, "2026-02": 93, "2026-05": 90}


def _green_lake(root: Path) -> Lake:
    econ = [
        {"unit_id": "B", "month": m, "series": "pmi", "value": v}
        for q, v in PMI.items()
        for m in _months(q)
    ]
    loans = []
    for month, green in GREEN.items():  # 100.00 lent in the quarter, `green` of it green
        for part, amount, is_green in (("g", green, "true"), ("o", 100 - green, "false")):
            loans.append(
                {
                    "loan_id": f"L{month}{part}",
                    "customer_id": "C2",
                    "product_id": "P3",
                    "staff_id": "S1",
                    "amount": f"{amount}.00",
                    "disbursed_on": f"{month}-10",
                    "maturity_date": "2028-01-15",
                    "green": is_green,
                    "inclusive": "0",
                }
            )
    write_lake(root, {"economic_series": econ, "loans": loans})
    return Lake(root, today=TODAY)


def test_a_share_proposed_above_100_percent_is_clipped_and_says_so(tmp_path: Path) -> None:
    run = propose_thresholds(
        _green_lake(tmp_path / "lake"),
        period=Period.parse("2026Q3"),
        cards=load_scorecards_text(GREEN_CARD),
        series=["pmi"],
        history=6,
    )
    [p] = run.proposals
    assert p.fit.coefficients == (D("-0.900000"), D("0.060000"), D("0.030000"))
    assert p.fit.proposed == D("1.000000")  # the line says 1.02; a share is at most 1
    assert p.fit.note == "clipped to 1.000000 (model 1.020000, a share lies in 0..1)"
    assert consensus(run) == {("green_test", "green_credit_share"): D("1.0000")}


def test_clip_share_keeps_a_share_in_0_to_1() -> None:
    below = Fit(D("-0.537100"), D("-0.700000"), D("0.100000"), D("0.1"), None, 8)
    clipped = clip_share(below)
    assert (clipped.proposed, clipped.low, clipped.high) == (
        D("0.000000"),
        D("0.000000"),
        D("0.100000"),
    )
    assert clipped.note == "clipped to 0.000000 (model -0.537100, a share lies in 0..1)"
    assert (clipped.mae, clipped.n) == (D("0.1"), 8)  # the backtest stays the model's
    above = Fit(D("1.074000"), None, None, None, None, 6, note="no_backtest")
    assert clip_share(above).proposed == D("1.000000")
    assert clip_share(above).note == (
        "no_backtest; clipped to 1.000000 (model 1.074000, a share lies in 0..1)"
    )
    inside = Fit(D("0.950000"), D("0.900000"), D("1.050000"), None, None, 8)
    assert clip_share(inside) == Fit(D("0.950000"), D("0.900000"), D("1.000000"), None, None, 8)
    empty = Fit(None, None, None, None, None, 3, note="too_few_observations (3 < 5)")
    assert clip_share(empty) == empty


def test_every_ratio_indicator_is_a_share_or_known_unbounded() -> None:
    ratios = {d.id for d in LIBRARY.values() if d.unit == "ratio"}
    assert ratios == SHARE_INDICATORS | UNBOUNDED_RATIOS
    assert not SHARE_INDICATORS & UNBOUNDED_RATIOS
    assert {"hnw_retention", "green_credit_share"} <= SHARE_INDICATORS
