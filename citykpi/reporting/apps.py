from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "citykpi.reporting"
    label = "reporting"
