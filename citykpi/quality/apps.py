from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QualityConfig(AppConfig):
    name = "citykpi.quality"
    label = "quality"

    def ready(self) -> None:
        # Stored scores follow every audited write, in its transaction (citykpi.quality.standing).
        from citykpi.quality import standing  # noqa: F401  (connects the receiver)

        post_migrate.connect(_store_scores_once, sender=self, dispatch_uid="quality-store-scores-once")

        # Findings follow every reporting write: the workflow sends report_changed after commit.
        from citykpi.reporting.signals import report_changed

        report_changed.connect(_refresh_on_report_change, dispatch_uid="quality-refresh-findings")


def _refresh_on_report_change(sender, indicator=None, **kwargs) -> None:
    if indicator is None:
        return
    from citykpi.quality.actions import refresh_indicator

    refresh_indicator(indicator)


def _store_scores_once(sender, using="default", **kwargs) -> None:
    """A database migrated from before scores were stored gets them once, at migrate."""
    from citykpi.indicators.models import Indicator
    from citykpi.quality.models import KpiStanding
    from citykpi.quality.standing import rescore_years

    if Indicator.objects.using(using).exists() and not KpiStanding.objects.using(using).exists():
        rescore_years(None)
