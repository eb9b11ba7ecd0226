"""Admin: every model restricted like the app; the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rmperf.core.models import AuditEvent

admin.site.site_header = _("RM Perf administration")
admin.site.site_title = _("RM Perf")
admin.site.index_title = _("Administration")


class RestrictedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff users with admin rights still see only their scope (restrict is the one gate)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        restrict = getattr(qs, "restrict", None)
        return qs if restrict is None else restrict(request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(RestrictedAdmin):
    """The audit log can be read, never added to, changed or deleted by hand."""

    list_display = ("seq", "ts", "actor_label", "verb", "object_type", "object_id")
    list_filter = ("verb", "object_type")
    search_fields = ("actor_label", "verb", "object_id")
    date_hierarchy = "ts"
    readonly_fields = tuple(f.name for f in AuditEvent._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
