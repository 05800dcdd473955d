from django.apps import AppConfig


class CityindicatorsConfig(AppConfig):
    name = "citykpi.cityindicators"
    label = "cityindicators"
