from django.urls import path

from rmperf.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.rm_workbench_view, name="rm"),
    path("desk/", views.manager_desk_view, name="desk"),
    path("desk/calibration/", views.calibration_grid_view, name="calibration"),
]
