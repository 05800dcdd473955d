from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "citykpi.api"
    label = "api"
