from django.urls import path

from rmperf.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list_view, name="list"),
]
