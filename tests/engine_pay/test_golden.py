"""Golden cases at the boundaries of DOMAIN §6, computed by hand in the comments.

Default plan: brackets 0–10,000,000.00 at 15‱, to 30,000,000.00 at 18‱, above at 20‱;
coefficients 优秀 1.20, 良好 1.00, 称职 0.80, 不称职 0.50; excess 5‱; deferral 30 %
(material risk 40 %) in thirds after 4, 8 and 12 quarters; NPL threshold 2 %; hold 4
quarters; clawback window 36 months. Junior base 2,300.00 a month.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.engine.pay.compute import PayError
from rmperf.engine.pay.plan import BracketMode
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.targets import parse_target_sheet
from tests.engine_pay.helpers import PLAN, D, lines, loan, person, run

GOOD, OUT, COMP, NOT = Tier.GOOD, Tier.OUTSTANDING, Tier.COMPETENT, Tier.NOT_COMPETENT


def test_bracket_edges_to_the_cent() -> None:
    # Loans fill the brackets in (disbursed_on, loan_id) order, rating 良好 (c = 1.00):
    # A1 10,000,000.00 (Jan 10) fills bracket 1 exactly: × 15‱ = 15,000.00
    # A2 20,000,000.00 (Feb 1) fills bracket 2 exactly: × 18‱ = 36,000.00
    # A3 1,000.00 (Mar 1) is above 30,000,000.00: × 20‱ = 2.00
    # loan pay 51,002.00; D = round(51,002.00 × 30 %) = 15,300.60; thirds
    # round(15,300.60 / 3) = 5,100.20, 5,100.20, rest 5,100.20; I = 35,701.40.
    # Base 3 × 2,300.00 = 6,900.00; total paid 6,900.00 + 35,701.40 = 42,601.40.
    out = run(
        [person("A")],
        [
            loan("A3", "A", "1000.00", "2024-03-01"),
            loan("A1", "A", "10000000.00", "2024-01-10"),
            loan("A2", "A", "20000000.00", "2024-02-01"),
        ],
        {("A", "2024Q1"): GOOD},
        first="2024Q1",
        last="2024Q1",
    )
    st = out["2024Q1"]["A"]
    assert lines(st, "loan_pay") == [
        ("A1", D("15000.00")),
        ("A2", D("36000.00")),
        ("A3", D("2.00")),
    ]
    assert st.loan_pay == D("51002.00")
    assert st.deferred == D("15300.60")
    assert [a for _, a in lines(st, "deferred")] == [D("5100.20")] * 3
    assert st.immediate == D("35701.40")
    assert st.base == D("6900.00")
    assert st.total_paid == D("42601.40")
    assert st.deferral_balance == D("15300.60")
    assert st.coefficient == D("1.00")


def test_a_loan_straddling_two_brackets() -> None:
    # 优秀 (c = 1.20). B1 9,999,000.00 → 9,999,000.00 × 15‱ = 14,998.50 × 1.20 = 17,998.20.
    # B2 3,000.00 straddles: 1,000.00 × 15‱ = 1.50 and 2,000.00 × 18‱ = 3.60, sum 5.10
    # × 1.20 = 6.12.
    out = run(
        [person("B")],
        [
            loan("B1", "B", "9999000.00", "2024-01-05"),
            loan("B2", "B", "3000.00", "2024-01-06"),
        ],
        {("B", "2024Q1"): OUT},
        first="2024Q1",
        last="2024Q1",
    )
    st = out["2024Q1"]["B"]
    assert lines(st, "loan_pay") == [("B1", D("17998.20")), ("B2", D("6.12"))]
    b2 = next(ln for ln in st.lines if ln.loan_id == "B2")
    assert b2.portions == "1000.00 × 15‱ + 2000.00 × 18‱"


def test_the_volume_restarts_each_quarter() -> None:
    # 9,000,000.00 in Q1 and 2,000,000.00 in Q2: Q2 starts again at 0, all at 15‱:
    # 2,000,000.00 × 15‱ = 3,000.00 (not 1,000,000 at 15‱ + 1,000,000 at 18‱ = 3,300.00).
    out = run(
        [person("V")],
        [loan("V1", "V", "9000000.00", "2024-03-31"), loan("V2", "V", "2000000.00", "2024-04-01")],
        {("V", "2024Q1"): GOOD, ("V", "2024Q2"): GOOD},
        first="2024Q1",
        last="2024Q2",
    )
    assert out["2024Q2"]["V"].loan_pay == D("3000.00")


def test_half_cent_rounding_per_loan() -> None:
    # 良好: two loans of 1,030.00: each 1,030.00 × 15‱ = 1.545 → 1.55 (half up; half-even
    # would give 1.54), loan pay 3.10 — not round(2,060.00 × 15‱ = 3.09).
    # D = round(3.10 × 0.3 = 0.93) = 0.93; thirds round(0.31) = 0.31, 0.31, rest 0.31.
    out = run(
        [person("C")],
        [loan("C1", "C", "1030.00", "2024-01-02"), loan("C2", "C", "1030.00", "2024-01-03")],
        {("C", "2024Q1"): GOOD},
        first="2024Q1",
        last="2024Q1",
    )
    st = out["2024Q1"]["C"]
    assert lines(st, "loan_pay") == [("C1", D("1.55")), ("C2", D("1.55"))]
    assert st.loan_pay == D("3.10")
    assert st.deferred == D("0.93")


def test_whole_mode_uses_the_bracket_holding_the_volume() -> None:
    # whole: V = 10,000,000.00 exactly sits in bracket 1 (a bracket holds its bound):
    # 4,000,000.00 × 15‱ = 6,000.00 and 6,000,000.00 × 15‱ = 9,000.00. One cent more
    # (V = 10,000,000.01) puts every loan at 18‱: 4,000,000.00 × 18‱ = 7,200.00 and
    # 6,000,000.01 × 18‱ = 10,800.000018 → 10,800.00.
    plan = PLAN.model_copy(
        update={"loan_pay": PLAN.loan_pay.model_copy(update={"mode": BracketMode.WHOLE})}
    )
    ratings = {("W", "2024Q1"): GOOD, ("X", "2024Q1"): GOOD}
    out = run(
        [person("W"), person("X")],
        [
            loan("W1", "W", "4000000.00", "2024-01-02"),
            loan("W2", "W", "6000000.00", "2024-01-03"),
            loan("X1", "X", "4000000.00", "2024-01-02"),
            loan("X2", "X", "6000000.01", "2024-01-03"),
        ],
        ratings,
        first="2024Q1",
        last="2024Q1",
        plan=plan,
    )
    assert lines(out["2024Q1"]["W"], "loan_pay") == [("W1", D("6000.00")), ("W2", D("9000.00"))]
    assert lines(out["2024Q1"]["X"], "loan_pay") == [("X1", D("7200.00")), ("X2", D("10800.00"))]


def test_thirds_rounding() -> None:
    # 良好: 222,220.00 × 15‱ = 333.33; D = round(333.33 × 0.30 = 99.999) = 100.00;
    # thirds round(33.333…) = 33.33, 33.33 and the rest 33.34, due 2025Q1, 2026Q1, 2027Q1;
    # I = 233.33. Material risk (40 %): D = round(133.332) = 133.33; thirds 44.44, 44.44,
    # 44.45; I = 200.00.
    out = run(
        [person("T"), person("R", material_risk=True)],
        [loan("T1", "T", "222220.00", "2024-02-01"), loan("R1", "R", "222220.00", "2024-02-01")],
        {("T", "2024Q1"): GOOD, ("R", "2024Q1"): GOOD},
        first="2024Q1",
        last="2024Q1",
    )
    t = out["2024Q1"]["T"]
    assert t.deferred == D("100.00")
    parts = [(ln.part, ln.due_period, ln.amount) for ln in t.lines if ln.line == "deferred"]
    assert parts == [
        (1, "2025Q1", D("33.33")),
        (2, "2026Q1", D("33.33")),
        (3, "2027Q1", D("33.34")),
    ]
    assert t.immediate == D("233.33")
    r = out["2024Q1"]["R"]
    assert r.deferred == D("133.33")
    assert [a for _, a in lines(r, "deferred")] == [D("44.44"), D("44.44"), D("44.45")]
    assert r.immediate == D("200.00")


def test_thirds_are_released_on_schedule() -> None:
    # The thirds of 2024Q1 (33.33, 33.33, 33.34) come out in 2025Q1, 2026Q1 and 2027Q1;
    # the balance falls 100.00 → 66.67 → 33.34 → 0.00. No loans after Q1: only base.
    out = run(
        [person("T")],
        [loan("T1", "T", "222220.00", "2024-02-01")],
        {("T", "2024Q1"): GOOD},
        first="2024Q1",
        last="2027Q1",
    )
    assert out["2024Q4"]["T"].deferral_balance == D("100.00")
    assert out["2025Q1"]["T"].deferral_released == D("33.33")
    assert out["2025Q1"]["T"].deferral_balance == D("66.67")
    assert out["2026Q1"]["T"].deferral_released == D("33.33")
    assert out["2027Q1"]["T"].deferral_released == D("33.34")
    assert out["2027Q1"]["T"].deferral_balance == D("0.00")
    assert out["2025Q1"]["T"].total_paid == D("6900.00") + D("33.33")


def test_npl_exactly_at_and_just_above_the_threshold() -> None:
    # 良好, one loan of 1,000,000.00 each: e = 1,500.00, D = 450.00, I = 1,050.00.
    # P: 2.00 / 100.00 = 2.00 % exactly → passes, held 0.
    # Q: 2.01 / 100.00 = 2.01 % → the whole I = 1,050.00 held; total = 6,900.00 + 1,050.00
    #    − 1,050.00 = 6,900.00. Z: 200.01 / 10,000.00 = 2.0001 % → held (exact compare).
    people = [person("P"), person("Q"), person("Z")]
    loans = [loan(f"{s}1", s, "1000000.00", "2024-01-15") for s in "PQZ"]
    out = run(
        people,
        loans,
        {(s, "2024Q1"): GOOD for s in "PQZ"},
        first="2024Q1",
        last="2024Q1",
        npl={
            ("P", "2024-03"): ("2.00", "100.00"),
            ("Q", "2024-03"): ("2.01", "100.00"),
            ("Z", "2024-03"): ("200.01", "10000.00"),
        },
    )
    p, qq, z = (out["2024Q1"][s] for s in "PQZ")
    assert p.npl_ratio == D("0.02")
    assert p.held == D("0.00")
    assert p.total_paid == D("6900.00") + D("1050.00")
    assert qq.held == D("1050.00")
    assert qq.total_paid == D("6900.00")
    assert z.held == D("1050.00")
    assert z.npl_ratio == D("0.020001")


def test_a_hold_released_and_one_forfeited() -> None:
    # Both earn I = 1,050.00 in 2024Q1 with NPL 3 % (held).
    # H: 3 % again in 2024Q2, 1 % in 2024Q3 → released in 2024Q3 (the first quarter at or
    #    under 2 %): held_released 1,050.00, total 6,900.00 + 1,050.00 = 7,950.00.
    # F: 3 % in each of 2024Q2 … 2025Q1 (the 4 quarters after) → forfeited in 2025Q1:
    #    a held_forfeited line of 1,050.00, not part of total paid: 6,900.00 + the first
    #    deferred third of 2024Q1 (D = 450.00 → 150.00) released that quarter = 7,050.00.
    npl = {}
    for qk, month in (("2024Q1", "03"), ("2024Q2", "06"), ("2024Q3", "09"), ("2024Q4", "12")):
        year = qk[:4]
        npl[("F", f"{year}-{month}")] = ("3.00", "100.00")
        npl[("H", f"{year}-{month}")] = ("3.00", "100.00")
    npl[("H", "2024-09")] = ("1.00", "100.00")
    npl[("F", "2025-03")] = ("3.00", "100.00")
    out = run(
        [person("H"), person("F")],
        [loan("H1", "H", "1000000.00", "2024-01-15"), loan("F1", "F", "1000000.00", "2024-01-15")],
        {("H", "2024Q1"): GOOD, ("F", "2024Q1"): GOOD},
        first="2024Q1",
        last="2025Q2",
        npl=npl,
    )
    assert out["2024Q1"]["H"].held == D("1050.00")
    assert out["2024Q2"]["H"].held_released == D("0.00")
    assert out["2024Q3"]["H"].held_released == D("1050.00")
    assert out["2024Q3"]["H"].total_paid == D("7950.00")
    assert out["2024Q4"]["H"].held_released == D("0.00")
    for qk in ("2024Q2", "2024Q3", "2024Q4"):
        assert out[qk]["F"].held_released == D("0.00")
        assert lines(out[qk]["F"], "held_forfeited") == []
    f5 = out["2025Q1"]["F"]
    assert lines(f5, "held_forfeited") == [("2024Q1", D("1050.00"))]
    assert f5.held_released == D("0.00")
    assert f5.deferral_released == D("150.00")
    assert f5.total_paid == D("7050.00")
    # Nothing left to release once the window is over, whatever the ratio.
    assert out["2025Q2"]["F"].held_released == D("0.00")


def test_the_clawback_windows_last_month() -> None:
    # Two 2023Q3 loans of 1,000,000.00 (良好): e = 1,500.00 each; D = round(3,000.00 × 0.3)
    # = 900.00 in thirds of 300.00 due 2024Q3, 2025Q3, 2026Q3. The window ends at
    # 2023-09 + 36 months = 2026-09.
    # K1 first substandard in 2026-09 (counts): cost 1,500.00 in 2026Q3 taken from the
    #    only unreleased third (2026Q3's, due this very quarter, costs come first): 300.00
    #    malus, 1,200.00 clawback; nothing left to release.
    # K2 first substandard in 2026-10 (+37 months): no cost, in 2026Q4 or ever.
    out = run(
        [person("K")],
        [
            loan("K1", "K", "1000000.00", "2023-07-01"),
            loan("K2", "K", "1000000.00", "2023-07-02"),
        ],
        {("K", "2023Q3"): GOOD},
        first="2023Q3",
        last="2026Q4",
        first_bad={"K1": "2026-09", "K2": "2026-10"},
    )
    assert out["2024Q3"]["K"].deferral_released == D("300.00")
    assert out["2025Q3"]["K"].deferral_released == D("300.00")
    k = out["2026Q3"]["K"]
    assert k.malus == D("300.00")
    assert k.clawback == D("-1200.00")
    assert k.deferral_released == D("0.00")
    assert k.deferral_balance == D("0.00")
    assert k.total_paid == D("6900.00") - D("1200.00")
    assert out["2026Q4"]["K"].malus == D("0.00")
    assert out["2026Q4"]["K"].clawback == D("0.00")


def test_malus_order_across_quarters_and_a_clawback_beyond_the_deferral() -> None:
    # 良好 at 15‱. 2024Q1 M1 2,000,000.00: e 3,000.00, D 900.00 = 300 × 3 (due 2025Q1,
    # 2026Q1, 2027Q1). 2024Q2 M2 1,000,000.00: e 1,500.00, D 450.00 = 150 × 3. 2024Q3 M3
    # 100,000.00: e 150.00, D 45.00 = 15 × 3.
    # In 2024Q4 M3 goes bad in 2024-10 and M2 in 2024-11: costs in order of m.
    # M3 (150.00): its own 2024Q3 thirds 15 + 15 + 15 = 45, then the oldest quarter's
    #   (2024Q1) earliest third: 105 → 2024Q1 part 1 has 195 left.
    # M2 (1,500.00): own 2024Q2 thirds 450, then 2024Q1: 195 + 300 + 300 = 795; taken
    #   1,245, rest 255.00 is a clawback.
    # malus 150 + 1,245 = 1,395.00; clawback −255.00; balance 0.00.
    out = run(
        [person("M")],
        [
            loan("M1", "M", "2000000.00", "2024-01-10"),
            loan("M2", "M", "1000000.00", "2024-04-10"),
            loan("M3", "M", "100000.00", "2024-07-10"),
        ],
        {("M", k): GOOD for k in ("2024Q1", "2024Q2", "2024Q3")},
        first="2024Q1",
        last="2025Q1",
        first_bad={"M3": "2024-10", "M2": "2024-11"},
    )
    st = out["2024Q4"]["M"]
    taken = [
        (ln.loan_id, ln.source_period, ln.part, ln.amount) for ln in st.lines if ln.line == "malus"
    ]
    assert taken == [
        ("M3", "2024Q3", 1, D("15.00")),
        ("M3", "2024Q3", 2, D("15.00")),
        ("M3", "2024Q3", 3, D("15.00")),
        ("M3", "2024Q1", 1, D("105.00")),
        ("M2", "2024Q2", 1, D("150.00")),
        ("M2", "2024Q2", 2, D("150.00")),
        ("M2", "2024Q2", 3, D("150.00")),
        ("M2", "2024Q1", 1, D("195.00")),
        ("M2", "2024Q1", 2, D("300.00")),
        ("M2", "2024Q1", 3, D("300.00")),
    ]
    assert st.malus == D("1395.00")
    assert lines(st, "clawback") == [("M2", D("-255.00"))]
    assert st.deferral_balance == D("0.00")
    assert st.total_paid == D("6900.00") - D("255.00")
    # 2025Q1: the first third of 2024Q1 was taken: nothing is released.
    assert out["2025Q1"]["M"].deferral_released == D("0.00")


def test_a_loan_that_goes_bad_in_its_own_quarter() -> None:
    # 良好: N1 1,000,000.00 in 2024-01, substandard in 2024-03. e = 1,500.00, D = 450.00,
    # I = 1,050.00. The quarter's own thirds are not yet available and there is no older
    # deferral: the whole 1,500.00 is a clawback. Total 6,900.00 + 1,050.00 − 1,500.00 =
    # 6,450.00; the balance keeps the 450.00 just deferred.
    out = run(
        [person("N")],
        [loan("N1", "N", "1000000.00", "2024-01-10")],
        {("N", "2024Q1"): GOOD},
        first="2024Q1",
        last="2024Q1",
        first_bad={"N1": "2024-03"},
    )
    st = out["2024Q1"]["N"]
    assert st.malus == D("0.00")
    assert st.clawback == D("-1500.00")
    assert st.total_paid == D("6450.00")
    assert st.deferral_balance == D("450.00")


def test_a_leavers_clawback_and_releases() -> None:
    # L left on 2024-06-30. 2024Q1: L1 1,000,000.00 (良好) e 1,500.00, D 450.00 = 150 × 3;
    # L2 100,000.00 e 150.00 — together D = round(1,650.00 × 0.3) = 495.00 = 165 × 3.
    # L2 goes bad in 2025-02: cost 150.00 in 2025Q1, taken from 2024Q1's first third (due
    # this quarter, still unreleased): 165 − 150 = 15.00 is released. A statement for the
    # leaver (no base): malus 150.00, released 15.00, total 15.00.
    # L1 goes bad in 2026-02: cost 1,500.00 in 2026Q1, from 2024Q1's thirds still out: the
    # one due this quarter (165.00, costs come before releases) and the one due 2027Q1
    # (165.00): malus 330.00, clawback −1,170.00, nothing released: total −1,170.00.
    # 2024Q3: employed on no day, no line: no statement.
    out = run(
        [person("L", left="2024-06-30")],
        [loan("L1", "L", "1000000.00", "2024-01-10"), loan("L2", "L", "100000.00", "2024-01-11")],
        {("L", "2024Q1"): GOOD},
        first="2024Q1",
        last="2026Q1",
        first_bad={"L2": "2025-02", "L1": "2026-02"},
    )
    assert "L" in out["2024Q2"]
    assert "L" not in out["2024Q3"]
    a = out["2025Q1"]["L"]
    assert (a.base, a.malus, a.deferral_released, a.total_paid) == (
        D("0.00"),
        D("150.00"),
        D("15.00"),
        D("15.00"),
    )
    b = out["2026Q1"]["L"]
    assert (b.malus, b.clawback, b.deferral_released, b.total_paid, b.deferral_balance) == (
        D("330.00"),
        D("-1170.00"),
        D("0.00"),
        D("-1170.00"),
        D("0.00"),
    )


def test_a_joiners_prorated_base_and_target() -> None:
    # J joins on 2024-02-10 (2024 is a leap year): January 0 days; February 20 of 29 days:
    # 2,300.00 × 20 / 29 = 1,586.2068… → 1,586.21; March whole: 2,300.00; base 3,886.21.
    # Target: annual new_loans 4,000,000.00 → Q1 1,000,000.00, × joiner factor 51/91 =
    # 0.56043… → 0.5604 (4 places, as scoring): T = 560,400.00. V = 600,000.00 (称职):
    # loan pay 600,000.00 × 15‱ × 0.80 = 720.00; excess (600,000.00 − 560,400.00) × 5‱ =
    # 19.80. P = 739.80; D = round(221.94) = 221.94; I = 517.86.
    sheet = parse_target_sheet(
        "staff_id,indicator,annual\nJ,new_loans,4000000\nU,new_loans,4000000\n",
        source="t.csv",
    )
    out = run(
        [person("J", hired="2024-02-10"), person("U")],
        [loan("J1", "J", "600000.00", "2024-03-01"), loan("U1", "U", "1100000.00", "2024-03-01")],
        {("J", "2024Q1"): COMP, ("U", "2024Q1"): NOT},
        first="2024Q1",
        last="2024Q1",
        targets=sheet,
    )
    j = out["2024Q1"]["J"]
    assert lines(j, "base") == [("2024-02", D("1586.21")), ("2024-03", D("2300.00"))]
    assert j.base == D("3886.21")
    assert j.loan_pay == D("720.00")
    assert j.excess_reward == D("19.80")
    assert j.performance_pay == D("739.80")
    assert j.deferred == D("221.94")
    assert j.immediate == D("517.86")
    # U beats the full target (1,100,000.00 > 1,000,000.00) but is 不称职: no reward.
    assert out["2024Q1"]["U"].excess_reward == D("0.00")


def test_no_target_row_no_reward() -> None:
    out = run(
        [person("E")],
        [loan("E1", "E", "50000000.00", "2024-03-01")],
        {("E", "2024Q1"): OUT},
        first="2024Q1",
        last="2024Q1",
    )
    assert out["2024Q1"]["E"].excess_reward == D("0.00")


def test_a_missing_rating_is_an_error_naming_the_rm_and_quarter() -> None:
    with pytest.raises(PayError, match="Y in 2024Q2"):
        run(
            [person("Y")],
            [loan("Y1", "Y", "1000.00", "2024-01-02"), loan("Y2", "Y", "1000.00", "2024-05-02")],
            {("Y", "2024Q1"): GOOD},
            first="2024Q1",
            last="2024Q2",
        )


def test_a_statement_without_loans_shows_no_rating() -> None:
    out = run([person("O")], [], {}, first="2024Q1", last="2024Q1")
    st = out["2024Q1"]["O"]
    assert (st.rating, st.coefficient, st.npl_ratio) == (None, None, Decimal(0))
    assert st.total_paid == D("6900.00")


def test_costs_of_one_month_go_in_loan_id_order() -> None:
    # 良好. 2024Q1: G1 1,000,000.00 → e 1,500.00, D 450.00 = 150.00 × 3. 2024Q2: GB and GA,
    # 100,000.00 each (GB disbursed first) → e 150.00 each; D = round(300.00 × 0.3) = 90.00
    # = 30.00 × 3. Both go bad in 2024-12: the costs go GA, then GB (loan_id order).
    # GA (150.00): its own 2024Q2 thirds 30 + 30 + 30 = 90, then 2024Q1's first third 60.
    # GB (150.00): its own quarter's thirds are gone; 2024Q1: 90 left of the first, 60 of
    # the second. malus 300.00, no clawback; balance 450 + 90 − 300 = 240.00.
    out = run(
        [person("G")],
        [
            loan("G1", "G", "1000000.00", "2024-01-10"),
            loan("GB", "G", "100000.00", "2024-04-01"),
            loan("GA", "G", "100000.00", "2024-04-02"),
        ],
        {("G", "2024Q1"): GOOD, ("G", "2024Q2"): GOOD},
        first="2024Q1",
        last="2024Q4",
        first_bad={"GB": "2024-12", "GA": "2024-12"},
    )
    st = out["2024Q4"]["G"]
    taken = [
        (ln.loan_id, ln.source_period, ln.part, ln.amount) for ln in st.lines if ln.line == "malus"
    ]
    assert taken == [
        ("GA", "2024Q2", 1, D("30.00")),
        ("GA", "2024Q2", 2, D("30.00")),
        ("GA", "2024Q2", 3, D("30.00")),
        ("GA", "2024Q1", 1, D("60.00")),
        ("GB", "2024Q1", 1, D("90.00")),
        ("GB", "2024Q1", 2, D("60.00")),
    ]
    assert (st.malus, st.clawback, st.deferral_balance) == (
        D("300.00"),
        D("0.00"),
        D("240.00"),
    )


def test_the_sheets_quarter_figure_is_the_target() -> None:
    # Quarter figures 1,000,000 / 2,000,000 / 3,000,000 / 4,000,000 (annual 10,000,000):
    # Q2's T is 2,000,000.00, not a quarter of the annual (2,500,000.00). V = 2,400,000.00
    # (良好): excess (2,400,000.00 − 2,000,000.00) × 5‱ = 200.00. A row for 2025 does not
    # apply to 2024: no reward for S.
    sheet = parse_target_sheet(
        "staff_id,indicator,annual,q1,q2,q3,q4,year\n"
        "E,new_loans,10000000,1000000,2000000,3000000,4000000,\n"
        "S,new_loans,1000,,,,,2025\n",
        source="t.csv",
    )
    out = run(
        [person("E"), person("S")],
        [loan("E1", "E", "2400000.00", "2024-05-01"), loan("S1", "S", "2400000.00", "2024-05-01")],
        {("E", "2024Q2"): GOOD, ("S", "2024Q2"): GOOD},
        first="2024Q2",
        last="2024Q2",
        targets=sheet,
    )
    assert out["2024Q2"]["E"].excess_reward == D("200.00")
    assert out["2024Q2"]["S"].excess_reward == D("0.00")
