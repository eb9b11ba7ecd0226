from django.urls import path

from rmperf.recommend import views

app_name = "recommend"
urlpatterns = [
    path("", views.workbench_view, name="workbench"),
    path("customer/<str:customer_id>/", views.customer_panel_view, name="customer_panel"),
    path("customer/<str:customer_id>/offer/", views.offer_view, name="offer"),
]
