from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "citykpi.dashboards"
    label = "dashboards"
