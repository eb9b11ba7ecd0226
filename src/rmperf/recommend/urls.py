from django.urls import path

from rmperf.recommend import views

app_name = "recommend"
urlpatterns = [
    path("", views.workbench_view, name="workbench"),
    path("customer/<str:customer_id>/", views.customer_panel_view, name="customer_panel"),
    path("customer/<str:customer_id>/offer/", views.offer_view, name="offer"),
    path("campaigns/", views.campaign_list_view, name="campaigns"),
    path("campaigns/new/", views.campaign_create_view, name="campaign_create"),
    path("campaigns/mine/", views.campaign_mine_view, name="campaign_mine"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail_view, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/offer/", views.campaign_offer_view, name="campaign_offer"),
    path("campaigns/<int:campaign_id>/close/", views.campaign_close_view, name="campaign_close"),
    path(
        "campaigns/<int:campaign_id>/refresh/",
        views.campaign_refresh_view,
        name="campaign_refresh",
    ),
]
