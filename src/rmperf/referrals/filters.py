"""The one referral FilterSet, shared by the inbox page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.referrals.models import Need, Referral, State


class ReferralFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """Filter by state and need; search by the customer's id (and name, for roles that see it)."""

    state = django_filters.ChoiceFilter(
        label=_("State"), choices=State.choices, empty_label=_("All")
    )
    need = django_filters.ChoiceFilter(label=_("Need"), choices=Need.choices, empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Customer"), method="search")

    class Meta:
        model = Referral
        fields = ("state", "need", "q")

    def __init__(self, *args: Any, search_names: bool = True, **kwargs: Any) -> None:
        #: As on the customer list: a role that sees names masked may not find a referral
        #: by the customer's name either (a hit would confirm who it is, DOMAIN.md §9).
        self.search_names = search_names
        super().__init__(*args, **kwargs)

    def search(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        """A part of the customer's id, or of their name; through the relation, because
        `customer_id` is the foreign key's column and takes no text lookups."""
        term = value.strip()
        if not term:
            return queryset
        match = models.Q(customer__customer_id__icontains=term)
        if self.search_names:
            match |= models.Q(customer__name__icontains=term)
        return queryset.filter(match)
