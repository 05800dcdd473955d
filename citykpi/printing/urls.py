"""PDF addresses, mounted at the site root beside the public pages."""

from django.urls import path

from citykpi.printing import views

app_name = "printing"
urlpatterns = [
    path("kpi/<str:code>/pdf/", views.kpi_pdf, name="kpi_pdf"),
    path("agency/<str:code>/report.pdf", views.agency_report_pdf, name="agency_report"),
    path("reports/quarter-summary.pdf", views.quarter_summary_pdf, name="quarter_summary"),
]
