"""Golden tests: every indicator on the hand-built bank (tests/engine_indicators/bank.py).

Each expectation is worked out by hand in the comment beside it, from the rows in
bank.py; `q(n, d)` rounds n ÷ d half up to 6 places, the library's one rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pyarrow as pa
import pytest

from rmperf.engine.indicators import (
    LIBRARY as FULL_LIBRARY,
)
from rmperf.engine.indicators import (
    ROWS_SCHEMA,
    VALUES_SCHEMA,
    compute_indicators,
    indicator_rows,
    indicator_rows_many,
)
from rmperf.engine.indicators.compute import divide
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank

#: The lake's indicators; the offer_* ones need the offers input (test_offers.py).
LIBRARY = {k: v for k, v in FULL_LIBRARY.items() if not v.offers}
Q3 = Period.parse("2026Q3")
D, DP = 92, 91  # days of 2026Q3 and of 2026Q2
# Working days of 2026Q3 in mainland China: 66 weekdays (Jul 23, Aug 21, Sep 22), minus
# Fri 25 Sep (Mid-Autumn Festival), plus Sun 20 Sep (make-up day for National Day), per
# the State Council's 2026 holiday notice.
WD = 66


def q(numerator: int | str | Decimal, denominator: int | str | Decimal = 1) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(numerator) / Decimal(denominator)
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


# (staff, indicator) → value. Anything not listed is 0 (sum indicators) or NULL (ratios).
EXPECTED: dict[tuple[str, str], Decimal | None] = {
    # -- RM1. Deposit balance-days: C1 120,000×31 + 120,000×31 + 130,000×30 = 11,340,000
    # (September's 400,000 month-end is not used); C2 until 15 Aug: 60,000×31 + 62,000×15
    # = 2,790,000. Σ 14,130,000 over D = 92.
    ("RM1", "deposit_avg_balance"): q(14_130_000, D),
    # Growth, base moving with the customer: 14,130,000×91 − (C1 92 days × 9,100,000 +
    # C2 46 days × 4,550,000) − C3 (left, base kept) 910,000 × 92, over 92×91.
    ("RM1", "deposit_avg_growth"): q(
        14_130_000 * DP - 92 * 9_100_000 - 46 * 4_550_000 - 910_000 * D, D * DP
    ),
    # AUM adds C1's wealth, 200,000 × 92 days = 18,400,000 (none in Q2).
    ("RM1", "aum_avg_balance"): q(32_530_000, D),
    ("RM1", "aum_avg_growth"): q(
        32_530_000 * DP - 92 * 9_100_000 - 46 * 4_550_000 - 910_000 * D, D * DP
    ),
    ("RM1", "new_loans"): Decimal("1600000"),  # L1 1,000,000 + L2 500,000 + L4 100,000
    ("RM1", "wealth_sales"): Decimal("100000"),  # C1 WEALTH from 1 July
    ("RM1", "fund_sales"): Decimal("50000"),  # C1 FUND from 1 Aug
    ("RM1", "insurance_sales"): Decimal("30000"),  # C7 INS on 30 Sep (C1's is from June)
    # Fee: (C1 WEALTH 1,000/yr × 90 days (1 Jul – 28 Sep) + C1 FUND 750 × 61 + C1 INS 400
    # × 92 + C2 FUND 150 × 46 (until 15 Aug) + C7 INS 600 × 1) ÷ 365
    ("RM1", "fee_income"): q(90_000 + 45_750 + 36_800 + 6_900 + 600, 365),
    # Book on 30 Sep: C1 (fund, insurance, card: 3 categories) and C7 (insurance only).
    ("RM1", "cross_sell_rate"): q(1, 2),
    # Month-end balance × (rate − PD×LGD): Jul 1,000,000×.0355 + 300,000×.0355 +
    # 100,000×.0355 = 49,700; Aug 35,500 + 500,000×.0155 + 300,000×.0175 + 3,550 =
    # 52,050; Sep 35,500 − 480,000×.0025 − 290,000×.095 = 6,750. Capital: (1,400,000 +
    # 1,900,000 + 1,770,000) × .105 = 532,350.
    ("RM1", "raroc"): q(108_500, 532_350),
    # EVA: (108,500 − 5,070,000 × .0126) ÷ 3 months × 92 ÷ 365
    ("RM1", "eva"): q(Decimal(44_618) * 92, 3 * 365),
    ("RM1", "supply_chain_finance"): Decimal("1000000"),  # L1
    # September: L1 1,000,000 (0 days), L2 480,000 (35), L3 290,000 (100), L4 0.
    ("RM1", "overdue_rate"): q(770_000, 1_770_000),
    ("RM1", "npl_ratio"): q(290_000, 1_770_000),  # L3 substandard (October's doubtful not used)
    ("RM1", "complaints"): Decimal(1),  # C1 at 00:30 on 1 July; the 30 June one is Q2
    ("RM1", "compliance_breaches"): Decimal(1),  # C2's on 20 July, no staff named
    # T(1 July 00:30 Shanghai, mobile), T(10 July, counter), T(15 Aug 23:59:59, online);
    # 1 Oct 00:30 Shanghai is out, 16 Aug 00:00 is RM2's.
    ("RM1", "online_share"): q(2, 3),
    ("RM1", "loan_approval_days"): q(9 + 15, 2),  # L1 9 days, L2 15; L4 has no applied_on
    ("RM1", "sleeping_wakeup_rate"): Decimal(0),  # C7 sleeping, never woke
    ("RM1", "risk_due_diligence"): q("175.5", 2),  # (90 + 85.5) ÷ 2
    # 15 July 80 and 30 September 92.5; the 1 October visit is Q4.
    ("RM1", "mystery_shopper"): q("172.5", 2),  # 86.25
    ("RM1", "green_credit_share"): q(1_000_000, 1_600_000),
    ("RM1", "inclusive_first_loans"): Decimal(1),  # L1 (L4 same day, larger id; L2: C2 had L0)
    # -- RM2. C2 from 16 Aug: 62,000×16 + 62,000×30 = 2,852,000; C4 100,000×31 +
    # 300,000×31 + 300,000×30 = 21,400,000.
    ("RM2", "deposit_avg_balance"): q(24_252_000, D),
    # base: C2 46 days × 4,550,000; C4 had nothing in Q2.
    ("RM2", "deposit_avg_growth"): q(24_252_000 * DP - 46 * 4_550_000, D * DP),
    ("RM2", "aum_avg_balance"): q(24_252_000, D),
    ("RM2", "aum_avg_growth"): q(24_252_000 * DP - 46 * 4_550_000, D * DP),
    ("RM2", "wealth_sales"): Decimal("200000"),  # C2 WEALTH on 20 Aug, after the handover
    # C2 WEALTH 2,000/yr × 42 days + C2 FUND 150 × 46 days (16 Aug – 30 Sep)
    ("RM2", "fee_income"): q(84_000 + 6_900, 365),
    ("RM2", "cross_sell_rate"): q(1, 4),  # C2 (wealth, fund) of C2, C4, C5, C6
    ("RM2", "raroc"): q(Decimal("0.0355"), Decimal("0.105")),  # L0, normal, 3 months
    ("RM2", "eva"): q(Decimal(150_000) * 3 * Decimal("0.0229") * 92, 3 * 365),
    ("RM2", "sci_tech_customers"): Decimal(1),  # C4
    ("RM2", "overdue_rate"): Decimal(0),  # L0 150,000, current
    ("RM2", "npl_ratio"): Decimal(0),
    ("RM2", "complaints"): Decimal(1),  # C2 on 16 Aug 00:10
    ("RM2", "online_share"): Decimal(0),  # C2 16 Aug counter, C5 15 Jul counter
    # R1 exactly 24 h (in), R2 24 h + 1 s (out), R3 open (out), R4 received 1 July 01:00
    # Shanghai, 2 h (in); R5 is received on 1 October in Shanghai (not Q3).
    ("RM2", "response_24h_rate"): q(2, 4),
    ("RM2", "avg_response_hours"): q(86_400 + 86_401 + 7_200, 3 * 3600),
    ("RM2", "nps"): q((3 - 1) * 100, 5),  # 10, 9, 9 promoters; 7 passive; 6 detractor
    ("RM2", "sleeping_wakeup_rate"): q(1, 2),  # C4 (never) and C5 (woke); C6 179 days
    # -- RM3. Deposits: N1 5,000 × 27 days (from 5 Jul) + N2 5,000 × 31 + H1 600,000 × 92
    # + H2 999,999.99 × 30 + H3 2,000,000 × 30 = 145,489,999.70.
    ("RM3", "deposit_avg_balance"): q("145489999.70", D),
    # base: H1 600,000×30 + H2 1,000,000×30 + H3 900,000×30 = 75,000,000, 92 days each.
    ("RM3", "deposit_avg_growth"): q(Decimal("145489999.70") * DP - 92 * 75_000_000, D * DP),
    # + H1 wealth 500,000×31 + 500,000×31 + 450,000×30 = 44,500,000 (Q2 base 15,000,000)
    ("RM3", "aum_avg_balance"): q("189989999.70", D),
    ("RM3", "aum_avg_growth"): q(Decimal("189989999.70") * DP - 92 * 90_000_000, D * DP),
    ("RM3", "new_valid_customers"): Decimal(1),  # N1; N2 never transacted
    # H1 1,100,000 in June → 1,050,000 in Sep: kept; H2 1,000,000 → 999,999.99 (its
    # 5,000,000 month-end does not count): lost; H3 900,000 average: never HNW.
    ("RM3", "hnw_retention"): q(1, 2),
    ("RM3", "online_share"): Decimal(0),  # N1 counter
    # 70, 80.5 and 90 in Q3 (the 30 June 0 is Q2): 240.5 ÷ 3 = 80.166666…67
    ("RM3", "peer_review"): q("240.5", 3),
    ("RM3", "cross_sell_rate"): Decimal(0),  # N1, N2, H1, H2, H3 hold nothing
    ("RM3", "sleeping_wakeup_rate"): Decimal(0),  # H1–H3 never transact; N1/N2 came later
    ("RM3", "certifications"): Decimal(1),
    ("RM3", "training_hours"): Decimal(48),  # 8 + 40; the 30 June course is Q2
    # RF1 converted 10 Aug; RF2 lost; RF3 converted 2 Oct (after the period); RF4 is Q2's.
    # Made in Q3: RF1, RF2, RF3, RF5, RF6, RF7; converted by 30 Sep: RF1, RF5, RF6, RF7.
    ("RM3", "referral_success_rate"): q(4, 6),
    # The referrals policy's rule, as the ledger pays (docs/referrals.md "Points"):
    # RF1 and RF4 (RM → RM, wealth) follow no rule of the book: 0. RF5: RX's first
    # insurance purchase in 20 Jul … 18 Oct is 95,000.00 on 1 Aug: 10 + ⌊9.5⌋ = 19.
    # RF6: RY's first trust/insurance purchase from 1 Sep is the trust of 1,500,000.00
    # (the wealth product does not convert): 10 + 150 = 160, capped at 100. RF7: RZ's
    # insurance of 31 Aug is before the referral: no purchase, 0. Σ = 119.
    ("RM3", "referral_points"): Decimal(119),
    # -- RM4 joined 15 Aug. N3 opened 10 Sep, assigned from 12 Sep: 1,000 × 19 days.
    ("RM4", "deposit_avg_balance"): q(19_000, D),
    ("RM4", "deposit_avg_growth"): q(19_000, D),
    ("RM4", "aum_avg_balance"): q(19_000, D),
    ("RM4", "aum_avg_growth"): q(19_000, D),
    ("RM4", "new_valid_customers"): Decimal(1),  # N3: mobile payment, 1,000.00 average
    ("RM4", "compliance_breaches"): Decimal(1),  # named on C1's event
    ("RM4", "online_share"): Decimal(1),
    ("RM4", "cross_sell_rate"): Decimal(0),  # N3 holds nothing
    # -- the indicators of seed 003 §二, §五 and seed 000
    # RM1 customer-days: 1 Jul C1 (twice), C2, C7 (01:00 Shanghai) = 3; 2 Jul C1; 4 Aug
    # V1; Sat 26 Sep C7; 1 October (16:30Z on 30 Sep) is out: 6 over 66 working days.
    ("RM1", "customers_served_per_day"): q(6, WD),
    ("RM2", "customers_served_per_day"): q(1, WD),  # C1 on 1 Jul
    ("RM5", "customers_served_per_day"): q(3, WD),  # 3 Jul V1, V3; 3 Aug V1 (29 Jun: Q2)
    # Inclusive loans with a rate: Q2 L5 .045, L6 .043 (mean .044); Q3 L1 .040, L4 .038
    # (mean .039); L2 has no rate, L3 is not inclusive: .044 − .039 = .005.
    ("RM1", "financing_cost_decline"): Decimal("0.005"),
    # TM1 (RM1, RM2): (100,000 + 120,000 − 20,000) × 12 ÷ (10 + 10 + 12 million); June out.
    ("RM1", "roe"): q(200_000 * 12, 32_000_000),
    ("RM2", "roe"): q(200_000 * 12, 32_000_000),
    ("RM3", "roe"): q(50_000 * 12, 2_000_000),  # TM2, September only
    ("RM1", "strategic_projects"): Decimal(1),  # P1 on 30 Sep
    ("RM3", "strategic_projects"): Decimal(1),  # P1 on 20 Jul; P2 was joined in Q2
    ("RM2", "innovation_proposals"): Decimal(1),  # PR1; PR2 not adopted, PR3 in October
    # HNW in September: H1 1,050,000 and H3 2,000,000 (H2 999,999.99 is not); H3 holds
    # TRUST from 1 Sep, H1's trust ended on 29 Sep.
    ("RM3", "family_trust_penetration"): q(1, 2),
    # VIP on 30 June: V1 (R 5, F 5, AUM 600,000) and V2 (R 0, F 5, AUM 1,499,999.99 ÷ 3 =
    # 499,999.996… → 500,000.00); V3 has F 4. V1: 3 contacts in Q3 (RM5 3 Jul, 3 Aug,
    # RM1 4 Aug) + FUND, INS = 5; V2: 0. (5 + 0) ÷ 2.
    ("RM5", "vip_service_depth"): q(5, 2),
    # RM5's book now holds V1–V3: their Q2 wealth is the AUM growth base (600,000 × 91,
    # 499,999.99 × 30 + 500,000 × 31 + 500,000 × 30, 600,000 × 91), 92 days each.
    ("RM5", "aum_avg_growth"): q(-92 * Decimal("154699999.70"), D * DP),
    # V1's FUND 100,000 × .015 = 1,500 a year and INS 50,000 × .02 = 1,000, 92 days.
    ("RM5", "fee_income"): q(2_500 * 92, 365),
    # ≥ 2 categories on 30 Sep: V1 (fund, insurance) of V1, V2, V3.
    ("RM5", "cross_sell_rate"): q(1, 3),
}

RMS = ("RM1", "RM2", "RM3", "RM4", "RM5")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(bank.write(tmp_path_factory.mktemp("bank")), bank.TODAY)


@pytest.fixture(scope="module")
def values(lake: Lake) -> pa.Table:
    return compute_indicators(lake, period=Q3)


def _by_key(values: pa.Table) -> dict[tuple[str, str], dict[str, Decimal | None]]:
    return {(r["staff_id"], r["indicator"]): r for r in values.to_pylist()}


def test_one_row_per_rm_and_indicator(values: pa.Table) -> None:
    assert values.schema == VALUES_SCHEMA
    # RM6 is hired after the period; TL1, BM1 and TE1 are no RMs. RM5 has no activity.
    assert sorted({r["staff_id"] for r in values.to_pylist()}) == list(RMS)
    assert values.num_rows == len(RMS) * len(LIBRARY)


def test_every_value_matches_the_hand_computation(values: pa.Table) -> None:
    got = _by_key(values)
    wrong = {}
    for rm in RMS:
        for ind, info in LIBRARY.items():
            default = Decimal(0) if info.combine == "sum" else None
            want = EXPECTED.get((rm, ind), default)
            if got[(rm, ind)]["value"] != want:
                wrong[(rm, ind)] = (got[(rm, ind)]["value"], want)
    assert wrong == {}


def test_every_indicator_has_a_hand_computed_non_zero_case() -> None:
    covered = {ind for (_, ind), v in EXPECTED.items() if v not in (None, Decimal(0))}
    assert covered == set(LIBRARY)


def test_values_are_numerator_over_denominator(values: pa.Table) -> None:
    for r in values.to_pylist():
        assert r["value"] == divide(r["numerator"], r["denominator"]), r


def test_zero_activity_gives_zero_or_undefined(values: pa.Table) -> None:
    got = _by_key(values)
    assert got[("RM5", "new_loans")] == {
        "staff_id": "RM5",
        "indicator": "new_loans",
        "value": Decimal(0),
        "numerator": Decimal(0),
        "denominator": None,
    }
    # A ratio over nothing is undefined (NULL), with 0 / 0 kept for roll-ups.
    assert got[("RM5", "overdue_rate")]["value"] is None
    assert got[("RM5", "overdue_rate")]["numerator"] == 0
    assert got[("RM5", "overdue_rate")]["denominator"] == 0
    # A balance average shares the period's days as denominator.
    assert got[("RM5", "deposit_avg_balance")]["denominator"] == D


def test_joiner_has_no_book_at_the_start(values: pa.Table) -> None:
    got = _by_key(values)
    assert got[("RM4", "hnw_retention")]["value"] is None
    assert got[("RM4", "sleeping_wakeup_rate")]["value"] is None


def test_quarter_end_spike_does_not_pay_and_is_flagged(lake: Lake, values: pa.Table) -> None:
    rows = indicator_rows(lake, period=Q3, staff_id="RM1", indicator="deposit_avg_balance")
    assert rows.schema == ROWS_SCHEMA
    sep = [r for r in rows.to_pylist() if r["customer_id"] == "C1" and r["day"] == "2026-09"]
    assert len(sep) == 1
    assert sep[0]["flag"] == "month_end_spike"
    assert sep[0]["numerator"] == 130_000 * 30  # the daily average, not 400,000
    assert sep[0]["note"] == "month-end 400000.00"
    # Paid on month-ends, September would add (400,000 − 130,000) × 30 ÷ 92 more.
    assert _by_key(values)[("RM1", "deposit_avg_balance")]["value"] == q(14_130_000, D)
    flagged = [(r["customer_id"], r["day"]) for r in rows.to_pylist() if r["flag"]]
    assert flagged == [("C1", "2026-09")]


def test_a_jump_that_stays_is_no_spike(lake: Lake) -> None:
    rows = indicator_rows(lake, period=Q3, staff_id="RM2", indicator="deposit_avg_balance")
    c4 = [r for r in rows.to_pylist() if r["customer_id"] == "C4"]
    assert [r["day"] for r in c4] == ["2026-07", "2026-08", "2026-09"]
    assert all(r["flag"] is None for r in c4)  # July's 300,000 end holds in August


def test_reassignment_splits_the_month_by_days(lake: Lake) -> None:
    def august_c2(rm: str) -> dict[str, object]:
        rows = indicator_rows(lake, period=Q3, staff_id=rm, indicator="deposit_avg_balance")
        (row,) = [r for r in rows.to_pylist() if r["customer_id"] == "C2" and r["day"] == "2026-08"]
        return row

    rm1, rm2 = august_c2("RM1"), august_c2("RM2")
    assert (rm1["numerator"], rm1["share"]) == (62_000 * 15, q(15, 31))  # 1–15 Aug
    assert (rm2["numerator"], rm2["share"]) == (62_000 * 16, q(16, 31))  # 16–31 Aug


# One RM with activity per indicator; the drill-down must add up to the value.
DRILL = {ind: next(rm for rm in RMS if (rm, ind) in EXPECTED) for ind in LIBRARY}


@pytest.fixture(scope="module")
def drill_rows(lake: Lake) -> dict[str, pa.Table]:
    out: dict[str, pa.Table] = {}
    for rm in sorted(set(DRILL.values())):
        ids = [i for i, r in DRILL.items() if r == rm]
        out.update(indicator_rows_many(lake, period=Q3, staff_id=rm, indicators=ids))
    return out


@pytest.mark.parametrize("indicator", list(LIBRARY))
def test_rows_sum_back_to_the_value(
    values: pa.Table, drill_rows: dict[str, pa.Table], indicator: str
) -> None:
    rm = DRILL[indicator]
    want = _by_key(values)[(rm, indicator)]
    rows = drill_rows[indicator].to_pylist()
    assert rows, indicator
    assert all(r["staff_id"] == rm and r["indicator"] == indicator for r in rows)
    assert sum(r["numerator"] for r in rows) == want["numerator"]
    if LIBRARY[indicator].combine == "ratio":
        assert sum(r["denominator"] for r in rows) == want["denominator"]
    else:
        assert all(r["denominator"] is None for r in rows)
        # each row's contribution is rounded once; together within a cent of a cent
        total = sum(r["contribution"] for r in rows)
        assert want["value"] is not None
        assert abs(total - want["value"]) <= Decimal("0.000001") * len(rows)


def test_drill_down_names_the_rows(lake: Lake) -> None:
    rows = indicator_rows(lake, period=Q3, staff_id="RM2", indicator="response_24h_rate")
    got = {r["ref_id"]: (r["numerator"], r["flag"]) for r in rows.to_pylist()}
    assert got == {
        "R1": (1, None),
        "R2": (0, "over_24h"),
        "R3": (0, "unresolved"),
        "R4": (1, None),
    }
    loans = indicator_rows(lake, period=Q3, staff_id="RM1", indicator="overdue_rate")
    flags = {r["ref_id"]: r["flag"] for r in loans.to_pylist()}
    assert flags == {"L1": None, "L2": "overdue", "L3": "overdue", "L4": None}


def test_period_in_progress_averages_to_date_and_cannot_confirm_a_spike(lake: Lake) -> None:
    q4 = Period.parse("2026Q4")  # the lake's balances end with October
    got = _by_key(compute_indicators(lake, period=q4, indicators=["deposit_avg_balance"]))
    assert got[("RM1", "deposit_avg_balance")]["value"] == Decimal(125_000)  # C1, 31 / 31
    assert got[("RM1", "deposit_avg_balance")]["denominator"] == 31
    rows = indicator_rows(lake, period=q4, staff_id="RM1", indicator="deposit_avg_balance")
    (oct_row,) = rows.to_pylist()
    # 250,000 month-end > 1.5 × 125,000, and November is not in the lake yet.
    assert oct_row["flag"] == "month_end_spike_unconfirmed"


def test_a_subset_and_an_unknown_id(lake: Lake) -> None:
    got = compute_indicators(lake, period=Q3, indicators=["nps", "nps"])
    assert set(got.column("indicator").to_pylist()) == {"nps"}
    assert got.num_rows == len(RMS)
    with pytest.raises(KeyError, match="no_such"):
        compute_indicators(lake, period=Q3, indicators=["no_such"])


def test_empty_lake_tables_give_zeros(tmp_path: Path) -> None:
    from tests.lakebuilder import LakeBuilder

    root = LakeBuilder().write(tmp_path / "empty")
    got = _by_key(compute_indicators(Lake(root, bank.TODAY), period=Q3))
    assert {k[0] for k in got} == {"RM1", "RM2"}
    assert got[("RM1", "deposit_avg_balance")]["value"] is None  # no balance month at all
    assert got[("RM1", "complaints")]["value"] == 0


def test_a_policy_can_override_the_risk_parameters(lake: Lake) -> None:
    from rmperf.engine.indicators import DEFAULT_PARAMS, IndicatorParams

    params = IndicatorParams(
        risk_capital={**DEFAULT_PARAMS.risk_capital, "capital_ratio": Decimal("0.2")}
    )
    got = _by_key(compute_indicators(lake, period=Q3, indicators=["raroc"], params=params))
    assert got[("RM2", "raroc")]["value"] == q(Decimal("0.0355"), Decimal("0.2"))
