"""Admin for customers, assignments and products; lists show personal data masked."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rmperf.core.admin import RestrictedAdmin
from rmperf.core.masking import mask_phone
from rmperf.customers.models import Assignment, Customer, Product


@admin.register(Customer)
class CustomerAdmin(RestrictedAdmin):
    list_display = (
        "customer_id",
        "name",
        "kind",
        "unit",
        "opened_on",
        "risk_level",
        "masked_phone",
    )
    list_filter = ("kind", "risk_level", "marketing_opt_out")
    search_fields = ("customer_id", "name")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)

    @admin.display(description=_("Phone"))
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)


@admin.register(Assignment)
class AssignmentAdmin(RestrictedAdmin):
    list_display = ("customer", "staff", "valid_from", "valid_to")
    list_filter = ("valid_to",)
    search_fields = ("customer__customer_id", "staff__staff_id", "staff__name")
    list_select_related = ("customer", "staff")
    raw_id_fields = ("customer", "staff")
    date_hierarchy = "valid_from"


@admin.register(Product)
class ProductAdmin(RestrictedAdmin):
    list_display = ("product_id", "name", "category", "risk_level", "term_days", "revenue_rate")
    list_filter = ("category", "risk_level")
    search_fields = ("product_id", "name")
