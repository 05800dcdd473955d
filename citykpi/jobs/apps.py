from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "citykpi.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Each app that offers a job kind registers it in its own `jobs.py` (like admin.py):
        # the jobs app never imports a surface, so no layer is crossed and no cycle made.
        autodiscover_modules("jobs")
