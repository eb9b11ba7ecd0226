"""restrict(actor, action): who sees which rows, by persona, with hand-listed expectations."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from rmperf.core.access import (
    Scope,
    may_read_model,
    may_reveal_personal_data,
    may_see_customer_names,
    scope_of,
)
from rmperf.core.audit import audit_record
from rmperf.core.models import AuditEvent
from rmperf.customers.models import Assignment, Customer, Product
from rmperf.org.models import OrgUnit, Staff
from tests.factories import Bank, make_staff, make_unit, make_user

ALL_CUSTOMERS = {"C001", "C002", "C003", "C004", "C010", "C100"}
ALL_STAFF = {
    "S-ALICE", "S-BOB", "S-CAROL", "S-TINA", "S-MIKE", "S-TERRY", "S-HANNAH", "S-AUDREY",
}  # fmt: skip
ALL_UNITS = {"BANK", "R1", "BA", "BB", "TA1", "TA2", "TB1"}

CUSTOMERS_SEEN = {
    "alice": {"C001", "C002", "C003"},  # C004 was hers until 30 days ago: no longer
    "bob": {"C004", "C100"},
    "carol": {"C010"},  # C003 was hers until 101 days ago
    "tina": {"C001", "C002", "C003"},  # looked after by her team (alice)
    "mike": {"C001", "C002", "C003", "C010"},  # homed in branch A; C004 moved to bob (B)
    "terry": {"C001", "C002", "C003", "C010"},
    "hannah": ALL_CUSTOMERS,
    "audrey": ALL_CUSTOMERS,
    "nostaff": set(),
}
STAFF_SEEN = {
    "alice": {"S-ALICE"},
    "bob": {"S-BOB"},
    "carol": {"S-CAROL"},
    "tina": {"S-ALICE", "S-TINA"},
    "mike": {"S-ALICE", "S-CAROL", "S-TINA", "S-MIKE", "S-TERRY"},
    "terry": {"S-ALICE", "S-CAROL", "S-TINA", "S-MIKE", "S-TERRY"},
    "hannah": ALL_STAFF,
    "audrey": ALL_STAFF,
    "nostaff": set(),
}
UNITS_SEEN = {
    "alice": {"TA1"},
    "bob": {"TB1"},
    "carol": {"TA2"},
    "tina": {"TA1"},
    "mike": {"BA", "TA1", "TA2"},
    "terry": {"BA", "TA1", "TA2"},
    "hannah": ALL_UNITS,
    "audrey": ALL_UNITS,
    "nostaff": set(),
}
ASSIGNMENTS_SEEN = {
    # her own, plus the history of the customers she looks after today (C003 was carol's)
    "alice": {("C001", "S-ALICE"), ("C002", "S-ALICE"), ("C003", "S-CAROL"),
              ("C003", "S-ALICE"), ("C004", "S-ALICE")},
    "bob": {("C004", "S-ALICE"), ("C004", "S-BOB"), ("C100", "S-BOB")},
    "carol": {("C003", "S-CAROL"), ("C010", "S-CAROL")},
    "nostaff": set(),
}  # fmt: skip


def ids(qs: Any) -> set[str]:
    return {str(pk) for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize("persona", sorted(CUSTOMERS_SEEN))
def test_customers_seen_by_each_persona(bank: Bank, persona: str) -> None:
    assert ids(Customer.objects.restrict(bank.user(persona))) == CUSTOMERS_SEEN[persona]


@pytest.mark.parametrize("persona", sorted(STAFF_SEEN))
def test_staff_seen_by_each_persona(bank: Bank, persona: str) -> None:
    assert ids(Staff.objects.restrict(bank.user(persona))) == STAFF_SEEN[persona]


@pytest.mark.parametrize("persona", sorted(UNITS_SEEN))
def test_units_seen_by_each_persona(bank: Bank, persona: str) -> None:
    assert ids(OrgUnit.objects.restrict(bank.user(persona))) == UNITS_SEEN[persona]


@pytest.mark.parametrize("persona", sorted(ASSIGNMENTS_SEEN))
def test_assignments_seen_by_rms(bank: Bank, persona: str) -> None:
    rows = Assignment.objects.restrict(bank.user(persona)).values_list("customer_id", "staff_id")
    assert set(rows) == ASSIGNMENTS_SEEN[persona]


def test_bob_sees_nothing_of_alices(bank: Bank) -> None:
    bob = bank.user("bob")
    assert not Customer.objects.restrict(bob).filter(pk__in=["C001", "C002", "C003"]).exists()
    assert not Staff.objects.restrict(bob).filter(pk="S-ALICE").exists()
    assert not OrgUnit.objects.restrict(bob).filter(pk__in=["TA1", "BA"]).exists()
    assert not Assignment.objects.restrict(bob).filter(customer_id__in=["C001", "C002"]).exists()


def test_anonymous_and_inactive_users_see_nothing(bank: Bank) -> None:
    assert scope_of(AnonymousUser()) is None
    assert scope_of(None) is None
    alice = bank.user("alice")
    alice.is_active = False
    assert scope_of(alice) is None
    assert not Customer.objects.restrict(alice).exists()
    assert not Customer.objects.restrict(AnonymousUser()).exists()


def test_a_superuser_sees_everything(bank: Bank) -> None:
    root = make_user(username="root", is_superuser=True)
    assert scope_of(root) == Scope(everything=True, superuser=True)
    assert ids(Customer.objects.restrict(root)) == ALL_CUSTOMERS
    assert ids(Customer.objects.restrict(root, "change")) == ALL_CUSTOMERS


def test_read_only_roles_may_only_view(bank: Bank) -> None:
    audrey = bank.user("audrey")
    assert ids(Customer.objects.restrict(audrey, "view")) == ALL_CUSTOMERS
    for action in ("add", "change", "delete"):
        assert not Customer.objects.restrict(audrey, action).exists()


def test_changes_follow_scope_and_the_shelf_and_tree_are_import_only(bank: Bank) -> None:
    alice = bank.user("alice")
    assert ids(Customer.objects.restrict(alice, "change")) == {"C001", "C002", "C003"}
    assert ids(Product.objects.restrict(alice)) == {"P-DEP"}
    assert not Product.objects.restrict(alice, "change").exists()
    assert not OrgUnit.objects.restrict(bank.user("mike"), "change").exists()
    assert not Staff.objects.restrict(bank.user("mike"), "change").exists()
    # HR maintains the bank-wide records.
    assert ids(Staff.objects.restrict(bank.user("hannah"), "change")) == ALL_STAFF


def test_an_unknown_action_is_an_error(bank: Bank) -> None:
    with pytest.raises(ValueError, match="approve"):
        Customer.objects.restrict(bank.user("alice"), "approve")


def test_a_unit_without_a_path_fails_closed(bank: Bank) -> None:
    broken = make_unit(unit_id="TX", name="Broken", kind="team", parent=bank.branch_a)
    OrgUnit.objects.filter(pk="TX").update(path="")
    broken.refresh_from_db()
    leader = make_staff(
        staff_id="S-X", name="X", role="team_leader", unit=broken, username="x-leader"
    )
    assert leader.user is not None
    assert scope_of(leader.user) is None  # "" would otherwise prefix every path
    assert not Customer.objects.restrict(leader.user).exists()


def test_the_audit_log_is_for_auditors_only(bank: Bank) -> None:
    audit_record(actor=bank.user("alice"), verb="test.event", object_type="x", object_id="1")
    assert AuditEvent.objects.restrict(bank.user("audrey")).count() == 1
    for persona in ("alice", "mike", "hannah", "nostaff"):
        assert not AuditEvent.objects.restrict(bank.user(persona)).exists()
        assert not may_read_model(bank.user(persona), AuditEvent)
    assert may_read_model(bank.user("audrey"), AuditEvent)
    assert not AuditEvent.objects.restrict(bank.user("audrey"), "delete").exists()


@pytest.mark.parametrize(
    ("persona", "reveal", "names"),
    [
        ("alice", True, True),
        ("tina", True, True),
        ("mike", True, True),
        ("terry", False, True),
        ("hannah", False, False),
        ("audrey", False, False),
        ("nostaff", False, False),
    ],
)
def test_personal_data_rights(bank: Bank, persona: str, reveal: bool, names: bool) -> None:
    user = bank.user(persona)
    assert may_reveal_personal_data(user) is reveal
    assert may_see_customer_names(user) is names
