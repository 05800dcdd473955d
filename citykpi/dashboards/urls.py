from django.urls import path

from citykpi.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.public, name="public"),
    path("staff/", views.staff, name="staff"),
]
