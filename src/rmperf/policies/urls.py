from django.urls import path

from rmperf.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list_view, name="list"),
    path("new/", views.policy_new_view, name="new"),
    path("form/", views.policy_form_view, name="form"),
    path("diff/", views.policy_diff_view, name="diff"),
    path("<int:version_id>/", views.policy_detail_view, name="detail"),
]
