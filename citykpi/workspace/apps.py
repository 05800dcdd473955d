from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "citykpi.workspace"
    label = "workspace"
