from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PublicDataConfig(AppConfig):
    name = "citykpi.publicdata"
    label = "publicdata"
    verbose_name = "ข้อมูลสาธารณะ / Public data"

    def ready(self) -> None:
        # Every audited write tells us what it touched; we bump the versions of the public
        # pages that show it (citykpi.publicdata.invalidation).
        from citykpi.publicdata import invalidation  # noqa: F401  (connects the receiver)

        # ... and rebuild the search entries of the KPIs whose words it changed.
        from citykpi.publicdata.search import index  # noqa: F401  (connects the receiver)

        post_migrate.connect(_fill_search_once, sender=self, dispatch_uid="publicdata-fill-search-once")


def _fill_search_once(sender, using="default", **kwargs) -> None:
    """A database migrated from before the search index existed gets it once, at migrate."""
    from citykpi.indicators.models import Indicator
    from citykpi.publicdata.models import SearchEntry
    from citykpi.publicdata.search.index import reindex_all

    if Indicator.objects.using(using).exists() and not SearchEntry.objects.using(using).exists():
        reindex_all()
