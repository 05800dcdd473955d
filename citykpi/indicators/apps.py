from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "citykpi.indicators"
    label = "indicators"
