"""Admin for pay records: read-only (written by the services, audited and chained there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.core.admin import RestrictedAdmin
from rmperf.pay.models import PayInquiry, PayInquiryEntry, PayLine, PayRun, PayStatement


class _ReadOnly(RestrictedAdmin):
    """Pay statements are regulated records: every write goes through a service."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PayRun)
class PayRunAdmin(_ReadOnly):
    list_display = (
        "period", "status", "actor_label", "started_at", "row_count", "total_paid",
        "approved_by", "approved_at", "approval_seq",
    )  # fmt: skip
    list_filter = ("period", "status")


@admin.register(PayStatement)
class PayStatementAdmin(_ReadOnly):
    list_display = ("period", "staff", "rating", "loan_pay", "total_paid", "deferral_balance")
    list_filter = ("period",)
    search_fields = ("staff__staff_id", "staff__name")


@admin.register(PayLine)
class PayLineAdmin(_ReadOnly):
    list_display = ("statement", "position", "line", "amount", "loan_id", "due_period")
    list_filter = ("line",)


@admin.register(PayInquiry)
class PayInquiryAdmin(_ReadOnly):
    list_display = ("staff", "subject", "status", "opened_at")
    list_filter = ("status",)


@admin.register(PayInquiryEntry)
class PayInquiryEntryAdmin(_ReadOnly):
    list_display = ("inquiry", "step", "actor_label", "at")
