from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "citykpi.printing"
    label = "printing"
