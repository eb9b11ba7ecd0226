"""One FilterSet for the inbox (and, later, the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rmperf.tasks.models import Task, TaskKind


class TaskFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """Filter the inbox by kind, customer (id or name) and due date."""

    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=TaskKind.choices)
    customer = django_filters.CharFilter(label=_("Customer"), method="filter_customer")
    due_before = django_filters.DateFilter(
        label=_("Due on or before"), field_name="due_date", lookup_expr="lte"
    )

    class Meta:
        model = Task
        fields = ("kind",)

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def filter_customer(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer_id=value) | Q(customer__name__icontains=value))
