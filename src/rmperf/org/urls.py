from django.urls import path

from rmperf.org import views

app_name = "org"
urlpatterns = [
    path("", views.org_tree_view, name="tree"),
    path("units/<str:unit_id>/", views.unit_detail_view, name="unit"),
    path("staff/<str:staff_id>/", views.staff_detail_view, name="staff"),
]
