from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "citykpi.audit"
    label = "audit"
