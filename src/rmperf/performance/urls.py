from django.urls import path

from rmperf.performance import views

app_name = "performance"
urlpatterns = [
    path("", views.index_view, name="index"),
    path(
        "targets/<int:year>/staff/<str:staff_id>/",
        views.targets_view,
        name="targets",
    ),
    path(
        "targets/<int:year>/staff/<str:staff_id>/approve/",
        views.targets_approve_view,
        name="targets_approve",
    ),
    path("<str:period_key>/", views.period_view, name="period"),
    path("<str:period_key>/action/", views.period_action_view, name="period_action"),
    path("<str:period_key>/export/", views.export_view, name="export"),
    path(
        "<str:period_key>/staff/<str:staff_id>/",
        views.scorecard_view,
        name="scorecard",
    ),
    path(
        "<str:period_key>/staff/<str:staff_id>/why/<str:indicator>/",
        views.why_view,
        name="why",
    ),
    path(
        "<str:period_key>/staff/<str:staff_id>/why/<str:indicator>/customer/<str:customer_id>/",
        views.why_customer_view,
        name="why_customer",
    ),
    path(
        "<str:period_key>/staff/<str:staff_id>/manual/",
        views.manual_view,
        name="manual",
    ),
    path(
        "<str:period_key>/staff/<str:staff_id>/calibrate/",
        views.calibrate_view,
        name="calibrate",
    ),
]
