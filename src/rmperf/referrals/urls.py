from django.urls import path

from rmperf.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_inbox_view, name="inbox"),
    path("new/", views.referral_new_view, name="new"),
    path("pick/customer/", views.pick_customer_view, name="pick_customer"),
    path("pick/colleague/", views.pick_colleague_view, name="pick_colleague"),
    path("<int:referral_id>/", views.referral_detail_view, name="detail"),
    path("funnel/", views.referral_funnel_view, name="funnel"),
    path("cases/", views.referral_cases_view, name="cases"),
    path("points/", views.points_view, name="points"),
    path("customer/<str:customer_id>/", views.customer_referrals_view, name="customer"),
]
