from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "citykpi.portal"
    label = "portal"
