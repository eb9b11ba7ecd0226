"""A hand-built lake for the persona bank (tests/factories.py): alice, carol and bob are
RMs in it, with alice's 2026Q3 loans making her over-loaded (numbers in the tests)."""

from __future__ import annotations

from pathlib import Path

from tests.lakebuilder import LakeBuilder


def _rm(staff_id: str) -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": staff_id,
        "role": "rm",
        "rank": "junior",
        "unit_id": "TM1",
        "hired_on": "2020-03-01",
    }


def persona_lake(path: Path) -> Path:
    """alice's loans in 2026Q3: C001 8 × 100,000.00 on 15 July, C002 6 × 100,000.00 on
    10 August, C003 6 × 1,000,000.00 on 28 September (the last 10 days)."""
    b = LakeBuilder()
    b.tables["staff"] += [_rm("S-ALICE"), _rm("S-CAROL"), _rm("S-BOB")]
    b.product("BL", "business_loan", "0.030000")
    for cid, rm in (("C001", "S-ALICE"), ("C002", "S-ALICE"), ("C003", "S-ALICE"),
                    ("C010", "S-CAROL"), ("C100", "S-BOB"), ("C004", "S-BOB")):  # fmt: skip
        b.customer(cid, rm=rm)
    n = 0
    for cid, count, amount, day in (
        ("C001", 8, "100000.00", "2026-07-15"),
        ("C002", 6, "100000.00", "2026-08-10"),
        ("C003", 6, "1000000.00", "2026-09-28"),
    ):
        for _ in range(count):
            n += 1
            b.loan(f"L{n:02d}", cid, "BL", amount, day, "2027-12-31", staff_id="S-ALICE")
    return b.write(path)
