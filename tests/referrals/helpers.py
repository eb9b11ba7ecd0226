"""Shared setup for the referral app tests: a new customer fit for the teller rule, a
wealth manager persona, and a referral from terry (teller) to alice (RM)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rmperf.customers.models import Customer
from rmperf.org.models import Staff
from rmperf.referrals.models import Referral
from rmperf.referrals.services import referral_create
from tests.factories import Bank, make_assignment, make_customer, make_staff


def new_customer(
    bank: Bank, customer_id: str = "C900", *, opened_on: dt.date | None = None
) -> Customer:
    """A retail customer of branch A opened 2 days ago, looked after by alice."""
    today = timezone.localdate()
    c = make_customer(
        customer_id=customer_id,
        name="新客户",
        unit=bank.branch_a,
        opened_on=opened_on or today - dt.timedelta(days=2),
    )
    make_assignment(customer=c, staff=bank.alice, valid_from=c.opened_on)
    return c


def wendy(bank: Bank) -> Staff:
    """A wealth manager in branch A (login "wendy")."""
    return make_staff(
        staff_id="S-WENDY",
        name="Wendy Wu",
        role="wealth_manager",
        unit=bank.branch_a,
        username="wendy",
    )


def refer(
    bank: Bank,
    customer: Customer | None = None,
    *,
    deposit: str = "50000.00",
    now: dt.datetime | None = None,
) -> Referral:
    """terry → alice, wealth, for a new customer (made with `new_customer` if not given)."""
    customer = customer or new_customer(bank)
    return referral_create(
        actor=bank.user("terry"),
        customer_id=customer.customer_id,
        need="wealth",
        deposit=Decimal(deposit),
        now=now,
    )


def referral_in_alices_scope(bank: Bank) -> Referral:
    """terry → alice for C900 (made once per test bank): the generic access suite's object."""
    existing = Referral.objects.filter(customer_id="C900").first()
    return existing if existing is not None else refer(bank)
