from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "citykpi.agencies"
    label = "agencies"
