"""The synthetic loans' annual rates (loans.rate): present, valid, whole basis points,
and falling for small-business (inclusive) loans over the window, so
financing_cost_decline has something to measure on the demo bank."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from tests.synth.conftest import START


def test_every_loan_has_a_rate_in_whole_basis_points(tiny_lake: Path) -> None:
    loans = pq.read_table(tiny_lake / "loans.parquet")
    rates = loans.column("rate").to_pylist()
    assert rates and None not in rates
    assert all(Decimal("0.001") <= r <= Decimal("0.2") for r in rates)
    assert all(r == r.quantize(Decimal("0.0001")) for r in rates)


def test_inclusive_loans_get_cheaper_over_the_window(tiny_lake: Path) -> None:
    loans = pq.read_table(tiny_lake / "loans.parquet")
    inclusive = loans.filter(pc.equal(loans.column("inclusive"), True))
    early = inclusive.filter(pc.less(inclusive.column("disbursed_on"), START.replace(year=2025)))
    late = inclusive.filter(
        pc.greater_equal(inclusive.column("disbursed_on"), START.replace(year=2026))
    )
    assert early.num_rows and late.num_rows

    def mean(t: object) -> Decimal:
        values = t.column("rate").to_pylist()  # type: ignore[attr-defined]
        return sum(values, Decimal(0)) / len(values)

    # 0.3 points a year by construction, against ±0.5 points of noise per loan.
    assert mean(late) < mean(early)
