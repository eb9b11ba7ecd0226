from django.urls import path

from rmperf.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("rm/<str:staff_id>/", views.rm_dashboard_view, name="rm_dashboard"),
    path("runs/", views.run_list_view, name="runs"),
]
