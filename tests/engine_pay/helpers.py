"""Building pay inputs by hand: quarters and months by name, loans, ratings, NPL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from rmperf.engine.pay.compute import Loan, PayInputs, Person, Statement, compute_pay
from rmperf.engine.pay.plan import PayPlan, load_pay_plan
from rmperf.engine.pay.quarters import month_index, quarter_index
from rmperf.engine.periods import Period
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.targets import EMPTY_SHEET, TargetSheet

PLAN: PayPlan = load_pay_plan().policy
D = Decimal


def q(key: str) -> int:
    return quarter_index(Period.parse(key))


def m(key: str) -> int:
    return month_index(key)


def person(
    staff_id: str,
    rank: str = "junior",
    hired: str = "2020-01-01",
    left: str | None = None,
    *,
    material_risk: bool = False,
) -> Person:
    return Person(
        staff_id,
        rank,
        dt.date.fromisoformat(hired),
        dt.date.fromisoformat(left) if left else None,
        material_risk,
    )


def loan(loan_id: str, staff_id: str, amount: str, day: str) -> Loan:
    return Loan(loan_id, staff_id, D(amount), dt.date.fromisoformat(day))


def run(
    people: list[Person],
    loans: list[Loan],
    ratings: Mapping[tuple[str, str], Tier],
    *,
    first: str,
    last: str,
    npl: Mapping[tuple[str, str], tuple[str, str]] | None = None,
    first_bad: Mapping[str, str] | None = None,
    targets: TargetSheet = EMPTY_SHEET,
    plan: PayPlan = PLAN,
) -> dict[str, dict[str, Statement]]:
    """quarter key → staff_id → statement, for every quarter first … last."""
    inputs = PayInputs(
        people={p.staff_id: p for p in people},
        loans=loans,
        npl={(s, m(k)): (D(b), D(a)) for (s, k), (b, a) in (npl or {}).items()},
        first_bad={lid: m(k) for lid, k in (first_bad or {}).items()},
        ratings={(s, q(k)): t for (s, k), t in ratings.items()},
        targets=targets,
    )
    out = compute_pay(inputs, plan, first=q(first), last=q(last))
    return {f"{qi // 4}Q{qi % 4 + 1}": {s.staff_id: s for s in sts} for qi, sts in out.items()}


def lines(st: Statement, kind: str) -> list[tuple[str, Decimal]]:
    """(loan_id or source, amount) of one kind of line."""
    return [
        (ln.loan_id or ln.source_period or ln.month, ln.amount)
        for ln in st.lines
        if ln.line == kind
    ]
