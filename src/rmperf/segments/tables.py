"""The customer list with the current run's tier, AUM, contribution and last contact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rmperf.customers.models import Customer
from rmperf.customers.tables import CustomerTable
from rmperf.segments.models import Tier

TIER_LABELS = dict(Tier.choices)


def money(value: Decimal | None) -> str:
    """An amount to the cent with thousands separators, or a dash."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=2, force_grouping=True)


def _nulls_last(
    queryset: QuerySet[Any], field: str, is_descending: bool
) -> tuple[QuerySet[Any], bool]:
    expr = F(field).desc(nulls_last=True) if is_descending else F(field).asc(nulls_last=True)
    return queryset.order_by(expr, "customer_id"), True


class CustomerBookTable(CustomerTable):
    """Customers with their tier and value at the current run; personal data masked."""

    tier = tables.Column(verbose_name=_("Tier"), accessor="seg_tier", order_by=("seg_tier",))
    monetary = tables.Column(
        verbose_name=_("AUM"), accessor="seg_monetary", attrs={"td": {"class": "num"}}
    )
    contribution = tables.Column(
        verbose_name=_("Contribution"), accessor="seg_contribution", attrs={"td": {"class": "num"}}
    )
    frequency = tables.Column(
        verbose_name=_("Transactions (F)"), accessor="seg_frequency", attrs={"td": {"class": "num"}}
    )
    last_contact = tables.Column(verbose_name=_("Last contact"), accessor="seg_last_contact_on")

    class Meta(CustomerTable.Meta):
        model = Customer
        fields: tuple[str, ...] = (  # type: ignore[assignment]
            "customer_id",
            "name",
            "kind",
            "tier",
            "monetary",
            "contribution",
            "frequency",
            "last_contact",
            "unit",
            "risk_level",
            "phone",
        )
        sequence = fields
        exclude = ("opened_on", "contact_verified_on")
        attrs: ClassVar[dict[str, str]] = {"class": "table", "id": "customer-table"}

    def render_tier(self, value: str) -> str:
        return format_html(
            '<span class="tier tier-{}">{}</span>', value, TIER_LABELS.get(value, value)
        )

    def render_monetary(self, value: Decimal) -> str:
        return money(value)

    def render_contribution(self, value: Decimal) -> str:
        return money(value)

    def render_last_contact(self, value: Any) -> str:
        return date_format(value, "SHORT_DATE_FORMAT")

    def order_monetary(
        self, queryset: QuerySet[Any], is_descending: bool
    ) -> tuple[QuerySet[Any], bool]:
        return _nulls_last(queryset, "seg_monetary", is_descending)

    def order_contribution(
        self, queryset: QuerySet[Any], is_descending: bool
    ) -> tuple[QuerySet[Any], bool]:
        return _nulls_last(queryset, "seg_contribution", is_descending)

    def order_frequency(
        self, queryset: QuerySet[Any], is_descending: bool
    ) -> tuple[QuerySet[Any], bool]:
        return _nulls_last(queryset, "seg_frequency", is_descending)

    def order_last_contact(
        self, queryset: QuerySet[Any], is_descending: bool
    ) -> tuple[QuerySet[Any], bool]:
        return _nulls_last(queryset, "seg_last_contact_on", is_descending)

    def order_tier(
        self, queryset: QuerySet[Any], is_descending: bool
    ) -> tuple[QuerySet[Any], bool]:
        from django.db.models import Case, IntegerField, Value, When

        rank = Case(
            *[When(seg_tier=t, then=Value(i)) for i, t in enumerate(Tier.values)],
            default=Value(len(Tier.values)),
            output_field=IntegerField(),
        )
        qs = queryset.annotate(tier_rank=rank)
        return qs.order_by(
            F("tier_rank").desc() if is_descending else "tier_rank", "customer_id"
        ), True


def tier_label(tier: str) -> str:
    return str(TIER_LABELS.get(tier, tier))


__all__ = ["CustomerBookTable", "money", "tier_label"]
