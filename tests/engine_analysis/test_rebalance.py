"""Rebalancing proposals, worked by hand (engine/analysis/rebalance.py, docs/analysis.md
"Rebalancing"). Bounds: over-loaded above 1.0, under-loaded below 0.8 (the defaults)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from rmperf.engine.analysis import (
    CustomerLoad,
    RmLoad,
    customer_demand,
    load_workload_policy,
    propose_moves,
    resulting_utilisation,
    utilisation,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.lakebuilder import LakeBuilder

OVER, UNDER = D("1.0000"), D("0.8000")

# Branch X: A 30 of 20 days = 1.5 (over); B 8/20 = 0.4 and C 15/20 = 0.75 (under);
# E has no working day (never a giver or receiver). Branch Y: D 0/20 = 0 serves every tier.
RMS = [
    RmLoad("A", "X", D("30"), 20, frozenset({"core", "potential", "basic"})),
    RmLoad("B", "X", D("8"), 20, frozenset({"potential"})),
    RmLoad("C", "X", D("15"), 20, frozenset({"potential", "basic"})),
    RmLoad("E", "X", D("0"), 0, frozenset({"potential", "basic", "core"})),
    RmLoad("D", "Y", D("0"), 20, frozenset({"potential", "basic", "core"})),
]
# A's customers, largest demand first: a0 (no tier: never moved), a1, a2 potential, a3
# basic, a4 core.
CUSTOMERS = [
    CustomerLoad("a0", "A", None, D("20")),
    CustomerLoad("a1", "A", "potential", D("9")),
    CustomerLoad("a2", "A", "potential", D("6")),
    CustomerLoad("a3", "A", "basic", D("4")),
    CustomerLoad("a4", "A", "core", D("3")),
    CustomerLoad("b1", "B", "potential", D("8")),
]


def test_moves_follow_the_documented_order_and_keep_branch_and_tier() -> None:
    moves = propose_moves(RMS, CUSTOMERS, over=OVER, under=UNDER)
    # a1 (9, potential): under 0.8 in X serving potential: B 0.4 → (8+9)/20 = 0.85 fine;
    #   C 0.75 → (15+9)/20 = 1.2 > 1: not C. B is chosen. A: 21/20 = 1.05, still over.
    # a2 (6, potential): B is now 0.85, not under; C → 21/20 = 1.05 > 1: nobody; stays.
    # a3 (4, basic): C 0.75 serves basic → 19/20 = 0.95. A: 17/20 = 0.85, within: stop.
    # a4 is never looked at; D (branch Y) and E (no day) never receive.
    got = [
        (m.customer_id, m.tier, m.from_staff_id, m.to_staff_id, m.demand_days,
         m.from_before, m.from_after, m.to_before, m.to_after)
        for m in moves
    ]  # fmt: skip
    assert got == [
        ("a1", "potential", "A", "B", D("9"), D("1.5000"), D("1.0500"), D("0.4000"), D("0.8500")),
        ("a3", "basic", "A", "C", D("4"), D("1.0500"), D("0.8500"), D("0.7500"), D("0.9500")),
    ]
    assert all(m.branch_id == "X" for m in moves)
    assert resulting_utilisation(RMS, moves) == {
        "A": (D("1.5000"), D("0.8500")),
        "B": (D("0.4000"), D("0.8500")),
        "C": (D("0.7500"), D("0.9500")),
    }


def test_nobody_moves_without_a_receiver_of_the_tier_in_the_branch() -> None:
    rms = [RmLoad("A", "X", D("30"), 20, frozenset({"core"})), RMS[4]]
    customers = [CustomerLoad("a4", "A", "core", D("3"))]
    assert propose_moves(rms, customers, over=OVER, under=UNDER) == []


def test_utilisation_rounds_half_up_to_four_places() -> None:
    assert utilisation(D("70"), 66) == D("1.0606")  # 1.060606…
    assert utilisation(D("0.00005"), 1) == D("0.0001")
    assert utilisation(D("5"), 0) is None


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    b = LakeBuilder()
    b.product("BL", "business_loan", "0.030000")
    b.customer("C1")
    b.customer("C2")
    b.loan("L1", "C1", "BL", "100000.00", "2026-07-15", "2027-07-15")
    b.loan("L2", "C1", "BL", "100000.00", "2026-09-30", "2027-09-30")
    b.loan("L3", "C2", "BL", "100000.00", "2026-06-30", "2027-06-30")  # before Q3
    b.loan("L4", "C2", "BL", "100000.00", "2026-08-01", "2027-08-01", staff_id="RM2")
    b.add(
        "interactions",
        {"customer_id": "C2", "staff_id": "RM1", "ts": "2026-08-03T02:00:00Z",
         "channel": "visit", "outcome": "done"},
        {"customer_id": "C2", "staff_id": "RM1", "ts": "2026-08-04T02:00:00Z",
         "channel": "phone", "outcome": "done"},
        {"customer_id": "C2", "staff_id": "RM1", "ts": "2026-08-05T02:00:00Z",
         "channel": "sms", "outcome": "done"},
    )  # fmt: skip
    path: Path = b.write(tmp_path_factory.mktemp("rebalance") / "lake")
    return Lake(path, today=dt.date(2026, 11, 23))


def test_customer_demand_is_each_customers_share_of_the_rms_demand(lake: Lake) -> None:
    demand = customer_demand(
        lake, period=Period.parse("2026Q3"), policy=load_workload_policy().policy
    )
    # RM1·C1: 2 loans in Q3 × (2 + 0.5 + 1) = 7. RM1·C2: a visit 0.5 + a call 0.05 (SMS
    # counts nothing; L3 is before Q3). RM2·C2: L4 = 3.5.
    assert demand == {("RM1", "C1"): D("7"), ("RM1", "C2"): D("0.55"), ("RM2", "C2"): D("3.5")}
