from django.urls import path

from rmperf.teams import views

app_name = "teams"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("staff/<str:staff_id>/", views.rm_view, name="rm"),
    path("staff/<str:staff_id>/checkins/", views.checkin_view, name="checkin"),
    path("staff/<str:staff_id>/trainings/", views.training_view, name="training"),
    path("<str:unit_id>/", views.team_view, name="team"),
    path("<str:unit_id>/board/<str:meeting>/", views.board_view, name="board"),
    path("<str:unit_id>/board/<str:meeting>/fill/", views.board_fill_view, name="board_fill"),
    path(
        "<str:unit_id>/board/<str:meeting>/notes/<int:board_id>/",
        views.board_notes_view,
        name="board_notes",
    ),
]
