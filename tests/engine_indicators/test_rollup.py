"""Roll-up to team, branch and bank: numerators and denominators are summed, never ratios."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from rmperf.engine.indicators import LIBRARY, ROLLUP_SCHEMA, compute_indicators, rollup
from rmperf.engine.indicators.rollup import unit_at_level
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank
from tests.engine_indicators.test_golden import D, q

Q3 = Period.parse("2026Q3")
MEMBERS = {
    "team": {"TM1": {"RM1", "RM2"}, "TM2": {"RM3"}, "TM3": {"RM4"}, None: {"RM5"}},
    "branch": {"BR1": {"RM1", "RM2", "RM3"}, "BR2": {"RM4", "RM5"}},
    "bank": {"BANK": {"RM1", "RM2", "RM3", "RM4", "RM5"}},
}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(bank.write(tmp_path_factory.mktemp("bank")), bank.TODAY)


@pytest.fixture(scope="module")
def values(lake: Lake) -> pa.Table:
    ids = ["online_share", "overdue_rate", "deposit_avg_balance", "new_loans", "nps"]
    return compute_indicators(lake, period=Q3, indicators=ids)


def _rows(table: pa.Table) -> dict[tuple[str | None, str], dict[str, object]]:
    return {(r["unit_id"], r["indicator"]): r for r in table.to_pylist()}


def test_team_values_by_hand(lake: Lake, values: pa.Table) -> None:
    team = _rows(rollup(values, lake, level="team"))
    # TM1 = RM1 + RM2. Online: (2 + 0) ÷ (3 + 2) — not the mean of 2/3 and 0 (1/3).
    assert team[("TM1", "online_share")]["value"] == q(2, 5)
    # Overdue: (770,000 + 0) ÷ (1,770,000 + 150,000)
    assert team[("TM1", "overdue_rate")]["value"] == q(770_000, 1_920_000)
    # Daily averages add up: (14,130,000 + 24,252,000) balance-days over the same 92 days
    assert team[("TM1", "deposit_avg_balance")]["value"] == q(38_382_000, D)
    assert team[("TM1", "deposit_avg_balance")]["denominator"] == D
    assert team[("TM1", "new_loans")]["value"] == Decimal(1_600_000)
    assert team[("TM1", "nps")]["value"] == q(200, 5)  # RM1 has no answers
    # RM5 sits straight in BR2: no team.
    assert team[(None, "new_loans")]["staff_count"] == 1
    assert team[(None, "overdue_rate")]["value"] is None  # 0 / 0


@pytest.mark.parametrize("level", ["team", "branch", "bank"])
def test_sums_of_members(lake: Lake, values: pa.Table, level: str) -> None:
    got = rollup(values, lake, level=level)  # type: ignore[arg-type]
    assert got.schema == ROLLUP_SCHEMA
    by_staff = {(r["staff_id"], r["indicator"]): r for r in values.to_pylist()}
    rows = _rows(got)
    assert {u for u, _ in rows} == set(MEMBERS[level])
    for (unit, ind), row in rows.items():
        members = MEMBERS[level][unit]
        assert row["staff_count"] == len(members)
        assert row["numerator"] == sum(by_staff[(m, ind)]["numerator"] for m in members)
        if LIBRARY[ind].combine == "ratio":
            assert row["denominator"] == sum(by_staff[(m, ind)]["denominator"] for m in members)


def test_bank_level(lake: Lake, values: pa.Table) -> None:
    bank_rows = _rows(rollup(values, lake, level="bank"))
    # online: RM1 2/3, RM2 0/2, RM3 0/1, RM4 1/1 → 3/7
    assert bank_rows[("BANK", "online_share")]["value"] == q(3, 7)
    assert bank_rows[("BANK", "online_share")]["unit_name"] == "示例银行"


def test_mixed_periods_are_refused(lake: Lake, values: pa.Table) -> None:
    q4 = compute_indicators(lake, period=Period.parse("2026Q4"), indicators=["deposit_avg_balance"])
    mixed = pa.concat_tables(
        [values.filter(pa.compute.equal(values["indicator"], "deposit_avg_balance")), q4]
    )
    with pytest.raises(ValueError, match="different denominators"):
        rollup(mixed, lake, level="bank")


def test_unit_at_level_walks_up() -> None:
    units = {
        "B": {"kind": "bank", "parent_id": None},
        "BR": {"kind": "branch", "parent_id": "B"},
        "T": {"kind": "team", "parent_id": "BR"},
    }
    assert unit_at_level("T", units, "branch") == "BR"
    assert unit_at_level("T", units, "team") == "T"
    assert unit_at_level("BR", units, "team") is None
    assert unit_at_level("missing", units, "bank") is None


def test_unit_roe_reads_each_unit_row_once(lake: Lake) -> None:
    values = compute_indicators(lake, period=Q3, indicators=["roe"])
    # BR1 with the period: TM1 Jul–Sep profit 100,000 + 120,000 − 20,000 = 200,000 and
    # equity 32,000,000, TM2 September 50,000 and 2,000,000 (June is outside Q3):
    # (200,000 + 50,000) × 12 ÷ 34,000,000.
    own = _rows(rollup(values, lake, level="branch", period=Q3))
    assert own[("BR1", "roe")]["value"] == q(250_000 * 12, 34_000_000)
    assert own[("BR1", "roe")]["staff_count"] == 3
    # BR2's teams have no rows: undefined. Without the period each RM adds their team's
    # figures: TM1 twice (RM1, RM2) and TM2 once.
    assert own[("BR2", "roe")]["value"] is None
    per_rm = _rows(rollup(values, lake, level="branch"))
    assert per_rm[("BR1", "roe")]["value"] == q(450_000 * 12, 66_000_000)
