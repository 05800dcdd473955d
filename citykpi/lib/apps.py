from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "citykpi.lib"
    label = "lib"
