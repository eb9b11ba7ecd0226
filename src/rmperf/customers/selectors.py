"""Reads of customers, always through `restrict(actor)` first (shared/DESIGN.md "Access")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rmperf.core.access import may_see_customer_names, staff_of
from rmperf.core.actors import Actor
from rmperf.customers.filters import CustomerFilterSet
from rmperf.customers.models import PROFILE_FIELDS, Assignment, Customer, current_on


def customer_list(*, actor: Actor, filters: Mapping[str, Any] | None = None) -> CustomerFilterSet:
    """The customers the actor may see, narrowed by the filters (bound to the FilterSet so a
    caller can report invalid input)."""
    base = Customer.objects.restrict(actor).select_related("unit")
    return CustomerFilterSet(
        data=filters if filters is not None else {},
        queryset=base,
        search_names=may_see_customer_names(actor),
    )


def customer_get(*, actor: Actor, customer_id: str) -> Customer:
    """One customer in the actor's scope; out of scope answers 404 like a missing one."""
    customer: Customer = get_object_or_404(
        Customer.objects.restrict(actor).select_related("unit"), pk=customer_id
    )
    return customer


def customer_assignments(*, actor: Actor, customer: Customer) -> QuerySet[Assignment]:
    """Who looked after the customer and when, newest first, as far as the actor may see."""
    return (
        Assignment.objects.restrict(actor)
        .filter(customer=customer)
        .select_related("staff", "staff__unit")
        .order_by("-valid_from")
    )


def is_customers_rm(*, actor: Actor, customer: Customer) -> bool:
    """Whether the actor is the customer's RM today: the one person the profile (industry,
    household, hobbies, contact times) is shown to and edited by (minimum necessary)."""
    staff = staff_of(actor)
    if staff is None or staff.role != "rm":
        return False
    return Assignment.objects.filter(
        current_on(timezone.localdate()), customer=customer, staff=staff
    ).exists()


def profile_masked(*, customer: Customer) -> dict[str, str]:
    """The profile as the RM sees it before a reveal: a text of three characters or more
    keeps its first (`mask_name`), a shorter one is masked whole (a first character would
    be all of "茶" or half of "钓鱼"); empty stays empty."""
    from rmperf.core.masking import MASK, mask_name

    def masked(value: str) -> str:
        text = value.strip()
        return mask_name(text) if len(text) >= 3 else MASK * len(text)

    return {f: masked(getattr(customer, f)) for f in PROFILE_FIELDS}
