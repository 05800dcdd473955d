from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "citykpi.bench"
    label = "bench"
