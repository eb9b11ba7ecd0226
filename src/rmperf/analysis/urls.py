from django.urls import path

from rmperf.analysis import fishbone_views, views

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
