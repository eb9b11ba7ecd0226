"""Writes about customers: every one atomic and audited (shared/STYLE.md convention 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import may_reveal_personal_data
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.core.models import AuditEvent
from rmperf.customers.models import Customer
from rmperf.customers.selectors import customer_get

REVEAL_VERB = "customer.reveal_pi"
REVEAL_REFUSED_VERB = "customer.reveal_refused"
#: Why full personal data is needed (research D-03: minimum necessary, a stated purpose).
REVEAL_PURPOSES = {
    "service_call": _("Customer service call"),
    "identity_check": _("Identity check (KYC)"),
    "complaint": _("Complaint handling"),
    "transaction": _("Contract or transaction processing"),
}
#: The window of the reveal limit (settings.RMPERF_REVEAL_PER_HOUR).
REVEAL_WINDOW = dt.timedelta(hours=1)


class RevealRefused(Exception):
    """A reveal that was not made: no stated purpose (400) or over the limit (429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class PersonalData:
    """A customer's unmasked personal data, shown once to the actor who asked."""

    phone: str
    id_number: str
    birth_date: dt.date | None


def customer_reveal_personal_data(
    *, actor: Actor, customer_id: str, purpose: str
) -> tuple[Customer, PersonalData]:
    """Full phone, id number and birth date for a permitted role within scope, for one of
    REVEAL_PURPOSES; every reveal is audited with its purpose and the values themselves
    never enter the log (PIPL art. 51, DOMAIN.md §9). At most RMPERF_REVEAL_PER_HOUR
    reveals per person in any hour (anti-automation, research D-03/D-14); a reveal over
    the limit is refused and the refusal audited."""
    limit = int(settings.RMPERF_REVEAL_PER_HOUR)
    with transaction.atomic(durable=True):
        customer = customer_get(actor=actor, customer_id=customer_id)
        if not may_reveal_personal_data(actor):
            # Not permitted answers like not found (no oracle for what exists).
            raise Http404
        if purpose not in REVEAL_PURPOSES:
            raise RevealRefused(str(_("Choose why you need the full personal data.")), 400)
        recent = AuditEvent.objects.filter(
            actor=user_of(actor), verb=REVEAL_VERB, ts__gte=timezone.now() - REVEAL_WINDOW
        ).count()
        over = recent >= limit
        audit_record(
            actor=actor,
            verb=REVEAL_REFUSED_VERB if over else REVEAL_VERB,
            object_type="customer",
            object_id=customer.customer_id,
            after=(
                {"purpose": purpose, "limit": limit, "window_minutes": 60}
                if over
                else {"fields": ["phone", "id_number", "birth_date"], "purpose": purpose}
            ),
        )
    if over:
        raise RevealRefused(
            str(
                _(
                    "You have revealed personal data %(count)s times in the last hour, the "
                    "most allowed. Try again later; the refusal is recorded."
                )
                % {"count": recent}
            ),
            429,
        )
    return customer, PersonalData(
        phone=customer.phone, id_number=customer.id_number, birth_date=customer.birth_date
    )
