from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "citykpi.quality"
    label = "quality"

    def ready(self) -> None:
        # Findings follow every reporting write: the workflow sends report_changed after commit.
        from citykpi.reporting.signals import report_changed

        report_changed.connect(_refresh_on_report_change, dispatch_uid="quality-refresh-findings")


def _refresh_on_report_change(sender, indicator=None, **kwargs) -> None:
    if indicator is None:
        return
    from citykpi.quality.actions import refresh_indicator

    refresh_indicator(indicator)
