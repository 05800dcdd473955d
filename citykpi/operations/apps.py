from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "citykpi.operations"
    label = "operations"
    verbose_name = "Operations"
