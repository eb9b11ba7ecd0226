"""The customer pages (namespace `customers`): served by this app because they show
segmentation results; the customers app stays below it (apps depend one way)."""

from django.urls import path

from rmperf.segments import profile_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("export/", views.customer_export_view, name="export"),
    path("<str:customer_id>/", views.customer_detail_view, name="detail"),
    path("<str:customer_id>/reveal/", views.customer_reveal_view, name="reveal"),
    path("<str:customer_id>/profile/", profile_views.customer_profile_view, name="profile"),
]
