"""Admin for careers records: read-only (written by the services, audited there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.careers.models import (
    CareerCheck,
    FeedbackTalk,
    ImprovementGoal,
    NegativeListing,
    NegativeListRun,
)
from rmperf.core.admin import RestrictedAdmin


class _ReadOnly(RestrictedAdmin):
    """Decisions and follow-up are regulated records: every write goes through a service."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CareerCheck)
class CareerCheckAdmin(_ReadOnly):
    list_display = (
        "staff",
        "year",
        "rank_from",
        "rank_to",
        "eligible",
        "status",
        "effective_quarter",
    )
    list_filter = ("year", "status", "eligible")
    search_fields = ("staff__staff_id", "staff__name")


@admin.register(NegativeListRun)
class NegativeListRunAdmin(_ReadOnly):
    list_display = ("period", "scored", "listed", "policy_version", "computed_at")


@admin.register(NegativeListing)
class NegativeListingAdmin(_ReadOnly):
    list_display = ("period", "staff", "branch", "scorecard", "total", "status", "review_date")
    list_filter = ("period", "status")
    search_fields = ("staff__staff_id", "staff__name")


@admin.register(ImprovementGoal)
class ImprovementGoalAdmin(_ReadOnly):
    list_display = ("listing", "text", "created_at")


@admin.register(FeedbackTalk)
class FeedbackTalkAdmin(_ReadOnly):
    list_display = ("listing", "held_on", "created_at")
