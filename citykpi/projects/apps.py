from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "citykpi.projects"
    label = "projects"
