"""Hand-made boundary lakes of DOMAIN §6. The expected statements, computed by hand, are in
test_oracle_golden.py; the comparison test runs the real command on the same lakes."""

from __future__ import annotations

from tests.engine_pay.oracle.lakegen import RM, PayCase, target_row


def brackets() -> PayCase:
    """Bracket edges to the cent, a loan straddling two brackets, ties on disbursed_on, and
    a loan that goes bad in its own quarter (a clawback in the quarter that paid it)."""
    case = PayCase(
        "brackets",
        staff=[RM("A1", rank="junior"), RM("A2", rank="senior")],
        periods=["2025Q1"],
    )
    case.rate("A1", "2025Q1", "2025Q1", "good").rate("A2", "2025Q1", "2025Q1", "outstanding")
    case.loan("A1-L1", "A1", "6000000.00", "2025-01-10")
    case.loan("A1-L2", "A1", "4000000.00", "2025-02-01")  # running sum exactly 10,000,000.00
    case.loan("A1-L3", "A1", "0.01", "2025-02-01")  # same day, after A1-L2 by loan_id
    case.loan("A1-L4", "A1", "20000000.00", "2025-03-01")  # 10,000,000.01 → 30,000,000.01
    case.loan("A2-LB", "A2", "9000000.00", "2025-01-20")
    case.loan("A2-LA", "A2", "2000000.00", "2025-01-20")  # same day: LA fills first
    case.state("A2-LB", "2025-02", "9000000.00", "substandard")
    return case


def half_cents() -> PayCase:
    """Half-cent loan pay rounded per loan, the thirds' rounding, material-risk deferral."""
    case = PayCase(
        "half_cents",
        staff=[
            RM("B1", rank="junior"),
            RM("B2", rank="assistant", material_risk=True),
            RM("B3", rank="intermediate", material_risk=True),
        ],
        periods=["2024Q2", "2025Q2", "2026Q2"],
    )
    case.rate("B1", "2024Q2", "2024Q2", "good")
    case.rate("B2", "2024Q2", "2024Q2", "competent")
    case.rate("B3", "2024Q2", "2024Q2", "outstanding")
    case.loan("B1-1", "B1", "30.00", "2024-04-02")
    case.loan("B1-2", "B1", "30.00", "2024-04-03")
    case.loan("B1-3", "B1", "30.00", "2024-04-04")
    case.loan("B2-1", "B2", "12.50", "2024-05-31")
    case.loan("B3-1", "B3", "1000000.00", "2024-06-30")
    return case


def npl_gate() -> PayCase:
    """NPL at exactly 2% (passes), just above (held, released next quarter), and held through
    the whole window (forfeited). The bad loans are 2020Q1's, long out of the clawback window."""
    case = PayCase(
        "npl_gate",
        staff=[RM("C1"), RM("C2"), RM("C3")],
        periods=["2024Q1", "2024Q2", "2025Q1", "2025Q2"],
    )
    for sid in ("C1", "C2", "C3"):
        case.rate(sid, "2020Q1", "2025Q2", "good")
        case.loan(f"{sid}-OLD", sid, "100000.00", "2020-02-10")
        case.loan(f"{sid}-N", sid, "1000000.00", "2024-01-15")
    case.state("C1-OLD", "2024-03", "20000.00", "substandard")
    case.state("C1-N", "2024-03", "980000.00")
    case.state("C2-OLD", "2024-03", "20000.01", "substandard")
    case.state("C2-N", "2024-03", "980000.00")
    case.state("C2-OLD", "2024-06", "0.00", "loss")
    case.state("C2-N", "2024-06", "970000.00")
    for month in ("2024-03", "2024-06", "2024-09", "2024-12", "2025-03"):
        case.state("C3-OLD", month, "30000.00", "doubtful")
        case.state("C3-N", month, "970000.00")
    case.state("C3-OLD", "2025-06", "0.00", "loss")
    case.state("C3-N", "2025-06", "900000.00")
    return case


def clawback() -> PayCase:
    """Malus at the window's last month and none one month after; costs before releases and
    from the loan's own quarter first; a mid-month leaver's release and clawback."""
    case = PayCase(
        "clawback",
        staff=[RM("D1"), RM("D2", left_on="2024-05-15")],
        periods=["2024Q2", "2025Q1", "2025Q4", "2026Q1", "2026Q2", "2026Q3"],
    )
    case.rate("D1", "2023Q2", "2026Q3", "good").rate("D2", "2024Q1", "2024Q1", "good")
    case.loan("D1-K0", "D1", "500000.00", "2023-05-05")
    case.loan("D1-K1", "D1", "100000.00", "2023-07-03")
    case.loan("D1-K1B", "D1", "9900000.00", "2023-07-04")
    case.loan("D1-K3", "D1", "300000.00", "2024-02-20")
    case.loan("D1-K3B", "D1", "9700000.00", "2024-03-01")
    case.state("D1-K0", "2026-07", "400000.00", "substandard")  # 2023-06 + 37: too late
    case.state("D1-K3", "2026-08", "250000.00", "substandard")
    case.state("D1-K1", "2026-09", "80000.00", "substandard")  # 2023-09 + 36: last month
    case.state("D1-K1B", "2026-09", "7920000.00")
    case.loan("D2-1", "D2", "1000000.00", "2024-01-10")
    case.state("D2-1", "2025-11", "800000.00", "substandard")
    return case


def malus_sources() -> PayCase:
    """A cost larger than its own quarter's thirds: own thirds first (the one due this very
    quarter included), then other quarters' thirds, oldest quarter first."""
    case = PayCase(
        "malus_sources",
        staff=[RM("H1")],
        periods=["2025Q2", "2025Q3", "2026Q1", "2026Q2"],
    )
    case.rate("H1", "2023Q1", "2026Q2", "good")
    case.loan("H-a", "H1", "5000000.00", "2023-02-01")
    case.loan("H-b", "H1", "5000000.00", "2023-05-01")
    case.loan("H-c", "H1", "1000000.00", "2024-08-01")
    case.state("H-c", "2025-08", "900000.00", "substandard")
    return case


def joiner() -> PayCase:
    """A mid-month joiner: prorated base, and a new_loans target prorated as scoring does."""
    case = PayCase(
        "joiner",
        staff=[RM("F1", rank="assistant", hired_on="2024-02-10")],
        periods=["2024Q1"],
    )
    case.rate("F1", "2024Q1", "2024Q1", "competent")
    case.loan("F1-1", "F1", "700000.00", "2024-03-01")
    case.targets.append(
        target_row(
            "F1",
            "4000000.00",
            year="2024",
            quarters=["1000000.00", "1000000.00", "1000000.00", "1000000.00"],
        )
    )
    return case


def excess() -> PayCase:
    """V − T at 10.00 (a half cent of reward), 9.99 and 0.01; a not-competent RM above
    target; an annual-only target whose fourth quarter takes the remainder."""
    case = PayCase(
        "excess",
        staff=[RM("E1"), RM("E2"), RM("E3"), RM("E4"), RM("E5")],
        periods=["2025Q2", "2025Q4"],
    )
    for sid in ("E1", "E2", "E3"):
        case.rate(sid, "2025Q2", "2025Q2", "good")
    case.rate("E4", "2025Q2", "2025Q2", "not_competent").rate("E5", "2025Q4", "2025Q4", "good")
    case.loan("E1-1", "E1", "5000010.00", "2025-05-05")
    case.loan("E2-1", "E2", "5000009.99", "2025-05-05")
    case.loan("E3-1", "E3", "5000000.01", "2025-05-05")
    case.loan("E4-1", "E4", "6000000.00", "2025-05-05")
    case.loan("E5-1", "E5", "1000010.00", "2025-11-11")
    quarters = ["0.00", "5000000.00", "0.00", "0.00"]
    for sid in ("E1", "E2", "E3", "E4"):
        case.targets.append(target_row(sid, "5000000.00", year="2025", quarters=quarters))
    case.targets.append(target_row("E5", "4000000.03", year="2025"))
    # a later row for another year must not replace E5's 2025 row (one sheet, many years)
    case.targets.append(target_row("E5", "100.00", year="2024"))
    return case


def missing_rating() -> PayCase:
    """A quarter with loans and no rating: exit 2 naming the RM and the quarter."""
    case = PayCase("missing_rating", staff=[RM("G1"), RM("G2")], periods=["2025Q2"])
    case.rate("G1", "2025Q1", "2025Q2", "good").rate("G2", "2025Q2", "2025Q2", "good")
    case.loan("G1-1", "G1", "100000.00", "2025-01-15")
    case.loan("G2-1", "G2", "100000.00", "2025-02-15")  # G2 has no 2025Q1 rating
    return case


GOLDEN = (brackets, half_cents, npl_gate, clawback, malus_sources, joiner, excess)
