"""Admin for referrals and points: read-only; every change goes through the services
(audited state machine, append-only ledger)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.core.admin import RestrictedAdmin
from rmperf.referrals.models import PointsAccount, PointsEntry, Redemption, Referral


class _ReadOnly(RestrictedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(_ReadOnly):
    list_display = ("id", "customer", "from_staff", "to_staff", "need", "state", "created_at")
    list_filter = ("state", "need")
    list_select_related = ("customer", "from_staff", "to_staff")
    search_fields = ("customer__customer_id",)


@admin.register(PointsAccount)
class PointsAccountAdmin(_ReadOnly):
    list_display = ("staff", "balance", "entries")
    list_select_related = ("staff",)


@admin.register(PointsEntry)
class PointsEntryAdmin(_ReadOnly):
    list_display = ("account", "seq", "ts", "kind", "points", "balance_after")
    list_filter = ("kind",)


@admin.register(Redemption)
class RedemptionAdmin(_ReadOnly):
    list_display = ("id", "staff", "item_id", "points", "state", "requested_at", "decided_by")
    list_filter = ("state",)
    list_select_related = ("staff", "decided_by")
