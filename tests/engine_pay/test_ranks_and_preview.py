"""A rank per quarter (the app's confirmed promotions) and the one-quarter pay preview
(`quarter_pay`), computed by hand. Default plan: base per month junior 2,300.00,
intermediate 2,900.00; brackets 15‱ to 10,000,000.00, 18‱ to 30,000,000.00; coefficients
良好 1.00, 称职 0.80; excess 5‱ for 称职 or better."""

from __future__ import annotations

import pytest

from rmperf.engine.pay.compute import PayError, PayInputs, compute_pay, quarter_pay
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.targets import parse_target_sheet
from tests.engine_pay.helpers import PLAN, D, loan, person, q


def _inputs(ranks: dict[tuple[str, int], str]) -> PayInputs:
    return PayInputs(
        people={"A": person("A")},
        loans=[loan("A1", "A", "1000000.00", "2024-02-01")],
        npl={},
        first_bad={},
        ratings={("A", q("2024Q1")): Tier.GOOD},
        ranks=ranks,
    )


def test_the_base_follows_the_rank_of_the_quarter() -> None:
    # A is junior in the lake, intermediate from 2024Q2: 2024Q1 3 × 2,300.00 = 6,900.00;
    # 2024Q2 3 × 2,900.00 = 8,700.00. Loan pay of 2024Q1 is untouched by the rank:
    # 1,000,000.00 × 15‱ = 1,500.00 (良好, c = 1.00).
    out = compute_pay(
        _inputs({("A", q("2024Q2")): "intermediate"}), PLAN, first=q("2024Q1"), last=q("2024Q2")
    )
    q1, q2 = out[q("2024Q1")][0], out[q("2024Q2")][0]
    assert (q1.rank, q1.base, q1.loan_pay) == ("junior", D("6900.00"), D("1500.00"))
    assert (q2.rank, q2.base) == ("intermediate", D("8700.00"))


def test_an_unknown_rank_is_an_error_naming_the_rm_and_quarter() -> None:
    with pytest.raises(PayError, match="A in 2024Q2: 'captain'"):
        compute_pay(
            _inputs({("A", q("2024Q2")): "captain"}), PLAN, first=q("2024Q1"), last=q("2024Q2")
        )


def test_quarter_pay_under_two_tiers() -> None:
    # B (junior) in 2024Q1: B1 8,000,000.00 (Jan 10), B2 5,000,000.00 (Feb 20):
    # B1 8,000,000.00 × 15‱ = 12,000.00; B2 2,000,000.00 × 15‱ + 3,000,000.00 × 18‱ =
    # 8,400.00. Target 40,000,000.00 a year → 10,000,000.00 in Q1; V = 13,000,000.00:
    # excess (3,000,000.00) × 5‱ = 1,500.00 for 良好 and 称职, none for 不称职.
    # 良好: 20,400.00 + 1,500.00 = 21,900.00; 称职 (0.80): 9,600.00 + 6,720.00 + 1,500.00 =
    # 17,820.00; 不称职 (0.50): 6,000.00 + 4,200.00 = 10,200.00. Base 6,900.00.
    # A loan of another quarter (B3, 2024-04-01) is not paid.
    loans = [
        loan("B1", "B", "8000000.00", "2024-01-10"),
        loan("B2", "B", "5000000.00", "2024-02-20"),
        loan("B3", "B", "9000000.00", "2024-04-01"),
    ]
    sheet = parse_target_sheet(
        "staff_id,indicator,annual\nB,new_loans,40000000.00\n", source="t.csv"
    )
    b = person("B")
    good = quarter_pay(PLAN, b, loans, Tier.GOOD, q("2024Q1"), targets=sheet)
    competent = quarter_pay(PLAN, b, loans, Tier.COMPETENT, q("2024Q1"), targets=sheet)
    weak = quarter_pay(PLAN, b, loans, Tier.NOT_COMPETENT, q("2024Q1"), targets=sheet)
    assert (good.loan_pay, good.excess_reward, good.performance_pay) == (
        D("20400.00"), D("1500.00"), D("21900.00"),
    )  # fmt: skip
    assert competent.performance_pay == D("17820.00")
    assert (weak.excess_reward, weak.performance_pay) == (D("0.00"), D("10200.00"))
    assert good.base == D("6900.00") and good.cost == D("28800.00")
    promoted = quarter_pay(
        PLAN, b, loans, Tier.GOOD, q("2024Q1"), targets=sheet, rank="intermediate"
    )
    assert promoted.base == D("8700.00")
