from django.urls import path

from rmperf.analysis import fishbone_views, thresholds_views, views, whatif_views

app_name = "analysis"
urlpatterns = [
    path("workload/", views.workload_view, name="workload"),
    path("workload/run/", views.workload_run_view, name="workload_run"),
    path("rebalance/<int:proposal_id>/", views.proposal_view, name="proposal"),
    path("rebalance/<int:proposal_id>/accept/", views.proposal_accept_view, name="proposal_accept"),
    path("rebalance/<int:proposal_id>/export/", views.proposal_export_view, name="proposal_export"),
    path("gaming/", views.gaming_queue_view, name="gaming"),
    path("gaming/run/", views.gaming_run_view, name="gaming_run"),
    path("gaming/<int:flag_id>/", views.flag_view, name="flag"),
    path("gaming/<int:flag_id>/decide/", views.flag_decide_view, name="flag_decide"),
    path(
        "fishbone/<str:period_key>/<str:staff_id>/",
        fishbone_views.fishbone_view,
        name="fishbone",
    ),
]

# What-if before adoption: the policy version page's panel (whatif_views).
urlpatterns += [
    path("what-if/draft/<int:version_id>/", whatif_views.whatif_panel_view, name="whatif_panel"),
    path(
        "what-if/draft/<int:version_id>/run/",
        whatif_views.whatif_start_view,
        name="whatif_start",
    ),
    path("what-if/run/<int:whatif_id>/", whatif_views.whatif_run_view, name="whatif_run"),
]

# Dynamic thresholds: proposals of the threshold model and their scorecard draft.
urlpatterns += [
    path("thresholds/", thresholds_views.thresholds_view, name="thresholds"),
    path("thresholds/run/", thresholds_views.thresholds_run_view, name="thresholds_run"),
    path("thresholds/<int:threshold_id>/", thresholds_views.threshold_view, name="threshold"),
    path(
        "thresholds/<int:threshold_id>/draft/",
        thresholds_views.threshold_draft_view,
        name="threshold_draft",
    ),
    path(
        "thresholds/<int:threshold_id>/reject/",
        thresholds_views.threshold_reject_view,
        name="threshold_reject",
    ),
]
