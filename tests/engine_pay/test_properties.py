"""Properties of the pay state machine over random histories (hypothesis).

- the lines of a statement sum to its columns, and total paid is base + immediate − held
  + held released + deferral released + clawback;
- computing a later quarter never changes an earlier quarter's statement;
- money is conserved: every deferred cent is released, taken by malus or still in the
  balance, and every held cent is released or forfeited once its window is over.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmperf.engine.pay.compute import Loan, PayInputs, Person, Statement, compute_pay
from rmperf.engine.pay.output import MONEY_COLUMNS
from rmperf.engine.pay.quarters import quarter_of
from rmperf.engine.scoring.policy import Tier
from tests.engine_pay.helpers import PLAN, q

FIRST, LOANS_UNTIL, LAST = q("2024Q1"), q("2025Q4"), q("2026Q4")
STAFF = ("A", "B", "C")
TIERS = list(Tier)
NPL_BAD = [Decimal(x) for x in ("0", "100.00", "200.00", "200.01", "350.00", "5000.00")]


@st.composite
def histories(draw: st.DrawFn) -> PayInputs:
    people = {}
    for sid in STAFF:
        hired = dt.date(2023, 6, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
        left = None
        if draw(st.booleans()):
            left = hired + dt.timedelta(days=draw(st.integers(0, 600)))
        rank = draw(st.sampled_from(["assistant", "junior", "intermediate", "senior"]))
        people[sid] = Person(sid, rank, hired, left, draw(st.booleans()))
    loans = []
    first_bad = {}
    for i in range(draw(st.integers(0, 14))):
        sid = draw(st.sampled_from(STAFF))
        day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 730)))
        cents = draw(st.integers(1, 2_500_000_000))
        loan_id = f"L{i:02d}"
        loans.append(Loan(loan_id, sid, Decimal(cents) / 100, day))
        if draw(st.booleans()):
            first_bad[loan_id] = day.year * 12 + day.month - 1 + draw(st.integers(0, 40))
    ratings = {
        (sid, qi): draw(st.sampled_from(TIERS)) for sid in STAFF for qi in range(FIRST, LAST + 1)
    }
    npl = {}
    for sid in STAFF:
        for qi in range(FIRST, LAST + 1):
            bad = draw(st.sampled_from(NPL_BAD))
            npl[(sid, 3 * qi + 2)] = (bad, Decimal("10000.00"))
    return PayInputs(people, loans, npl, first_bad, ratings)


def _check_lines(s: Statement) -> None:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for ln in s.lines:
        sums[ln.line] += ln.amount
    for col in MONEY_COLUMNS:
        if col in ("performance_pay", "total_paid"):
            continue
        assert sums[col] == getattr(s, col), (s.staff_id, s.period, col)
    assert s.performance_pay == s.loan_pay + s.excess_reward
    assert s.deferred + s.immediate == s.performance_pay
    assert s.total_paid == (
        s.base + s.immediate - s.held + s.held_released + s.deferral_released + s.clawback
    )
    assert s.malus >= 0 and s.clawback <= 0
    for col in MONEY_COLUMNS:
        value = getattr(s, col)
        assert value == value.quantize(Decimal("0.01")), col


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_lines_sum_to_totals(inputs: PayInputs) -> None:
    for sts in compute_pay(inputs, PLAN, first=FIRST, last=LAST).values():
        for s in sts:
            _check_lines(s)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(FIRST, LAST - 1))
def test_a_later_quarter_never_changes_an_earlier_one(inputs: PayInputs, cut: int) -> None:
    short = compute_pay(inputs, PLAN, first=FIRST, last=cut)
    long = compute_pay(inputs, PLAN, first=FIRST, last=LAST)
    for qi, sts in short.items():
        assert sts == long[qi]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_money_is_conserved(inputs: PayInputs) -> None:
    # Loans stop at 2025Q4 and the run goes on to 2026Q4: every hold's window is over.
    inputs = PayInputs(
        inputs.people,
        [ln for ln in inputs.loans if quarter_of(ln.disbursed_on) <= LOANS_UNTIL],
        inputs.npl,
        inputs.first_bad,
        inputs.ratings,
    )
    out = compute_pay(inputs, PLAN, first=FIRST, last=LAST)
    per_rm: dict[str, list[Statement]] = defaultdict(list)
    for qi in sorted(out):
        for s in out[qi]:
            per_rm[s.staff_id].append(s)
    for sid, sts in per_rm.items():
        deferred = sum((s.deferred for s in sts), Decimal(0))
        released = sum((s.deferral_released for s in sts), Decimal(0))
        malus = sum((s.malus for s in sts), Decimal(0))
        assert deferred == released + malus + sts[-1].deferral_balance, sid
        # Every held part is released or forfeited once, in full. A forfeit is a line of
        # a statement when the RM has one that quarter; a leaver whose only event is the
        # forfeit gets no statement (docs/pay.md), so then no statement is seen that quarter.
        settled: dict[str, Decimal] = defaultdict(Decimal)
        for s in sts:
            for ln in s.lines:
                if ln.line in ("held_released", "held_forfeited"):
                    settled[ln.source_period] += ln.amount
        assert sum((s.held_released for s in sts), Decimal(0)) == sum(
            (ln.amount for s in sts for ln in s.lines if ln.line == "held_released"),
            Decimal(0),
        ), sid
        seen = {s.period for s in sts}
        for s in sts:
            if s.held == 0:
                continue
            if settled[s.period] != s.held:
                year, q = int(s.period[:4]), int(s.period[-1])
                index = year * 4 + q - 1 + PLAN.npl.hold_quarters
                forfeit_quarter = f"{index // 4}Q{index % 4 + 1}"
                assert settled[s.period] == 0 and forfeit_quarter not in seen, (sid, s.period)
        # A cost is never more than the loan pay it recovers.
        paid = sum((s.loan_pay for s in sts), Decimal(0))
        assert malus - sum((s.clawback for s in sts), Decimal(0)) <= paid, sid
