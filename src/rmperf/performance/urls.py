from django.urls import path

from rmperf.performance import goals_views, proposals_views, views

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
    path(
        "targets/<int:year>/staff/<str:staff_id>/respond/",
        goals_views.targets_respond_view,
        name="targets_respond",
    ),
    path("targets/team/", goals_views.goals_team_current_view, name="goals_team_current"),
    path("targets/<int:year>/team/", goals_views.goals_team_view, name="goals_team"),
    path("proposals/", proposals_views.proposals_mine_view, name="proposals"),
    path("proposals/review/", proposals_views.proposals_review_view, name="proposals_review"),
    path(
        "proposals/<int:innovation_id>/decide/",
        proposals_views.proposal_decide_view,
        name="proposal_decide",
    ),
    path("bsc/", goals_views.bsc_mine_view, name="bsc_mine"),
    path("bsc/staff/<str:staff_id>/", goals_views.bsc_staff_view, name="bsc_staff"),
    path("bsc/unit/<str:unit_id>/", goals_views.bsc_unit_view, name="bsc_unit"),
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
