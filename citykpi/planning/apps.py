from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "citykpi.planning"
    label = "planning"
