"""Typed factories and the persona bank every app's tests share.

The bank (ids in brackets):

    Bank [BANK] (HQ: hr hannah, auditor audrey)
    └── Region 1 [R1]
        ├── Branch A [BA] (branch manager mike, teller terry)
        │   ├── Team A1 [TA1] (team leader tina, RM alice)
        │   └── Team A2 [TA2] (RM carol)
        └── Branch B [BB]
            └── Team B1 [TB1] (RM bob)

Customers (today's RM): alice → C001 (retail, 张三丰), C002 (corporate), C003 (retail,
carol's until 100 days ago); carol → C010; bob → C100, and C004 which alice looked after
until 30 days ago. `nostaff` is a login without a staff record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from rmperf.customers.models import Assignment, Customer, Product
from rmperf.org.models import OrgUnit, Staff, unit_path


def make_unit(*, unit_id: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(
        unit_id=unit_id,
        name=name,
        kind=kind,
        parent=parent,
        path=unit_path(parent.path if parent else None, unit_id),
    )


def make_user(*, username: str, is_superuser: bool = False) -> User:
    user = User.objects.create(username=username, is_superuser=is_superuser, is_staff=is_superuser)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def make_staff(
    *,
    staff_id: str,
    name: str,
    role: str,
    unit: OrgUnit,
    rank: str = "",
    hired_on: dt.date = dt.date(2020, 3, 1),
    username: str | None = None,
) -> Staff:
    user = make_user(username=username) if username else None
    return Staff.objects.create(
        staff_id=staff_id, name=name, role=role, rank=rank, unit=unit, hired_on=hired_on, user=user
    )


def make_customer(
    *,
    customer_id: str,
    name: str,
    unit: OrgUnit,
    kind: str = "retail",
    phone: str = "",
    id_number: str = "",
    birth_date: dt.date | None = None,
    opened_on: dt.date = dt.date(2021, 5, 4),
    risk_level: str = "",
    risk_assessed_on: dt.date | None = None,
    contact_verified_on: dt.date | None = None,
) -> Customer:
    return Customer.objects.create(
        customer_id=customer_id,
        name=name,
        kind=kind,
        unit=unit,
        phone=phone,
        id_number=id_number,
        birth_date=birth_date,
        opened_on=opened_on,
        risk_level=risk_level,
        risk_assessed_on=risk_assessed_on,
        contact_verified_on=contact_verified_on,
    )


def make_assignment(
    *, customer: Customer, staff: Staff, valid_from: dt.date, valid_to: dt.date | None = None
) -> Assignment:
    return Assignment.objects.create(
        customer=customer, staff=staff, valid_from=valid_from, valid_to=valid_to
    )


def make_product(*, product_id: str = "P-DEP", name: str = "Demand deposit") -> Product:
    return Product.objects.create(
        product_id=product_id,
        name=name,
        category="deposit",
        risk_level="R1",
        revenue_rate=Decimal("0.001500"),
    )


@dataclass(frozen=True)
class Bank:
    """The persona bank: units, staff, their logins and customers."""

    bank: OrgUnit
    region: OrgUnit
    branch_a: OrgUnit
    branch_b: OrgUnit
    team_a1: OrgUnit
    team_a2: OrgUnit
    team_b1: OrgUnit
    alice: Staff
    bob: Staff
    carol: Staff
    tina: Staff
    mike: Staff
    terry: Staff
    hannah: Staff
    audrey: Staff
    nostaff: User
    c001: Customer
    c002: Customer
    c003: Customer
    c004: Customer
    c010: Customer
    c100: Customer
    product: Product

    def user(self, persona: str) -> User:
        """The login of a persona by name ("alice", …, "nostaff")."""
        if persona == "nostaff":
            return self.nostaff
        staff: Staff = getattr(self, persona)
        assert staff.user is not None
        return staff.user


#: Every persona with a login, by name.
PERSONAS = ("alice", "bob", "carol", "tina", "mike", "terry", "hannah", "audrey", "nostaff")


def build_bank(*, today: dt.date | None = None) -> Bank:
    """Create the persona bank (see the module docstring) in the test database."""
    today = today or timezone.localdate()
    bank = make_unit(unit_id="BANK", name="Demo Bank", kind="bank")
    region = make_unit(unit_id="R1", name="Region 1", kind="region", parent=bank)
    branch_a = make_unit(unit_id="BA", name="Branch A", kind="branch", parent=region)
    branch_b = make_unit(unit_id="BB", name="Branch B", kind="branch", parent=region)
    team_a1 = make_unit(unit_id="TA1", name="Team A1", kind="team", parent=branch_a)
    team_a2 = make_unit(unit_id="TA2", name="Team A2", kind="team", parent=branch_a)
    team_b1 = make_unit(unit_id="TB1", name="Team B1", kind="team", parent=branch_b)

    alice = make_staff(
        staff_id="S-ALICE",
        name="Alice An",
        role="rm",
        rank="senior",
        unit=team_a1,
        username="alice",
    )
    bob = make_staff(
        staff_id="S-BOB",
        name="Bob Bai",
        role="rm",
        rank="junior",
        unit=team_b1,
        username="bob",
    )
    carol = make_staff(
        staff_id="S-CAROL",
        name="Carol Cao",
        role="rm",
        rank="intermediate",
        unit=team_a2,
        username="carol",
    )
    tina = make_staff(
        staff_id="S-TINA", name="Tina Tang", role="team_leader", unit=team_a1, username="tina"
    )
    mike = make_staff(
        staff_id="S-MIKE", name="Mike Ma", role="branch_manager", unit=branch_a, username="mike"
    )
    terry = make_staff(
        staff_id="S-TERRY", name="Terry Tian", role="teller", unit=branch_a, username="terry"
    )
    hannah = make_staff(
        staff_id="S-HANNAH", name="Hannah He", role="hr", unit=bank, username="hannah"
    )
    audrey = make_staff(
        staff_id="S-AUDREY", name="Audrey Ou", role="auditor", unit=bank, username="audrey"
    )
    nostaff = make_user(username="nostaff")

    c001 = make_customer(
        customer_id="C001",
        name="张三丰",
        unit=branch_a,
        phone="13812341234",
        id_number="110101199001011234",
        birth_date=dt.date(1990, 1, 1),
        risk_level="C3",
        risk_assessed_on=dt.date(2026, 1, 15),
        contact_verified_on=dt.date(2026, 2, 1),
    )
    c002 = make_customer(
        customer_id="C002",
        name="Acme Trading Ltd",
        unit=branch_a,
        kind="corporate",
        phone="02188889999",
        id_number="91310000MA1FL0XX2Q",
        risk_level="C4",
    )
    c003 = make_customer(
        customer_id="C003",
        name="李四",
        unit=branch_a,
        phone="13900005678",
        id_number="310101198512125678",
        birth_date=dt.date(1985, 12, 12),
        risk_level="C1",
    )
    c004 = make_customer(
        customer_id="C004",
        name="王五",
        unit=branch_b,
        phone="13700004444",
        id_number="440101197001014444",
        birth_date=dt.date(1970, 1, 1),
        risk_level="C2",
    )
    c010 = make_customer(
        customer_id="C010", name="赵六", unit=branch_a, phone="13600001010", risk_level="C2"
    )
    c100 = make_customer(
        customer_id="C100",
        name="Bob Customer",
        unit=branch_b,
        phone="13500000100",
        id_number="120101199909099999",
        risk_level="C5",
    )
    long_ago = today - dt.timedelta(days=400)
    make_assignment(customer=c001, staff=alice, valid_from=long_ago)
    make_assignment(customer=c002, staff=alice, valid_from=long_ago)
    make_assignment(
        customer=c003, staff=carol, valid_from=long_ago, valid_to=today - dt.timedelta(days=101)
    )
    make_assignment(customer=c003, staff=alice, valid_from=today - dt.timedelta(days=100))
    make_assignment(
        customer=c004, staff=alice, valid_from=long_ago, valid_to=today - dt.timedelta(days=31)
    )
    make_assignment(customer=c004, staff=bob, valid_from=today - dt.timedelta(days=30))
    make_assignment(customer=c010, staff=carol, valid_from=long_ago)
    make_assignment(customer=c100, staff=bob, valid_from=long_ago)

    return Bank(
        bank=bank,
        region=region,
        branch_a=branch_a,
        branch_b=branch_b,
        team_a1=team_a1,
        team_a2=team_a2,
        team_b1=team_b1,
        alice=alice,
        bob=bob,
        carol=carol,
        tina=tina,
        mike=mike,
        terry=terry,
        hannah=hannah,
        audrey=audrey,
        nostaff=nostaff,
        c001=c001,
        c002=c002,
        c003=c003,
        c004=c004,
        c010=c010,
        c100=c100,
        product=make_product(),
    )


def add_customers(*, staff: Staff, count: int, prefix: str = "X") -> list[Customer]:
    """`count` more customers of `staff`'s branch, assigned to them (for query-count tests)."""
    today = timezone.localdate()
    branch = staff.unit if staff.unit.kind == "branch" else staff.unit.parent
    assert branch is not None
    customers = Customer.objects.bulk_create(
        Customer(
            customer_id=f"{prefix}{i:04d}",
            name=f"客户{i}",
            kind="retail",
            unit=branch,
            opened_on=dt.date(2022, 1, 1),
            phone=f"1380000{i:04d}",
            risk_level="C2",
        )
        for i in range(count)
    )
    Assignment.objects.bulk_create(
        Assignment(customer=c, staff=staff, valid_from=today - dt.timedelta(days=10))
        for c in customers
    )
    return customers
