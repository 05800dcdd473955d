from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "citykpi.exchange"
    label = "exchange"

    def ready(self) -> None:
        from citykpi.exchange import checks  # noqa: F401  (registers the deploy check)
