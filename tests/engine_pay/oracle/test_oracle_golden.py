"""The oracle alone against statements computed by hand (DOMAIN §6, default plan).

Each expected row lists the 19 output columns in order:
staff_id, period, rank, rating, coefficient, npl_ratio, base, loan_pay, excess_reward,
performance_pay, deferred, immediate, held, held_released, deferral_released, malus,
clawback, total_paid, deferral_balance.
The arithmetic is in the comments; ‱ = /10,000; "r(x)" is x rounded half up to the cent.
Monthly base: assistant 1,800, junior 2,300, intermediate 2,900, senior 3,500.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.engine_pay.oracle import cases
from tests.engine_pay.oracle import reference as ref
from tests.engine_pay.oracle.lakegen import PayCase, write_case

Row = tuple[str, ...]


def run(case: PayCase, tmp_path: Path, period: str) -> list[ref.Statement]:
    files = write_case(case, tmp_path / case.name)
    return ref.statements_for(files.lake, period, files.ratings, files.targets)


def rows(statements: list[ref.Statement]) -> dict[str, Row]:
    return {s.staff_id: tuple(s.row()[c] for c in ref.COLUMNS) for s in statements}


def earnings(statements: list[ref.Statement]) -> dict[str, str]:
    return {loan: ref.fmt(e) for s in statements for loan, e in s.loan_earnings}


def test_bracket_edges_ties_and_own_quarter_clawback(tmp_path: Path) -> None:
    got = run(cases.brackets(), tmp_path, "2025Q1")
    # A1 (good, c = 1.00), volume filled in (disbursed_on, loan_id) order:
    #   L1 0 → 6,000,000.00 all at 15‱                    = 9,000.00
    #   L2 → 10,000,000.00 exactly, all at 15‱            = 6,000.00
    #   L3 0.01, same day as L2 but after it: 0.01 × 18‱ = 0.000018 → 0.00
    #   L4 10,000,000.01 → 30,000,000.01: 19,999,999.99 × 18‱ + 0.01 × 20‱
    #      = 35,999.999982 + 0.00002 = 36,000.000002         → 36,000.00
    # A2 (outstanding, c = 1.20), both on 2025-01-20, so LA (id) fills first:
    #   LA 2,000,000 × 15‱ = 3,000 × 1.2                    = 3,600.00
    #   LB 8,000,000 × 15‱ + 1,000,000 × 18‱ = 13,800 × 1.2 = 16,560.00
    #   (in the wrong order LB would earn 16,200.00)
    assert earnings(got) == {
        "A1-L1": "9000.00",
        "A1-L2": "6000.00",
        "A1-L3": "0.00",
        "A1-L4": "36000.00",
        "A2-LA": "3600.00",
        "A2-LB": "16560.00",
    }
    assert rows(got) == {
        # P = 51,000; D = 30% = 15,300 (thirds 5,100); I = 35,700; base 3 × 2,300 = 6,900
        "A1": ("A1", "2025Q1", "junior", "good", "1.00", "0.000000",
               "6900.00", "51000.00", "0.00", "51000.00", "15300.00", "35700.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "42600.00", "15300.00"),
        # P = 20,160; D = 6,048; I = 14,112; base 3 × 3,500 = 10,500. LB is substandard in
        # 2025-02, its own quarter: it costs its e = 16,560, and the quarter's own thirds
        # are not available, nor is anything else: clawback −16,560.
        # NPL: no status row for 2025-03 → 0. total = 10,500 + 14,112 − 16,560 = 8,052
        "A2": ("A2", "2025Q1", "senior", "outstanding", "1.20", "0.000000",
               "10500.00", "20160.00", "0.00", "20160.00", "6048.00", "14112.00",
               "0.00", "0.00", "0.00", "0.00", "-16560.00", "8052.00", "6048.00"),
    }  # fmt: skip


def test_half_cents_thirds_and_material_risk(tmp_path: Path) -> None:
    case = cases.half_cents()
    # B1 (good): three loans of 30.00, each 30 × 15‱ = 0.045 → 0.05 (half up, per loan;
    #   one rounding of the sum would give r(0.135) = 0.14). P = 0.15; D = r(0.045) = 0.05;
    #   thirds r(0.05 / 3) = 0.02, 0.02 and 0.05 − 0.04 = 0.01; I = 0.10.
    # B2 (competent, material risk): 12.50 × 15‱ × 0.8 = 0.015 → 0.02; D = r(0.02 × 40%)
    #   = r(0.008) = 0.01; thirds 0.00, 0.00, 0.01; I = 0.01.
    # B3 (outstanding, material risk): 1,000,000 × 15‱ × 1.2 = 1,800; D = 40% = 720
    #   (thirds 240); I = 1,080.
    assert rows(run(case, tmp_path, "2024Q2")) == {
        "B1": ("B1", "2024Q2", "junior", "good", "1.00", "0.000000",
               "6900.00", "0.15", "0.00", "0.15", "0.05", "0.10",
               "0.00", "0.00", "0.00", "0.00", "0.00", "6900.10", "0.05"),
        "B2": ("B2", "2024Q2", "assistant", "competent", "0.80", "0.000000",
               "5400.00", "0.02", "0.00", "0.02", "0.01", "0.01",
               "0.00", "0.00", "0.00", "0.00", "0.00", "5400.01", "0.01"),
        "B3": ("B3", "2024Q2", "intermediate", "outstanding", "1.20", "0.000000",
               "8700.00", "1800.00", "0.00", "1800.00", "720.00", "1080.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "9780.00", "720.00"),
    }  # fmt: skip
    # Q+4 = 2025Q2 releases the first thirds; no rating that quarter (no loans): empty.
    assert rows(run(case, tmp_path, "2025Q2")) == {
        "B1": ("B1", "2025Q2", "junior", "", "", "0.000000",
               "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
               "0.00", "0.00", "0.02", "0.00", "0.00", "6900.02", "0.03"),
        "B2": ("B2", "2025Q2", "assistant", "", "", "0.000000",
               "5400.00", "0.00", "0.00", "0.00", "0.00", "0.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "5400.00", "0.01"),
        "B3": ("B3", "2025Q2", "intermediate", "", "", "0.000000",
               "8700.00", "0.00", "0.00", "0.00", "0.00", "0.00",
               "0.00", "0.00", "240.00", "0.00", "0.00", "8940.00", "480.00"),
    }  # fmt: skip
    # Q+8 = 2026Q2 the second thirds; the third ones wait for 2027Q2.
    got = rows(run(case, tmp_path, "2026Q2"))
    assert [r[14] for r in got.values()] == ["0.02", "0.00", "240.00"]
    assert [r[18] for r in got.values()] == ["0.01", "0.01", "240.00"]


def test_npl_at_and_above_the_threshold_hold_release_and_forfeit(tmp_path: Path) -> None:
    case = cases.npl_gate()
    # Each RM: 2020Q1 loan OLD 100,000 (e 150, thirds 15 due 2021Q1/2022Q1/2023Q1, all paid
    # before 2024) and 2024Q1 loan N 1,000,000: e = 1,500; D = 450 (thirds 150 due 2025Q1,
    # 2026Q1, 2027Q1); I = 1,050. OLD goes bad in 2024-03, after its window (2020-03 + 36 =
    # 2023-03), so it costs nothing; it only moves the NPL ratio at 2024-03:
    #   C1: 20,000.00 / (20,000.00 + 980,000.00) = 0.02 exactly: passes, nothing held
    #   C2: 20,000.01 / 1,000,000.01 = 0.0200000099…: above (shown 0.020000): I held
    #   C3: 30,000 / 1,000,000 = 0.03: I held
    assert rows(run(case, tmp_path, "2024Q1")) == {
        "C1": ("C1", "2024Q1", "junior", "good", "1.00", "0.020000",
               "6900.00", "1500.00", "0.00", "1500.00", "450.00", "1050.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "7950.00", "450.00"),
        "C2": ("C2", "2024Q1", "junior", "good", "1.00", "0.020000",
               "6900.00", "1500.00", "0.00", "1500.00", "450.00", "1050.00",
               "1050.00", "0.00", "0.00", "0.00", "0.00", "6900.00", "450.00"),
        "C3": ("C3", "2024Q1", "junior", "good", "1.00", "0.030000",
               "6900.00", "1500.00", "0.00", "1500.00", "450.00", "1050.00",
               "1050.00", "0.00", "0.00", "0.00", "0.00", "6900.00", "450.00"),
    }  # fmt: skip
    # 2024Q2: C2's ratio is 0 (OLD written off to 0.00): the held 1,050 is paid.
    # C3 stays at 0.03 (2024-06 … 2025-03), so nothing is released.
    got = rows(run(case, tmp_path, "2024Q2"))
    assert got["C2"][5:] == ("0.000000",
        "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "1050.00", "0.00", "0.00", "0.00", "7950.00", "450.00")  # fmt: skip
    assert got["C3"][5] == "0.030000"
    assert got["C3"][13] == "0.00"
    # 2025Q1 = Q+4, the hold window's last quarter, still above for C3: forfeited. All
    # three get their first third (150) of 2024Q1: total 6,900 + 150 = 7,050.
    got = rows(run(case, tmp_path, "2025Q1"))
    assert got["C3"] == ("C3", "2025Q1", "junior", "good", "1.00", "0.030000",
        "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "150.00", "0.00", "0.00", "7050.00", "300.00")  # fmt: skip
    assert got["C1"][17:] == got["C2"][17:] == ("7050.00", "300.00")
    # 2025Q2: C3's ratio is back to 0, but the forfeited part is gone.
    got = rows(run(case, tmp_path, "2025Q2"))
    assert got["C3"][5:] == ("0.000000",
        "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "0.00", "0.00", "0.00", "6900.00", "300.00")  # fmt: skip


def test_malus_window_order_and_a_leavers_clawback(tmp_path: Path) -> None:
    case = cases.clawback()
    # D1 (good throughout):
    #   2023Q2 K0 500,000: e 750; D 225 (75 due 2024Q2, 2025Q2, 2026Q2)
    #   2023Q3 K1 100,000 (e 150), K1B 9,900,000 (e 14,850): P 15,000; D 4,500 (1,500 due
    #          2024Q3, 2025Q3, 2026Q3)
    #   2024Q1 K3 300,000 (e 450), K3B 9,700,000 (e 14,550): P 15,000; D 4,500 (1,500 due
    #          2025Q1, 2026Q1, 2027Q1)
    # D2 (left 2024-05-15): 2024Q1 loan 1,000,000: e 1,500; D 450 (150 due 2025Q1, 2026Q1,
    #   2027Q1); I 1,050.
    got = rows(run(case, tmp_path, "2024Q2"))
    # D1: releases 2023Q2's first 75; balance 150 + 4,500 + 4,500 = 9,150
    assert got["D1"][6:] == ("6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "75.00", "0.00", "0.00", "6975.00", "9150.00")  # fmt: skip
    # D2's base: April 2,300.00; May 2,300 × 15/31 = 1,112.903… → 1,112.90; June 0
    assert got["D2"] == ("D2", "2024Q2", "junior", "", "", "0.000000",
        "3412.90", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "0.00", "0.00", "0.00", "3412.90", "450.00")  # fmt: skip
    # 2025Q1: D2 has left but gets the first third: a statement with base 0.
    got = rows(run(case, tmp_path, "2025Q1"))
    assert got["D2"] == ("D2", "2025Q1", "junior", "", "", "0.000000",
        "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "150.00", "0.00", "0.00", "150.00", "300.00")  # fmt: skip
    # 2025Q4: D2's loan first substandard in 2025-11 (window to 2024-03 + 36 = 2027-03):
    # cost 1,500 takes its own quarter's thirds, earliest due first (150 + 150 = 300 malus);
    # the rest is a negative line: clawback −1,200; total −1,200.
    got = rows(run(case, tmp_path, "2025Q4"))
    assert got["D2"] == ("D2", "2025Q4", "junior", "", "", "0.000000",
        "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "0.00", "300.00", "-1200.00", "-1200.00", "0.00")  # fmt: skip
    # D1 2025Q4: nothing due; balance 75 + 1,500 + 3,000 = 4,575
    assert got["D1"][17:] == ("6900.00", "4575.00")
    # 2026Q1: D2 has nothing left and no line: no statement.
    got = rows(run(case, tmp_path, "2026Q1"))
    assert set(got) == {"D1"}
    assert got["D1"][14:] == ("1500.00", "0.00", "0.00", "8400.00", "3075.00")
    # 2026Q3, D1's unreleased thirds: 2023Q3's third 1,500 (due now) and 2024Q1's third
    # 1,500 (due 2027Q1). Costs before releases, in order of first bad month:
    #   K3 (2026-08, e 450): its own quarter first → 2024Q1's third 1,500 → 1,050
    #   K1 (2026-09 = 2023-09 + 36, the window's last month, e 150): own → 2023Q3's third
    #       1,500 → 1,350
    #   K0 (2026-07 = 2023-06 + 37): one month too late, no cost
    # malus 600; the 1,350 left of the third due now is released; balance 1,050.
    # NPL at 2026-09: 80,000 / (80,000 + 7,920,000) = 0.01.
    got = rows(run(case, tmp_path, "2026Q3"))
    assert got == {
        "D1": ("D1", "2026Q3", "junior", "good", "1.00", "0.010000",
               "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
               "0.00", "0.00", "1350.00", "600.00", "0.00", "8250.00", "1050.00"),
    }  # fmt: skip


def test_malus_from_own_thirds_then_the_oldest_quarters(tmp_path: Path) -> None:
    case = cases.malus_sources()
    # H1 (good, junior): H-a 2023Q1 and H-b 2023Q2, 5,000,000 each: e 7,500, D 2,250
    # (thirds 750 due Q+4, Q+8, Q+12); H-c 2024Q3 1,000,000: e 1,500, D 450 (150 due 2025Q3,
    # 2026Q3, 2027Q3).
    # 2025Q2 releases H-b's second third (750); left: H-a's 750 (due 2026Q1), H-b's 750
    # (2026Q2), H-c's 450: balance 1,950.
    got = rows(run(case, tmp_path, "2025Q2"))
    assert got["H1"][14:] == ("750.00", "0.00", "0.00", "7650.00", "1950.00")
    # 2025Q3: H-c first substandard in 2025-08: cost 1,500, before releases:
    #   own quarter (2024Q3) earliest due first: 150 (due now) + 150 + 150 = 450
    #   then other quarters oldest first: 2023Q1's third 750 → 1,200; 2023Q2's: 300 of 750
    # malus 1,500, no clawback; the third due now was taken, nothing released; balance 450.
    got = rows(run(case, tmp_path, "2025Q3"))
    assert got["H1"] == ("H1", "2025Q3", "junior", "good", "1.00", "0.000000",
        "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
        "0.00", "0.00", "0.00", "1500.00", "0.00", "6900.00", "450.00")  # fmt: skip
    # 2026Q1: 2023Q1's last third is gone (0 released); 2026Q2: 450 left of 2023Q2's.
    # (Newest-first would release 450 in 2026Q1 and 0 in 2026Q2.)
    assert rows(run(case, tmp_path, "2026Q1"))["H1"][14:] == (
        "0.00", "0.00", "0.00", "6900.00", "450.00")  # fmt: skip
    assert rows(run(case, tmp_path, "2026Q2"))["H1"][14:] == (
        "450.00", "0.00", "0.00", "7350.00", "0.00")  # fmt: skip


def test_joiner_base_and_prorated_target(tmp_path: Path) -> None:
    # Hired 2024-02-10 (assistant, competent c = 0.80).
    # Base: January 0; February 1,800 × 20/29 = 1,241.379… → 1,241.38; March 1,800.00.
    # Loan 700,000 × 15‱ × 0.8 = 840.00.
    # Target q1 1,000,000.00 prorated as scoring does: in post 51 of the quarter's 91 days,
    # factor r4(51/91 = 0.560439…) = 0.5604, T = 560,400.00 (the unrounded factor would give
    # 560,439.56). Excess = (700,000 − 560,400) × 5‱ = 69.80.
    # P = 909.80; D = 272.94 (thirds r(90.98) = 90.98 ×3); I = 636.86.
    assert rows(run(cases.joiner(), tmp_path, "2024Q1")) == {
        "F1": ("F1", "2024Q1", "assistant", "competent", "0.80", "0.000000",
               "3041.38", "840.00", "69.80", "909.80", "272.94", "636.86",
               "0.00", "0.00", "0.00", "0.00", "0.00", "3678.24", "272.94"),
    }  # fmt: skip


def test_excess_reward_edges(tmp_path: Path) -> None:
    case = cases.excess()
    # T(2025Q2) = 5,000,000.00 from the sheet's q2 for E1–E4.
    # E1: V − T = 10.00 → 10 × 5‱ = 0.005 → 0.01; e = 5,000,010 × 15‱ = 7,500.015 → 7,500.02
    #     P 7,500.03; D r(2,250.009) = 2,250.01; I 5,250.02
    # E2: V − T = 9.99 → 0.004995 → 0.00; e = 7,500.014985 → 7,500.01; D r(2,250.003)
    #     = 2,250.00; I 5,250.01
    # E3: V − T = 0.01 → 0.00; e = 7,500.000015 → 7,500.00; D 2,250.00; I 5,250.00
    # E4: not competent: no reward; e = 6,000,000 × 15‱ × 0.5 = 4,500; D 1,350; I 3,150
    # E5: employed, no loans, no rating: base only.
    assert rows(run(case, tmp_path, "2025Q2")) == {
        "E1": ("E1", "2025Q2", "junior", "good", "1.00", "0.000000",
               "6900.00", "7500.02", "0.01", "7500.03", "2250.01", "5250.02",
               "0.00", "0.00", "0.00", "0.00", "0.00", "12150.02", "2250.01"),
        "E2": ("E2", "2025Q2", "junior", "good", "1.00", "0.000000",
               "6900.00", "7500.01", "0.00", "7500.01", "2250.00", "5250.01",
               "0.00", "0.00", "0.00", "0.00", "0.00", "12150.01", "2250.00"),
        "E3": ("E3", "2025Q2", "junior", "good", "1.00", "0.000000",
               "6900.00", "7500.00", "0.00", "7500.00", "2250.00", "5250.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "12150.00", "2250.00"),
        "E4": ("E4", "2025Q2", "junior", "not_competent", "0.50", "0.000000",
               "6900.00", "4500.00", "0.00", "4500.00", "1350.00", "3150.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "10050.00", "1350.00"),
        "E5": ("E5", "2025Q2", "junior", "", "", "0.000000",
               "6900.00", "0.00", "0.00", "0.00", "0.00", "0.00",
               "0.00", "0.00", "0.00", "0.00", "0.00", "6900.00", "0.00"),
    }  # fmt: skip
    # E5, annual 4,000,000.03 only: q1–q3 r(1,000,000.0075) = 1,000,000.01, Q4 the rest
    # 4,000,000.03 − 3,000,000.03 = 1,000,000.00. V = 1,000,010.00: V − T = 10.00 → 0.01.
    # e = 1,500.015 → 1,500.02; P 1,500.03; D r(450.009) = 450.01; I 1,050.02.
    got = rows(run(case, tmp_path, "2025Q4"))
    assert got["E5"] == ("E5", "2025Q4", "junior", "good", "1.00", "0.000000",
        "6900.00", "1500.02", "0.01", "1500.03", "450.01", "1050.02",
        "0.00", "0.00", "0.00", "0.00", "0.00", "7950.02", "450.01")  # fmt: skip


def test_missing_rating_is_an_error_naming_the_rm_and_quarter(tmp_path: Path) -> None:
    with pytest.raises(ref.MissingRating, match=r"G2 .*2025Q1"):
        run(cases.missing_rating(), tmp_path, "2025Q2")


def test_only_rms_employed_or_with_a_line_get_statements(tmp_path: Path) -> None:
    case = cases.joiner()
    # F1 was hired in 2024-02: nobody is employed in 2023Q4 (the team leader is no RM).
    case.periods = ["2023Q4"]
    assert run(case, tmp_path, "2023Q4") == []


@pytest.mark.parametrize("build", cases.GOLDEN, ids=lambda b: b.__name__)
def test_total_is_the_sum_of_its_lines(build: Callable[[], PayCase], tmp_path: Path) -> None:
    case = build()
    for period in case.periods:
        for s in run(case, tmp_path, period):
            assert s.performance_pay == s.loan_pay + s.excess_reward
            assert s.immediate == s.performance_pay - s.deferred
            assert s.total_paid == (
                s.base + s.immediate - s.held + s.held_released + s.deferral_released + s.clawback
            )


def test_round_half_up_goes_away_from_zero() -> None:
    from fractions import Fraction

    assert ref.round_half_up(Fraction("0.045")) == Fraction("0.05")
    assert ref.round_half_up(Fraction("-0.045")) == Fraction("-0.05")
    assert ref.round_half_up(Fraction("0.0449999")) == Fraction("0.04")
    assert ref.fmt(Fraction(0)) == "0.00"
    assert ref.fmt(Fraction("-1200")) == "-1200.00"
