"""Admin pages for import runs and registered fact tables: read-only, they are records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.lakes.models import LakeImport, RegisteredTable


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Records written only by `rmperf import`; nobody adds, edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegisteredTableInline(admin.TabularInline[RegisteredTable, LakeImport]):
    model = RegisteredTable
    fields = ("table", "rows", "rejected", "digest")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LakeImport)
class LakeImportAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "lake_path",
        "status",
        "today",
        "total_rows",
        "rejected",
        "started_at",
        "finished_at",
        "actor_label",
    )
    list_filter = ("status",)
    search_fields = ("lake_path",)
    date_hierarchy = "started_at"
    inlines = (RegisteredTableInline,)


@admin.register(RegisteredTable)
class RegisteredTableAdmin(ReadOnlyAdmin):
    list_display = ("table", "lake_path", "rows", "rejected", "digest", "lake_import")
    list_filter = ("table",)
    search_fields = ("lake_path", "table")
