from django.contrib import admin

from rmperf.recommend.models import Offer, RecommendationRun


@admin.register(RecommendationRun)
class RecommendationRunAdmin(admin.ModelAdmin[RecommendationRun]):
    list_display = ("as_of", "policy_version", "recommended", "withheld", "created_at")
    readonly_fields = ("as_of", "policy_version", "lake_path", "recommended", "withheld")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    list_display = ("customer", "product_id", "outcome", "offered_on", "purchased_on")
    list_filter = ("outcome",)
