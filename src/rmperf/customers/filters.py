"""The one customer FilterSet, shared by the HTML list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.customers.models import Customer, CustomerKind, RiskTolerance


class CustomerFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """Search by customer id, name or the last 4 digits of the phone; filter by kind and risk."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Customer id, name, or the last 4 digits of the phone"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=CustomerKind.choices, empty_label=_("All")
    )
    risk_level = django_filters.ChoiceFilter(
        label=_("Risk tolerance"), choices=RiskTolerance.choices, empty_label=_("All")
    )

    class Meta:
        model = Customer
        fields = ("q", "kind", "risk_level")

    def __init__(self, *args: Any, search_names: bool = True, **kwargs: Any) -> None:
        #: Roles that see names masked may not find customers by name either (a hit would
        #: confirm who is a customer: minimum necessary, DOMAIN.md §9).
        self.search_names = search_names
        super().__init__(*args, **kwargs)

    def search(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        """Four digits search the phone's tail; anything else the id (and the name)."""
        term = value.strip()
        if not term:
            return queryset
        match = models.Q(customer_id__icontains=term)
        if self.search_names:
            match |= models.Q(name__icontains=term)
        if len(term) == 4 and term.isdigit():
            match |= models.Q(phone__endswith=term)
        return queryset.filter(match)
