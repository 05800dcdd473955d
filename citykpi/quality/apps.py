from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

if TYPE_CHECKING:
    from citykpi.indicators.models import Indicator


class QualityConfig(AppConfig):
    name = "citykpi.quality"
    label = "quality"

    def ready(self) -> None:
        # Stored scores follow every audited write, in its transaction (citykpi.quality.standing).
        from citykpi.quality import standing  # noqa: F401  (connects the receiver)

        post_migrate.connect(_store_scores_once, sender=self, dispatch_uid="quality-store-scores-once")

        # Findings follow every reporting write: the workflow sends report_changed after commit.
        from citykpi.reporting.signals import report_changed  # (an app's modules load after apps.py)

        report_changed.connect(_refresh_on_report_change, dispatch_uid="quality-refresh-findings")


def _refresh_on_report_change(sender: Any, indicator: Indicator | None = None, **kwargs: Any) -> None:
    if indicator is None:
        return
    # apps.py loads before the models: what reads them is imported when the signal comes
    from citykpi.quality.actions import refresh_indicator

    refresh_indicator(indicator)


def _store_scores_once(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """A database migrated from before scores were stored gets them once, at migrate."""
    # apps.py loads before the models: they are imported when the signal comes
    from citykpi.indicators.models import Indicator
    from citykpi.quality.models import KpiStanding
    from citykpi.quality.standing import rescore_years

    if Indicator.objects.using(using).exists() and not KpiStanding.objects.using(using).exists():
        rescore_years(None)
