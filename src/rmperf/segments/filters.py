"""The customer list's FilterSet: the customers FilterSet plus the current run's tier,
tags, product gaps, branch and RM (shared by the HTML list, the export and the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.actors import Actor
from rmperf.customers.filters import CustomerFilterSet
from rmperf.customers.models import Assignment, ProductCategory, current_on
from rmperf.org.models import OrgKind, OrgUnit, Role, Staff
from rmperf.segments.models import Tier


class CustomerBookFilterSet(CustomerFilterSet):
    """Filters on the annotations of `selectors.customers_with_segments` (seg_*)."""

    tier = django_filters.ChoiceFilter(
        label=_("Tier"), choices=Tier.choices, empty_label=_("All"), field_name="seg_tier"
    )
    holds = django_filters.ChoiceFilter(
        label=_("Holds"),
        choices=ProductCategory.choices,
        empty_label=_("Any"),
        method="filter_holds",
    )
    lacks = django_filters.ChoiceFilter(
        label=_("Does not hold"),
        choices=ProductCategory.choices,
        empty_label=_("Any"),
        method="filter_lacks",
    )
    tag = django_filters.CharFilter(
        label=_("Tag"), method="filter_tag", help_text=_("A behaviour or event tag id")
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"),
        queryset=OrgUnit.objects.none(),
        empty_label=_("All"),
        method="filter_branch",
    )
    rm = django_filters.ModelChoiceFilter(
        label=_("Relationship manager"),
        queryset=Staff.objects.none(),
        empty_label=_("All"),
        method="filter_rm",
    )

    class Meta(CustomerFilterSet.Meta):
        fields: tuple[str, ...] = (  # type: ignore[assignment]
            "q", "kind", "risk_level", "tier", "holds", "lacks", "tag", "branch", "rm",
        )  # fmt: skip

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are what the actor may see: no oracle for other branches' people.
        branch = self.filters["branch"]
        branch.queryset = OrgUnit.objects.restrict(actor).filter(kind=OrgKind.BRANCH)
        rm = self.filters["rm"]
        rm.queryset = Staff.objects.restrict(actor).filter(role=Role.RM).order_by("name")
        self.form.fields["branch"].queryset = branch.queryset
        self.form.fields["rm"].queryset = rm.queryset
        self.form.fields["tag"].widget = forms.TextInput(attrs={"size": 14})

    def filter_holds(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        return queryset.filter(seg_holdings__contains=f";{value};") if value else queryset

    def filter_lacks(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        """Customers with a current segment that does not list the category (a product gap)."""
        if not value:
            return queryset
        return queryset.filter(seg_tier__isnull=False).exclude(seg_holdings__contains=f";{value};")

    def filter_tag(self, queryset: models.QuerySet[Any], name: str, value: str) -> Any:
        tag = value.strip()
        return queryset.filter(seg_tags__contains=f";{tag};") if tag else queryset

    def filter_branch(self, queryset: models.QuerySet[Any], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path) if value else queryset

    def filter_rm(self, queryset: models.QuerySet[Any], name: str, value: Staff) -> Any:
        if not value:
            return queryset
        theirs = Assignment.objects.filter(current_on(timezone.localdate()), staff=value).values(
            "customer_id"
        )
        return queryset.filter(pk__in=theirs)
