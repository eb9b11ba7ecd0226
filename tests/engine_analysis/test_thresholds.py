"""Dynamic thresholds (issue #15): the model recovers an exactly linear indicator, proposes
the hand-computed next value, and a missing economic series is named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.analysis.thresholds import (
    EconomicSeriesError,
    consensus,
    fit_series,
    propose_thresholds,
    threshold_lines,
)
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
