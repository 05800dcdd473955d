from django.urls import path

from citykpi.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.report, name="report"),
    path("refresh/", views.refresh, name="refresh"),
]
