"""The oracle on generated lakes: the invariants §6 implies, checked without the engine.

If the oracle broke one of these, a comparison with the engine would blame the wrong side.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.engine_pay.oracle import reference as ref
from tests.engine_pay.oracle.lakegen import LAST_Q, PayCase, pay_cases, write_case


def _all_quarters(case: PayCase, root: Path) -> tuple[ref.PayLake, dict[int, list[ref.Statement]]]:
    files = write_case(case, root)
    lake = ref.read_lake(files.lake)
    ratings = ref.read_ratings(files.ratings)
    targets = ref.read_targets(files.targets) if files.targets else []
    return lake, ref.compute(lake, LAST_Q, ratings, targets)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=pay_cases())
def test_invariants(case: PayCase, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = Path(tempfile.mkdtemp(prefix="props-", dir=tmp_path_factory.getbasetemp()))
    lake, quarters = _all_quarters(case, root)
    deferred: dict[str, Fraction] = defaultdict(Fraction)
    out_of_deferral: dict[str, Fraction] = defaultdict(Fraction)
    balance: dict[str, Fraction] = defaultdict(Fraction)
    held: dict[str, Fraction] = defaultdict(Fraction)
    released: dict[str, Fraction] = defaultdict(Fraction)
    for q in sorted(quarters):
        ids = [s.staff_id for s in quarters[q]]
        assert ids == sorted(set(ids))
        for s in quarters[q]:
            person = lake.staff[s.staff_id]
            share = Fraction(40 if person.material_risk else 30, 100)
            # every line is a sum of cents and the total is the sum of its lines
            assert s.performance_pay == s.loan_pay + s.excess_reward
            assert s.deferred == ref.round_half_up(s.performance_pay * share)
            assert s.immediate == s.performance_pay - s.deferred
            assert s.held in (0, s.immediate)
            assert s.malus >= 0 >= s.clawback
            assert s.total_paid == (
                s.base + s.immediate - s.held + s.held_released + s.deferral_released + s.clawback
            )
            assert s.loan_pay == sum((e for _, e in s.loan_earnings), Fraction(0))
            # a deferred cent is released, taken by malus or still in the balance
            deferred[s.staff_id] += s.deferred
            out_of_deferral[s.staff_id] += s.deferral_released + s.malus
            assert deferred[s.staff_id] - out_of_deferral[s.staff_id] == s.deferral_balance
            balance[s.staff_id] = s.deferral_balance
            # a held part is released at most once (or forfeited)
            held[s.staff_id] += s.held
            released[s.staff_id] += s.held_released
            assert released[s.staff_id] <= held[s.staff_id]


@settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=pay_cases())
def test_a_later_period_never_changes_an_earlier_statement(
    case: PayCase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = Path(tempfile.mkdtemp(prefix="props-", dir=tmp_path_factory.getbasetemp()))
    _, full = _all_quarters(case, root)
    files = write_case(case, root)
    for period in case.periods:
        q = ref.parse_quarter(period)
        if q not in full:  # before the first loan: nothing carried, nothing to compare
            continue
        alone = ref.statements_for(files.lake, period, files.ratings, files.targets)
        assert [s.row() for s in alone] == [s.row() for s in full[q]]
