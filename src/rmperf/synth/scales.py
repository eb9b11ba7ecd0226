"""Sizes of the synthetic bank and the fixed identity of the case RM.

A scale fixes the org shape and the number of customers; everything else (transactions,
balances, events …) follows from per-customer behaviour, so row counts are approximate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """The org shape and population of one synthetic bank."""

    name: str
    regions: int
    branches: int
    teams_per_branch: int
    tellers_per_branch: int
    wealth_managers_per_branch: int
    customers: int
    case_book: int  # customers of the case RM (seed 000)
    parts: bool  # write fact tables as folders of part files (bounded memory)
    corporate_share: float = 0.08


#: The case RM of seed 000: the first RM of the first team of the first branch. Staff are
#: numbered bank unit first (HR S0001, auditor S0002), then branch by branch (branch
#: manager, risk officer, then team by team: leader and RMs), so this id is the same at
#: every scale.
CASE_RM_STAFF_ID = "S0006"

#: Share of the case RM's book that is sleeping at `end` (seed 000: 22 % before the
#: turnaround).
CASE_SLEEPING_SHARE = 0.22

SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 1, 1, 1, 1, 400, 60, parts=False),
    "small": Scale("small", 2, 4, 2, 3, 1, 20_000, 200, parts=False),
    "medium": Scale("medium", 5, 40, 2, 3, 1, 200_000, 200, parts=True),
    "large": Scale("large", 20, 400, 2, 3, 1, 2_000_000, 200, parts=True),
}

#: Customers per random-number block. Every per-customer fact is drawn from a generator
#: seeded by (seed, table, block), so how many blocks are processed (and written) at a
#: time never changes the data. Changing this constant does change the data.
SEED_BLOCK = 250
