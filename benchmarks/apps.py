from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "benchmarks"
    label = "bench"
