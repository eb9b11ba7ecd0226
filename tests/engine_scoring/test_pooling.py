"""Forced distribution on small peer groups: pooled with the next org level up (issue #14).

Every expectation is worked out by hand in the comments. The card has one ratio line
(weight 100, target 100, cap 1), so a value v scores v points: 100 → 100.00 (优秀),
80 → 80.00 (良好). The cap is "at most 15% outstanding", counted rounded down unless a
test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy, PolicyError
from rmperf.engine.scoring import StaffInfo, load_scorecard_text, score
from rmperf.engine.scoring.policy import Scorecard
from rmperf.engine.scoring.run import org_path, staff_info
from rmperf.engine.scoring.score import RmScore, pooled_groups
from tests.engine_scoring.library import LIB
from tests.lakebuilder import LakeBuilder

CARD = """\
name: t_pool
names: {{zh: 测试, en: test}}
applies_to: {{business_line: retail}}
min_compliance_risk_share: 0
lines:
  - {{id: deposit, indicator: deposit_avg_growth, weight: 100, method: ratio, \
target: {{value: "100"}}, cap: "1"}}
rating:
  forced_distribution:
    caps: [{{tier: outstanding, max_share: "0.15"}}]
    peer_group: {group}
    count_rounding: {rounding}
{extra}"""

# bank BK → region R1 → branches B1, B2; B1 → teams T1 (3 RMs), T2 (9 RMs);
# B2 → team T3 (10 RMs).
TREE: dict[str, tuple[str, str | None]] = {
    "BK": ("bank", None),
    "R1": ("region", "BK"),
    "B1": ("branch", "R1"),
    "B2": ("branch", "R1"),
    "T1": ("team", "B1"),
    "T2": ("team", "B1"),
    "T3": ("team", "B2"),
}


def card(group: str = "team", rounding: str = "down", extra: str = "") -> LoadedPolicy[Scorecard]:
    text = CARD.format(group=group, rounding=rounding, extra=extra)
    return load_scorecard_text(text, source="card.yaml", library=LIB)


def run(values: dict[str, str], staff: dict[str, StaffInfo], **kw: str) -> dict[str, RmScore]:
    loaded = card(**kw)
    result = score(
        {(s, "deposit_avg_growth"): Decimal(v) for s, v in values.items()},
        cards={"t_pool": loaded},
        assignment=dict.fromkeys(values, "t_pool"),
        period=Period.parse("2026Q3"),
        library=LIB,
        staff=staff,
    )
    return {s: result.total_of(s) for s in values}


def member(staff_id: str, unit: str) -> StaffInfo:
    path = org_path(TREE, unit)
    branch = next(u for u, k in path if k == "branch")
    return StaffInfo(staff_id, team=unit, branch=branch, org_path=path)


def test_small_team_pooled_with_its_branch_of_twelve() -> None:
    # T1: A1, A2, A3 all at 100.00. Alone, 3 × 0.15 = 0.45 → 0 would demote all three.
    # T1 has 3 < 10 RMs: pooled with branch B1, which takes in T2 as well: 3 + 9 = 12.
    # 12 × 0.15 = 1.80, rounded down: 1. The three tie at 100.00 and have no tiebreak
    # line, so staff_id decides: A1 keeps 优秀, A2 and A3 move to 良好.
    # T2's nine RMs score 80.00 (良好) and are untouched.
    # T3 has 10 RMs, not below the minimum: its own group. C00 and C01 score 95.00;
    # 10 × 0.15 = 1.50 → 1: C00 keeps 优秀, C01 moves down.
    values = {"A1": "100", "A2": "100", "A3": "100"}
    values |= {f"B{i}": "80" for i in range(9)}
    values |= {f"C{i:02d}": ("95" if i < 2 else "70") for i in range(10)}
    staff = {s: member(s, "T1" if s[0] == "A" else "T2" if s[0] == "B" else "T3") for s in values}
    got = run(values, staff)
    assert [str(got[s].tier) for s in ("A1", "A2", "A3")] == ["outstanding", "good", "good"]
    assert not got["A1"].demoted
    assert got["A2"].demoted and got["A3"].demoted
    reason = got["A2"].reason
    assert "branch B1 (team T1, T2 pooled up: fewer than 10 RMs)" in reason
    assert "12 × 0.15 = 1.80, rounded down: 1 of 12" in reason
    assert "placed 2 by total, then staff_id" in got["A2"].reason
    assert "placed 3" in got["A3"].reason
    assert all(str(got[f"B{i}"].tier) == "good" for i in range(9))
    assert str(got["C00"].tier) == "outstanding"
    assert str(got["C01"].tier) == "good"
    assert "in team T3 (10 × 0.15 = 1.50, rounded down: 1 of 10)" in got["C01"].reason


def test_minimum_is_policy() -> None:
    # The same team of 3 with min_group_size 3 is not pooled: 3 × 0.15 = 0.45 → 0, so
    # all three at 100.00 move to 良好 (the old behaviour, now a stated choice).
    values = {"A1": "100", "A2": "100", "A3": "100"} | {f"B{i}": "80" for i in range(9)}
    staff = {s: member(s, "T1" if s[0] == "A" else "T2") for s in values}
    got = run(values, staff, extra="    min_group_size: 3\n")
    assert [str(got[s].tier) for s in ("A1", "A2", "A3")] == ["good"] * 3
    assert "team T1 (3 × 0.15 = 0.45, rounded down: 0 of 3)" in got["A1"].reason


@pytest.mark.parametrize(
    ("rounding", "keep", "text"),
    [
        # 4 × 0.15 = 0.60: rounded down 0, so all four move to 良好;
        ("down", 0, "4 × 0.15 = 0.60, rounded down: 0 of 4"),
        # rounded half up 1: W1 (first by staff_id) keeps 优秀.
        ("half_up", 1, "4 × 0.15 = 0.60, rounded half up: 1 of 4"),
    ],
)
def test_bank_wide_group_below_the_minimum_stays(rounding: str, keep: int, text: str) -> None:
    # Four RMs at 100.00 on a card compared bank-wide: 4 < 10 but there is no level above
    # the bank, so the cap applies to the 4.
    values = {f"W{i}": "100" for i in range(1, 5)}
    got = run(values, {}, group="scorecard", rounding=rounding)
    tiers = [str(got[f"W{i}"].tier) for i in range(1, 5)]
    assert tiers == ["outstanding"] * keep + ["good"] * (4 - keep)
    assert f"in scorecard t_pool ({text})" in got["W4"].reason


def test_team_pooled_all_the_way_to_the_bank() -> None:
    # The only team of a one-branch bank without regions: T (4) → B (4) → bank (4).
    # 4 × 0.15 = 0.60 → 0 rounded down: both 100.00 RMs move to 良好, and the reason
    # names the bank level.
    tree: dict[str, tuple[str, str | None]] = {
        "BK": ("bank", None),
        "B": ("branch", "BK"),
        "T": ("team", "B"),
    }
    staff = {
        s: StaffInfo(s, team="T", branch="B", org_path=org_path(tree, "T"))
        for s in ("X1", "X2", "X3", "X4")
    }
    got = run({"X1": "100", "X2": "100", "X3": "80", "X4": "80"}, staff)
    assert str(got["X1"].tier) == str(got["X2"].tier) == "good"
    assert "bank t_pool (team T pooled up: fewer than 10 RMs) (4 × 0.15 = 0.60" in (
        got["X1"].reason
    )


def test_missing_region_and_team_levels() -> None:
    # Branch peer groups in a bank without regions: B1 (4) → bank. Pooling B1 at the bank
    # takes in every RM under it, B2's 12 included: one group of 16.
    # In a bank with regions, B1 (4) goes to R1 first: R1 holds B1 and B3 (4 + 3 = 7 < 10),
    # so on to the bank, again everyone. B2 (12) under R2 would have stayed alone, but the
    # bank level takes it in.
    flat = {f"p{i}": [("branch", "B1"), ("bank", "c")] for i in range(4)}
    flat |= {f"q{i:02d}": [("branch", "B2"), ("bank", "c")] for i in range(12)}
    groups = pooled_groups(flat, 10)
    assert list(groups) == [("bank", "c")]
    assert len(groups[("bank", "c")]) == 16
    # Two branches of 12 and 4 in different regions, 3 more in B1's region:
    deep = {f"p{i}": [("branch", "B1"), ("region", "R1"), ("bank", "c")] for i in range(4)}
    deep |= {f"r{i}": [("branch", "B3"), ("region", "R1"), ("bank", "c")] for i in range(3)}
    deep |= {f"q{i:02d}": [("branch", "B2"), ("region", "R2"), ("bank", "c")] for i in range(12)}
    groups = pooled_groups(deep, 10)
    assert list(groups) == [("bank", "c")] and len(groups[("bank", "c")]) == 19
    # With a minimum of 7, R1's 7 is enough: R1 (p*, r*) and B2 (q*) stay apart.
    groups = pooled_groups(deep, 7)
    assert sorted((k, len(v)) for k, v in groups.items()) == [
        (("branch", "B2"), 12),
        (("region", "R1"), 7),
    ]


def test_org_path_skips_absent_levels() -> None:
    tree: dict[str, tuple[str, str | None]] = {
        "BK": ("bank", None),
        "B": ("branch", "BK"),
    }
    assert org_path(tree, "B") == (("B", "branch"), ("BK", "bank"))
    assert org_path(TREE, "T2") == (
        ("T2", "team"),
        ("B1", "branch"),
        ("R1", "region"),
        ("BK", "bank"),
    )
    assert org_path(TREE, None) == ()


@pytest.mark.parametrize("bad", ["0", "-1", '"ten"', "2.5"])
def test_min_group_size_is_validated(bad: str) -> None:
    with pytest.raises(PolicyError) as exc:
        card(extra=f"    min_group_size: {bad}\n")
    found = [(i.file, i.line) for i in exc.value.issues]
    assert ("card.yaml", 12) in found  # the min_group_size line


def test_lake_staff_have_their_org_path(tmp_path: Path) -> None:
    # The builder's bank: BANK → RG1 → BR1 → TM1 with RM1 and RM2 in TM1. Move RM2 to
    # BR1 itself (no team level above RM2; the lake contract requires the region).
    b = LakeBuilder()
    for row in b.tables["staff"]:
        if row["staff_id"] == "RM2":
            row["unit_id"] = "BR1"
    b.write(tmp_path / "lake")
    lake = Lake(tmp_path / "lake", today=dt.date(2026, 11, 23))
    staff = staff_info(lake, period=Period.parse("2026Q3"))
    assert staff["RM1"].org_path == (
        ("TM1", "team"),
        ("BR1", "branch"),
        ("RG1", "region"),
        ("BANK", "bank"),
    )
    assert staff["RM2"].org_path == (("BR1", "branch"), ("RG1", "region"), ("BANK", "bank"))
