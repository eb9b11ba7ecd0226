"""The one referral FilterSet, shared by the inbox page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.referrals.models import Need, Referral, State


class ReferralFilterSet(django_filters.FilterSet):  # type: ignore[misc]
    """Filter by state and need; search by customer id."""

    state = django_filters.ChoiceFilter(
        label=_("State"), choices=State.choices, empty_label=_("All")
    )
    need = django_filters.ChoiceFilter(label=_("Need"), choices=Need.choices, empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Customer id"), method="search")

    class Meta:
        model = Referral
        fields = ("state", "need", "q")

    def search(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        term = value.strip()
        return queryset.filter(customer_id__icontains=term) if term else queryset
