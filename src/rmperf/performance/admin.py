"""Admin for performance records: read-only (written by the services, audited there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.core.admin import RestrictedAdmin
from rmperf.performance.models import (
    AdjustmentResult,
    Calibration,
    InnovationProposal,
    LineResult,
    PerfPeriod,
    RmResult,
    ScoringRun,
    TargetLine,
    TargetSheet,
)


class _ReadOnly(RestrictedAdmin):
    """Closed results must not change unnoticed; every write goes through a service."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PerfPeriod)
class PerfPeriodAdmin(_ReadOnly):
    list_display = ("key", "kind", "start", "end", "status", "close_seq", "closed_at")
    list_filter = ("status", "kind")


@admin.register(ScoringRun)
class ScoringRunAdmin(_ReadOnly):
    list_display = ("period", "run_id", "status", "result_count", "finished_at", "actor_label")
    list_filter = ("status",)


@admin.register(RmResult)
class RmResultAdmin(_ReadOnly):
    list_display = ("period", "staff", "scorecard", "total", "tier", "calibrated_tier")
    list_filter = ("tier", "calibrated_tier")
    list_select_related = ("period", "staff")
    search_fields = ("staff__staff_id",)


@admin.register(LineResult)
class LineResultAdmin(_ReadOnly):
    list_display = ("result", "line", "method", "value", "target", "points")
    list_select_related = ("result",)


@admin.register(Calibration)
class CalibrationAdmin(_ReadOnly):
    list_display = ("period", "staff", "before_tier", "after_tier", "actor_label", "at")


@admin.register(TargetSheet)
class TargetSheetAdmin(_ReadOnly):
    list_display = ("staff", "year", "status", "proposed_at", "approved_at")
    list_filter = ("status", "year")


@admin.register(TargetLine)
class TargetLineAdmin(_ReadOnly):
    list_display = ("sheet", "indicator", "annual", "q1", "q2", "q3", "q4")


@admin.register(AdjustmentResult)
class AdjustmentResultAdmin(_ReadOnly):
    list_display = ("result", "item", "kind", "value", "points")
    list_select_related = ("result",)


@admin.register(InnovationProposal)
class InnovationProposalAdmin(_ReadOnly):
    list_display = ("title", "staff", "status", "reviewer", "submitted_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("staff", "reviewer")
    search_fields = ("staff__staff_id", "title")
