from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "citykpi.quality"
    label = "quality"
