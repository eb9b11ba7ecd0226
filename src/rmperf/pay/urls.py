from django.urls import path

from rmperf.pay import views

app_name = "pay"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("run/", views.run_view, name="run"),
    path("runs/<str:run_id>/approve/", views.approve_view, name="approve"),
    path("statements/<int:statement_id>/", views.statement_view, name="statement"),
    path("statements/<int:statement_id>/pdf/", views.statement_pdf_view, name="statement_pdf"),
    path("cost/", views.cost_view, name="cost"),
    path("export/<str:fmt>/", views.export_view, name="export"),
    path("inquiries/", views.inquiries_view, name="inquiries"),
    path("inquiries/new/", views.inquiry_new_view, name="inquiry_new"),
    path("inquiries/<int:inquiry_id>/", views.inquiry_view, name="inquiry"),
]
