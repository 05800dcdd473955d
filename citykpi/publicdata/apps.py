from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PublicDataConfig(AppConfig):
    name = "citykpi.publicdata"
    label = "publicdata"
    verbose_name = "ข้อมูลสาธารณะ / Public data"

    def ready(self) -> None:
        # Every audited write tells us what it touched; we bump the versions of the public
        # pages that show it (citykpi.publicdata.invalidation).
        # Imported here, not at the top: they import the models, which cannot be loaded
        # before the app registry is ready (Django's AppConfig.ready contract).
        from citykpi.publicdata import invalidation  # noqa: F401  (connects the receiver)

        # ... and rebuild the search entries of the KPIs whose words it changed.
        from citykpi.publicdata.search import index  # (connects the receiver)

        post_migrate.connect(index.fill_once, sender=self, dispatch_uid="publicdata-fill-search-once")
