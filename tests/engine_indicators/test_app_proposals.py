"""Adopted proposals recorded in the app (`ProposalRow`) join the lake's `proposals`
rows for innovation_proposals (engine/indicators/compute.py `_proposal_sums`).

The test bank (bank.py) has, for RM2, PR1 adopted 2026-07-05 (in Q3), PR2 never
adopted and PR3 adopted 2026-10-08 (after Q3): the lake alone gives RM2 1 in Q3.
App rows: RM2 adopted 2026-08-01 (in) → +1; RM2 adopted 2026-10-01 (after) → +0;
RM1 adopted 2026-09-30 (the last day, in) → RM1 1; an author who is no RM of the
period (TL1) → counted for nobody. Expected: RM2 1 + 1 = 2, RM1 0 + 1 = 1, RM3 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from rmperf.engine.indicators import ProposalRow, compute_indicators
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.engine_indicators import bank

Q3 = Period.parse("2026Q3")


def _row(pid: str, staff: str, day: dt.date) -> ProposalRow:
    return ProposalRow(pid, staff, day, "BM1", f"proposal {pid}")


def test_app_proposals_add_to_the_lake_rows_as_computed_by_hand(tmp_path: Path) -> None:
    root = bank.build().write(tmp_path / "lake")
    lake = Lake(root, bank.TODAY)
    alone = compute_indicators(lake, period=Q3, indicators=["innovation_proposals"])
    before = {r["staff_id"]: r["value"] for r in alone.to_pylist()}
    assert before["RM2"] == Decimal(1) and before["RM1"] == Decimal(0)
    rows = (
        _row("app-1", "RM2", dt.date(2026, 8, 1)),
        _row("app-2", "RM2", dt.date(2026, 10, 1)),
        _row("app-3", "RM1", dt.date(2026, 9, 30)),
        _row("app-4", "TL1", dt.date(2026, 8, 1)),
    )
    values = compute_indicators(
        lake, period=Q3, indicators=["innovation_proposals"], proposals=rows
    )
    got = {r["staff_id"]: r["value"] for r in values.to_pylist()}
    assert got["RM2"] == Decimal(2)
    assert got["RM1"] == Decimal(1)
    assert got["RM3"] == Decimal(0)
    assert "TL1" not in got
