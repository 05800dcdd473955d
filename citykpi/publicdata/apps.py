from django.apps import AppConfig


class PublicDataConfig(AppConfig):
    name = "citykpi.publicdata"
    label = "publicdata"
    verbose_name = "ข้อมูลสาธารณะ / Public data"

    def ready(self) -> None:
        # Every audited write tells us what it touched; we bump the versions of the public
        # pages that show it (citykpi.publicdata.invalidation).
        from citykpi.publicdata import invalidation  # noqa: F401  (connects the receiver)
