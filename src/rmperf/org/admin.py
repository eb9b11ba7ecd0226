"""Admin for the org tree and its people."""

from __future__ import annotations

from django.contrib import admin

from rmperf.core.admin import RestrictedAdmin
from rmperf.org.models import OrgUnit, Staff


@admin.register(OrgUnit)
class OrgUnitAdmin(RestrictedAdmin):
    list_display = ("unit_id", "name", "kind", "parent", "path")
    list_filter = ("kind",)
    search_fields = ("unit_id", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path",)


@admin.register(Staff)
class StaffAdmin(RestrictedAdmin):
    list_display = ("staff_id", "name", "role", "rank", "unit", "hired_on", "user")
    list_filter = ("role", "rank", "unit__kind")
    search_fields = ("staff_id", "name", "unit__name")
    list_select_related = ("unit", "user")
    raw_id_fields = ("unit", "user")
