from django.urls import path

from rmperf.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index_view, name="index"),
    path("rollup.xlsx", views.report_rollup_xlsx_view, name="rollup_xlsx"),
    path("<int:report_id>/", views.report_detail_view, name="detail"),
    path("<int:report_id>/pdf/", views.report_pdf_view, name="pdf"),
    path("<int:report_id>/xlsx/", views.report_xlsx_view, name="xlsx"),
]
