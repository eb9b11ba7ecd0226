"""Admin for policy versions: readable; writes go through the services (maker-checker)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.core.admin import RestrictedAdmin
from rmperf.policies.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(RestrictedAdmin):
    """Read-only: a version is created, approved and activated on the policies page so
    validation, maker-checker and the audit log always apply."""

    list_display = (
        "kind",
        "label",
        "status",
        "is_default",
        "created_by",
        "approved_by",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("label", "digest")
    readonly_fields = tuple(f.name for f in PolicyVersion._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
