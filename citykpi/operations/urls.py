from django.urls import path

from citykpi.operations import health

app_name = "operations"

urlpatterns = [
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
]
