from django.urls import path

from citykpi.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/status.json", views.status, name="status"),
    path("<int:job_id>/download", views.download, name="download"),
]
