from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rmperf.recommend.models import Campaign, Offer, RecommendationRun


@admin.register(RecommendationRun)
class RecommendationRunAdmin(admin.ModelAdmin[RecommendationRun]):
    list_display = (
        "as_of",
        "policy_label",
        "policy_version",
        "recommended",
        "withheld",
        "started_at",
    )
    readonly_fields = ("as_of", "policy_version", "lake_path", "recommended", "withheld")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    """Offers are sales records: read-only here, never deleted (logged through the panel)."""

    list_display = ("customer", "product_id", "outcome", "offered_on", "purchased_on")
    list_filter = ("outcome",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    """Campaigns are created on their page (target list through the suitability gate,
    audited): read-only here."""

    list_display = ("name", "product_id", "unit", "starts_on", "ends_on", "status")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
