from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "citykpi.accounts"
    label = "accounts"

    def ready(self) -> None:
        from citykpi.accounts import checks  # noqa: F401  (registers the deploy check)
