from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "citykpi.accounts"
    label = "accounts"
