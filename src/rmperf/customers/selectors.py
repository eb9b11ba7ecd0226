"""Reads of customers, always through `restrict(actor)` first (shared/DESIGN.md "Access")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from rmperf.core.access import may_see_customer_names
from rmperf.core.actors import Actor
from rmperf.customers.filters import CustomerFilterSet
from rmperf.customers.models import Assignment, Customer


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
