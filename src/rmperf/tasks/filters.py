"""One FilterSet for the inbox (and, later, the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import may_see_customer_names
from rmperf.core.actors import Actor
from rmperf.tasks.models import Task, TaskKind


class TaskFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """Filter the inbox by kind, customer (id, or name for roles that see it) and due date."""

    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=TaskKind.choices)
    customer = django_filters.CharFilter(label=_("Customer"), method="filter_customer")
    due_before = django_filters.DateFilter(
        label=_("Due on or before"), field_name="due_date", lookup_expr="lte"
    )

    class Meta:
        model = Task
        fields = ("kind",)

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def filter_customer(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        value = value.strip()
        if not value:
            return queryset
        match = Q(customer_id=value)
        # As on the customer list: a role that sees names masked may not find a customer
        # by name either (a hit would confirm who it is, DOMAIN.md §9).
        if may_see_customer_names(self.actor):
            match |= Q(customer__name__icontains=value)
        return queryset.filter(match)
