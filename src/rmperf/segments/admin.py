"""Admin for segmentation runs and results: read-only records written by runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.core.admin import RestrictedAdmin
from rmperf.segments.models import CustomerSegment, SegmentRun


class _ReadOnly(RestrictedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SegmentRun)
class SegmentRunAdmin(_ReadOnly):
    list_display = (
        "as_of",
        "run_id",
        "status",
        "policy",
        "row_count",
        "started_at",
        "finished_at",
        "actor_label",
    )
    list_filter = ("status", "as_of")
    list_select_related = ("policy",)
    search_fields = ("run_id",)


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(_ReadOnly):
    list_display = (
        "customer",
        "as_of",
        "tier",
        "recency_days",
        "frequency",
        "monetary",
        "contribution",
        "rm",
    )
    list_filter = ("tier", "as_of")
    list_select_related = ("customer", "rm")
    search_fields = ("customer__customer_id",)
    raw_id_fields = ("customer", "rm", "unit", "run", "policy_version")
