"""Writes about customers: every one atomic and audited (shared/STYLE.md convention 2)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import may_reveal_personal_data
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.core.models import AuditEvent
from rmperf.customers.models import PROFILE_FIELDS, Customer
from rmperf.customers.selectors import customer_get, is_customers_rm

REVEAL_VERB = "customer.reveal_pi"
REVEAL_REFUSED_VERB = "customer.reveal_refused"
#: Why full personal data is needed (research D-03: minimum necessary, a stated purpose).
REVEAL_PURPOSES = {
    "service_call": _("Customer service call"),
    "profile_update": _("Updating the customer profile"),
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
    #: The profile (industry, household, hobbies, contact times), for the customer's RM
    #: only; None for anyone else.
    profile: dict[str, str] | None = None


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
        with_profile = is_customers_rm(actor=actor, customer=customer)
        fields = ["phone", "id_number", "birth_date"]
        if with_profile:
            fields += list(PROFILE_FIELDS)
        audit_record(
            actor=actor,
            verb=REVEAL_REFUSED_VERB if over else REVEAL_VERB,
            object_type="customer",
            object_id=customer.customer_id,
            after=(
                {"purpose": purpose, "limit": limit, "window_minutes": 60}
                if over
                else {"fields": fields, "purpose": purpose}
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
        phone=customer.phone,
        id_number=customer.id_number,
        birth_date=customer.birth_date,
        profile={f: getattr(customer, f) for f in PROFILE_FIELDS} if with_profile else None,
    )


PROFILE_VERB = "customer.profile_update"


class ProfileRefused(Exception):
    """A profile edit that was not saved: the text breaks a rule (too long, a control
    character); `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def customer_profile_update(
    *, actor: Actor, customer_id: str, values: dict[str, str]
) -> tuple[Customer, list[str]]:
    """The customer's RM sets the profile (industry, household, hobbies, preferred
    contact times). Anyone else answers 404, like a customer out of scope. Text is
    validated as the lake's is (length, no control characters); what changed is audited
    by field name only, the texts never enter the log (personal data, PIPL art. 51). From
    then on a lake import leaves the profile as the RM wrote it. Returns the changed
    fields (none: nothing written, nothing audited)."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with transaction.atomic(durable=True):
        customer = customer_get(actor=actor, customer_id=customer_id)
        if not is_customers_rm(actor=actor, customer=customer):
            raise Http404
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        changed = [
            f for f in PROFILE_FIELDS if f in values and getattr(customer, f) != values[f].strip()
        ]
        if not changed:
            return customer, []
        for f in changed:
            setattr(customer, f, values[f].strip())
        customer.profile_edited_at = timezone.now()
        customer.profile_edited_by = user_of(actor)
        try:
            # Only the profile is checked: the rest came from the lake, validated there.
            customer.clean_fields(
                exclude=[f.name for f in Customer._meta.fields if f.name not in changed]
            )
        except ValidationError as exc:
            raise ProfileRefused(
                {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            ) from None
        customer.save(update_fields=[*changed, "profile_edited_at", "profile_edited_by"])
        audit_record(
            actor=actor,
            verb=PROFILE_VERB,
            object_type="customer",
            object_id=customer.customer_id,
            after={"fields": changed},
        )
    return customer, changed


PROFILE_EXPIRE_VERB = "customer.profile_expire"


@dataclass(frozen=True)
class ProfileExpiry:
    """What one retention run erased."""

    cutoff: dt.date
    customers: int


def customer_profiles_expire(*, actor: Actor, today: dt.date) -> ProfileExpiry:
    """Erase the profile (industry, household, hobbies, contact times) of every customer
    who has had no RM for more than RMPERF_PROFILE_RETENTION_DAYS: the last assignment
    ended before the cut-off day, or, never assigned, opened before it (research D-04:
    kept no longer than the purpose, serving the customer, needs). The erased profile
    counts as edited in the app, so a later lake delivery does not bring it back (a new
    RM records it anew). One audit event for the run: how many customers and a digest of
    their ids, never the texts. Running twice erases nothing more."""
    from django.db.models import Exists, Max, OuterRef, Q

    from rmperf.customers.models import Assignment, current_on

    days = int(settings.RMPERF_PROFILE_RETENTION_DAYS)
    cutoff = today - dt.timedelta(days=days)
    any_profile = Q()
    for f in PROFILE_FIELDS:
        any_profile |= ~Q(**{f: ""})
    served_now = Assignment.objects.filter(current_on(today), customer=OuterRef("pk"))
    with transaction.atomic(durable=True):
        candidates = (
            Customer.objects.filter(any_profile)
            .annotate(served_now=Exists(served_now), last_end=Max("assignments__valid_to"))
            .filter(served_now=False)
            .filter(
                Q(last_end__lt=cutoff)
                | (Q(last_end__isnull=True) & Q(assignments__isnull=True) & Q(opened_on__lt=cutoff))
            )
        )
        ids = sorted(set(candidates.values_list("customer_id", flat=True)))
        if ids:
            Customer.objects.filter(customer_id__in=ids).update(
                **{f: "" for f in PROFILE_FIELDS},
                profile_edited_at=timezone.now(),
                profile_edited_by=None,
            )
            audit_record(
                actor=actor,
                verb=PROFILE_EXPIRE_VERB,
                object_type="customer",
                object_id="*",
                after={
                    "customers": len(ids),
                    "cutoff": cutoff.isoformat(),
                    "retention_days": days,
                    "ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
                },
            )
    return ProfileExpiry(cutoff=cutoff, customers=len(ids))
