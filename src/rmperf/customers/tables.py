"""The customer list table (django-tables2); personal data is always masked here."""

from __future__ import annotations

from typing import Any, ClassVar

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rmperf.core.masking import mask_name, mask_phone
from rmperf.customers.models import Customer, CustomerKind


def display_name(customer: Customer, *, mask_names: bool) -> str:
    """A retail customer's name is masked for roles that do not serve customers; a
    company's name is not personal data."""
    if mask_names and customer.kind == CustomerKind.RETAIL:
        return mask_name(customer.name)
    return customer.name


class CustomerTable(tables.Table):  # type: ignore[misc]
    """Customers with only real, current data: no derived tier until the engine provides it."""

    customer_id = tables.Column(verbose_name=_("Customer id"))
    name = tables.Column(verbose_name=_("Name"))
    kind = tables.Column(verbose_name=_("Kind"))
    unit = tables.Column(
        verbose_name=_("Home branch"), accessor="unit__name", order_by=("unit__name",)
    )
    opened_on = tables.DateColumn(verbose_name=_("Opened on"), short=True)
    risk_level = tables.Column(verbose_name=_("Risk tolerance"))
    contact_verified_on = tables.DateColumn(verbose_name=_("Contact verified on"), short=True)
    phone = tables.Column(verbose_name=_("Phone"), orderable=False)

    class Meta:
        model = Customer
        fields = (
            "customer_id",
            "name",
            "kind",
            "unit",
            "opened_on",
            "risk_level",
            "contact_verified_on",
            "phone",
        )
        empty_text = _("No customers match.")
        attrs: ClassVar[dict[str, str]] = {"class": "table", "id": "customer-table"}

    def __init__(self, *args: Any, mask_names: bool = True, **kwargs: Any) -> None:
        self.mask_names = mask_names
        super().__init__(*args, **kwargs)

    def render_customer_id(self, value: str) -> str:
        url = reverse("customers:detail", kwargs={"customer_id": value})
        # The list's results are boosted (filters and pages swap the table only); the
        # 360 is a page of its own, not a table to swap in.
        return format_html('<a href="{}" hx-boost="false">{}</a>', url, value)

    def render_name(self, record: Customer) -> str:
        return display_name(record, mask_names=self.mask_names)

    def render_kind(self, record: Customer) -> str:
        return str(record.get_kind_display())

    def render_risk_level(self, record: Customer) -> str:
        if record.risk_assessed_on is None:
            return record.risk_level
        return format_html(
            '{} <span class="muted">{}</span>',
            record.risk_level,
            date_format(record.risk_assessed_on, "SHORT_DATE_FORMAT"),
        )

    def render_phone(self, value: str) -> str:
        return mask_phone(value)
