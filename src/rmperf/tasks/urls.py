from django.urls import path

from rmperf.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("act/", views.task_action_view, name="act"),
    path("team/", views.team_view, name="team"),
    path("customers/<str:customer_id>/", views.interaction_view, name="interactions"),
]
