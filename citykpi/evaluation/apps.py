from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "citykpi.evaluation"
    label = "evaluation"
