"""Org selectors: head counts over the tree, unit overviews with RM books."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rmperf.org.selectors import TreeNode, org_tree, staff_get, unit_overview
from tests.factories import Bank


def flatten(nodes: list[TreeNode]) -> dict[str, TreeNode]:
    out: dict[str, TreeNode] = {}
    for node in nodes:
        out[node.unit.unit_id] = node
        out.update(flatten(node.children))
    return out


def test_the_whole_tree_with_head_counts(bank: Bank) -> None:
    roots = org_tree(actor=bank.user("hannah"))
    assert [r.unit.unit_id for r in roots] == ["BANK"]
    nodes = flatten(roots)
    # BANK: hannah, audrey; BA: mike, terry; TA1: tina, alice; TA2: carol; TB1: bob
    assert {k: n.head_count for k, n in nodes.items()} == {
        "BANK": 8, "R1": 6, "BA": 5, "TA1": 2, "TA2": 1, "BB": 1, "TB1": 1,
    }  # fmt: skip
    assert nodes["BA"].by_role == {"branch_manager": 1, "teller": 1, "team_leader": 1, "rm": 2}
    assert [(rc.role, rc.count) for rc in nodes["BA"].role_counts] == [
        ("branch_manager", 1), ("team_leader", 1), ("rm", 2), ("teller", 1),
    ]  # fmt: skip
    assert [c.unit.unit_id for c in nodes["BA"].children] == ["TA1", "TA2"]


def test_a_branch_manager_sees_the_branch_as_the_root(bank: Bank) -> None:
    roots = org_tree(actor=bank.user("mike"))
    assert [r.unit.unit_id for r in roots] == ["BA"]
    assert roots[0].head_count == 5


def test_the_branch_overview(bank: Bank) -> None:
    overview = unit_overview(actor=bank.user("mike"), unit=bank.branch_a)
    assert [g.unit.unit_id for g in overview.groups] == ["BA", "TA1", "TA2"]
    ba, ta1, _ = overview.groups
    assert [(r.role, [m.staff_id for m in r.members]) for r in ba.roles] == [
        ("branch_manager", ["S-MIKE"]), ("teller", ["S-TERRY"]),
    ]  # fmt: skip
    assert [(r.role, [m.staff_id for m in r.members]) for r in ta1.roles] == [
        ("team_leader", ["S-TINA"]), ("rm", ["S-ALICE"]),
    ]  # fmt: skip
    members = [m for g in overview.groups for r in g.roles for m in r.members]
    counts = {m.staff_id: m.customer_count for m in members}  # type: ignore[attr-defined]
    assert counts["S-ALICE"] == 3 and counts["S-CAROL"] == 1 and counts["S-TINA"] == 0
    assert (overview.staff_count, overview.rm_count, overview.assigned_customers) == (5, 2, 4)
    # homed in branch A: C001 retail, C002 corporate, C003 retail, C010 retail
    assert [(k.kind, k.count) for k in overview.customers_by_kind] == [
        ("corporate", 1), ("retail", 3),
    ]  # fmt: skip
    assert overview.customer_total == 4


def test_the_team_overview_for_its_leader(bank: Bank) -> None:
    overview = unit_overview(actor=bank.user("tina"), unit=bank.team_a1)
    assert (overview.staff_count, overview.rm_count, overview.assigned_customers) == (2, 1, 3)
    assert overview.customers_by_kind == []  # customers are homed at branches, not teams


def test_an_rm_gets_no_customer_totals_of_the_unit(bank: Bank) -> None:
    overview = unit_overview(actor=bank.user("alice"), unit=bank.team_a1)
    assert [m.staff_id for g in overview.groups for r in g.roles for m in r.members] == ["S-ALICE"]
    assert overview.customers_by_kind == []


def test_customer_counts_follow_the_day(bank: Bank) -> None:
    today = timezone.localdate()
    alice_now = staff_get(actor=bank.user("hannah"), staff_id="S-ALICE")
    assert alice_now.customer_count == 3  # type: ignore[attr-defined]
    # 50 days ago C004 was still alice's, C003 already hers
    back_then = unit_overview(
        actor=bank.user("hannah"), unit=bank.team_a1, day=today - dt.timedelta(days=50)
    )
    alice = back_then.groups[0].roles[1].members[0]
    assert (alice.staff_id, alice.customer_count) == ("S-ALICE", 4)  # type: ignore[attr-defined]
