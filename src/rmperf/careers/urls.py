from django.urls import path

from rmperf.careers import views

app_name = "careers"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("compute/", views.compute_view, name="compute"),
    path("checks/<int:check_id>/decide/", views.decide_view, name="decide"),
    path("negative/", views.negative_view, name="negative"),
    path("negative/compute/", views.negative_compute_view, name="negative_compute"),
    path("negative/<int:listing_id>/", views.listing_view, name="listing"),
]
