from django.urls import path

from rmperf.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("talks/new/", views.talk_new_view, name="talk_new"),
    path("talks/<int:talk_id>/", views.talk_view, name="talk"),
    path("talks/<int:talk_id>/acknowledge/", views.talk_acknowledge_view, name="talk_ack"),
    path("self/new/", views.review_new_view, name="review_new"),
    path("self/<int:review_id>/", views.review_view, name="review"),
    path("self/<int:review_id>/report/", views.review_report_view, name="review_report"),
    path("self/<int:review_id>/attach/", views.review_attach_view, name="review_attach"),
    path("self/<int:review_id>/appoint/", views.panel_appoint_view, name="panel_appoint"),
    path("self/<int:review_id>/score/", views.panel_score_view, name="panel_score"),
    path("self/<int:review_id>/conflict/", views.panel_conflict_view, name="panel_conflict"),
    path("self/<int:review_id>/close/", views.panel_close_view, name="panel_close"),
    path("self/<int:review_id>/reopen/", views.panel_reopen_view, name="panel_reopen"),
    path("attachments/<int:attachment_id>/", views.attachment_view, name="attachment"),
]
