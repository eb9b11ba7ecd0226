"""The org tree's flexible shape (issue #18, finding 3): bank → [region →] branch [→ team].

A bank without regions and a branch without teams validate, import and scope access like
the full four levels; a unit hanging under a level that is not above it is still rejected.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rmperf.customers.models import Customer
from rmperf.engine.indicators.rollup import unit_at_level
from rmperf.engine.validate import validate_lake
from rmperf.lakes.models import ImportStatus
from rmperf.lakes.services import lake_import
from rmperf.org.models import OrgUnit, Staff
from tests.factories import make_user

from .conftest import TODAY, Rows

FLAT_ORG = [
    {"unit_id": "BANK", "name": "城商银行", "kind": "bank", "parent_id": ""},
    # No regions: both branches hang under the bank; BR2 has no teams.
    {"unit_id": "BR1", "name": "西湖支行", "kind": "branch", "parent_id": "BANK"},
    {"unit_id": "TM1", "name": "一组", "kind": "team", "parent_id": "BR1"},
    {"unit_id": "TM2", "name": "二组", "kind": "team", "parent_id": "BR1"},
    {"unit_id": "BR2", "name": "乡镇支行", "kind": "branch", "parent_id": "BANK"},
]


def staff(staff_id: str, role: str, unit: str, rank: str = "") -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": f"员工{staff_id}",
        "role": role,
        "rank": rank,
        "unit_id": unit,
        "hired_on": "2015-01-01",
    }


@pytest.fixture
def flat_rows(lake_rows: Rows) -> Rows:
    """The hand-made bank without its region, plus a branch BR2 without teams: its RM S8
    and branch manager S9 work in the branch itself; C9 is homed there, looked after by S8."""
    lake_rows["org_units"] = [dict(u) for u in FLAT_ORG]
    lake_rows["staff"] += [staff("S8", "rm", "BR2", "junior"), staff("S9", "branch_manager", "BR2")]
    c9 = {**lake_rows["customers"][0], "customer_id": "C9", "unit_id": "BR2", "name": "乡镇客户"}
    lake_rows["customers"].append(c9)
    lake_rows["assignments"].append(
        {"customer_id": "C9", "staff_id": "S8", "valid_from": "2024-01-01", "valid_to": ""}
    )
    return lake_rows


def rejects(lake: Path, table: str) -> list[dict[str, str]]:
    path = lake / "_rejects" / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_bank_without_regions_and_a_branch_without_teams_validate(
    make_lake: Any, flat_rows: Rows
) -> None:
    lake = make_lake(flat_rows)

    result = validate_lake(lake, today=TODAY)

    for table in ("org_units", "staff", "customers", "assignments"):
        assert result.summaries[table].rejected == 0, rejects(lake, table)
    assert result.summaries["org_units"].rows == 5
    assert not result.problems


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        (
            {"unit_id": "TMX", "name": "孤组", "kind": "team", "parent_id": "BANK"},
            "parent_id: BANK is a bank, but a team needs a branch as parent",
        ),
        (
            {"unit_id": "BRX", "name": "错支行", "kind": "branch", "parent_id": "TM1"},
            "parent_id: TM1 is a team, but a branch needs a region or bank as parent",
        ),
        (
            {"unit_id": "RGX", "name": "错区域", "kind": "region", "parent_id": "BR2"},
            "parent_id: BR2 is a branch, but a region needs a bank as parent",
        ),
    ],
)
def test_a_unit_under_a_level_not_above_it_is_still_rejected(
    make_lake: Any, flat_rows: Rows, unit: dict[str, str], reason: str
) -> None:
    flat_rows["org_units"].append(unit)
    lake = make_lake(flat_rows)

    result = validate_lake(lake, today=TODAY)

    assert result.summaries["org_units"].rejected == 1
    [row] = rejects(lake, "org_units")
    assert (row["unit_id"], row["reject_column"]) == (unit["unit_id"], "parent_id")
    assert reason in row["reject_reason"]


def test_a_unit_under_a_rejected_unit_is_rejected_with_it(make_lake: Any, flat_rows: Rows) -> None:
    flat_rows["org_units"][1]["kind"] = "outlet"  # BR1: not a kind; its teams lose their parent
    lake = make_lake(flat_rows)

    result = validate_lake(lake, today=TODAY)

    assert {r["unit_id"] for r in rejects(lake, "org_units")} == {"BR1", "TM1", "TM2"}
    assert result.summaries["org_units"].rejected == 3


@pytest.mark.django_db
def test_the_flat_bank_imports_and_scopes_access_on_every_shape(
    make_lake: Any, flat_rows: Rows
) -> None:
    imp = lake_import(actor=None, lake_dir=make_lake(flat_rows), today=TODAY)

    assert imp.status == ImportStatus.SUCCEEDED, imp.problems
    paths = dict(OrgUnit.objects.values_list("unit_id", "path"))
    assert paths == {
        "BANK": "/BANK/",
        "BR1": "/BANK/BR1/",
        "TM1": "/BANK/BR1/TM1/",
        "TM2": "/BANK/BR1/TM2/",
        "BR2": "/BANK/BR2/",
    }

    def customers_of(staff_id: str) -> set[str]:
        user = make_user(username=f"u-{staff_id}")
        Staff.objects.filter(pk=staff_id).update(user=user)
        user.refresh_from_db()
        return set(Customer.objects.restrict(user).values_list("customer_id", flat=True))

    def units_of(staff_id: str) -> set[str]:
        user = Staff.objects.get(pk=staff_id).user
        return set(OrgUnit.objects.restrict(user).values_list("unit_id", flat=True))

    # Today's books (an assignment with an end date is over: the lake has one reassignment).
    today = [a for a in flat_rows["assignments"] if not a["valid_to"]]
    book_s1 = {a["customer_id"] for a in today if a["staff_id"] == "S1"}
    book_s1_s2 = {a["customer_id"] for a in today if a["staff_id"] in ("S1", "S2")}
    assert book_s1 and book_s1 < book_s1_s2
    every_br1 = {c["customer_id"] for c in flat_rows["customers"] if c["unit_id"] == "BR1"}
    # The branch without teams: its manager and its RM, who works in the branch itself.
    assert customers_of("S9") == {"C9"}
    assert units_of("S9") == {"BR2"}
    assert customers_of("S8") == {"C9"}
    # The branch with teams under the bank directly: manager, team leader, RM.
    assert customers_of("S5") == every_br1
    assert units_of("S5") == {"BR1", "TM1", "TM2"}
    assert customers_of("S4") == book_s1_s2  # TM1's team leader: TM1's RMs' books
    assert customers_of("S1") == book_s1
    # HR sees the whole bank.
    assert customers_of("S7") == every_br1 | {"C9"}

    # The pages: the tree without regions, the branch without teams as its manager's own.
    hr, manager = Client(), Client()
    hr.force_login(Staff.objects.get(pk="S7").user)
    manager.force_login(Staff.objects.get(pk="S9").user)
    tree = hr.get("/org/", HTTP_ACCEPT_LANGUAGE="en")
    assert tree.status_code == 200
    body = tree.content.decode()
    for name in ("城商银行", "西湖支行", "乡镇支行", "一组", "二组"):
        assert name in body
    page = manager.get("/org/units/BR2/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "My branch" in page.content.decode() and "员工S8" in page.content.decode()
    assert manager.get("/org/units/BR1/").status_code == 404  # another branch


def test_roll_up_levels_on_a_bank_without_regions_or_teams() -> None:
    units = {u["unit_id"]: u | {"parent_id": u["parent_id"] or None} for u in FLAT_ORG}
    assert unit_at_level("TM1", units, "branch") == "BR1"
    assert unit_at_level("BR2", units, "branch") == "BR2"
    assert unit_at_level("BR2", units, "team") is None  # an RM straight in a branch
    assert unit_at_level("TM2", units, "bank") == "BANK"
