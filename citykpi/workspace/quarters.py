"""The quarter a staff page shows, shared by the reporting and the assessment pages."""

from __future__ import annotations

from django.http import Http404

from citykpi.indicators.models import Indicator
from citykpi.lib.fiscal import QUARTERS
from citykpi.reporting.models import QuarterReport


def existing_or_blank(indicator: Indicator, quarter: int) -> QuarterReport:
    """A GET never writes: a quarter without a row is shown as an unsaved blank one."""
    if quarter not in QUARTERS:
        raise Http404("quarter")
    report = (
        QuarterReport.objects.filter(indicator=indicator, quarter=quarter)
        .select_related("updated_by", "submitted_by", "assessment")
        .first()
    )
    if report is None:
        report = QuarterReport(
            indicator=indicator, quarter=quarter, definition_version=indicator.definition_version
        )
    report.indicator = indicator
    return report
