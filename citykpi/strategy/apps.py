from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "citykpi.strategy"
    label = "strategy"
