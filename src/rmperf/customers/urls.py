from django.urls import path

from rmperf.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("<str:customer_id>/", views.customer_detail_view, name="detail"),
    path("<str:customer_id>/reveal/", views.customer_reveal_view, name="reveal"),
]
