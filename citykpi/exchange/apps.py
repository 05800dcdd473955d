from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "citykpi.exchange"
    label = "exchange"
