from django.urls import path

from rmperf.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("open/", views.open_view, name="open"),
    path("rounds/<int:round_id>/", views.round_view, name="round"),
    path("rounds/<int:round_id>/close/", views.close_view, name="close"),
    path("rounds/<int:round_id>/results.csv", views.export_view, name="export"),
    path("invitations/<int:invitation_id>/", views.answer_view, name="answer"),
]
