"""Writes about customers: every one atomic and audited (shared/STYLE.md convention 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404

from rmperf.core.access import may_reveal_personal_data
from rmperf.core.audit import audit_record
from rmperf.customers.models import Customer
from rmperf.customers.selectors import customer_get

REVEAL_VERB = "customer.reveal_pi"


@dataclass(frozen=True)
class PersonalData:
    """A customer's unmasked personal data, shown once to the actor who asked."""

    phone: str
    id_number: str
    birth_date: dt.date | None


def customer_reveal_personal_data(*, actor: Any, customer_id: str) -> tuple[Customer, PersonalData]:
    """Full phone, id number and birth date for a permitted role within scope; every reveal
    is audited and the values themselves never enter the log (PIPL art. 51, DOMAIN.md §9)."""
    with transaction.atomic(durable=True):
        customer = customer_get(actor=actor, customer_id=customer_id)
        if not may_reveal_personal_data(actor):
            # Not permitted answers like not found (no oracle for what exists).
            raise Http404
        audit_record(
            actor=actor,
            verb=REVEAL_VERB,
            object_type="customer",
            object_id=customer.customer_id,
            after={"fields": ["phone", "id_number", "birth_date"]},
        )
    return customer, PersonalData(
        phone=customer.phone, id_number=customer.id_number, birth_date=customer.birth_date
    )
