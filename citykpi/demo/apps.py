from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "citykpi.demo"
    label = "demo"
