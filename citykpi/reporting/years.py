"""The fiscal year the public and staff are working in: the default of every year choice.

Publishing next year early (to set it up) must not hide this year: the default is the
latest year, up to today's fiscal year, that has published results; next year stays one
click away in the year list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from citykpi.lib.fiscal import fiscal_year_of
from citykpi.reporting.models import QuarterReport


def working_year(years: Iterable[int], today: dt.date | None = None) -> int | None:
    """Of `years` (those the page may show), the one to show when none is asked for.

    The latest year not after today's fiscal year with a published quarter; else today's
    fiscal year if offered; else the latest year before it; else the earliest year offered
    (an instance whose only years lie ahead)."""
    offered = sorted(set(years), reverse=True)
    if not offered:
        return None
    this_year = fiscal_year_of(today or timezone.localdate())
    up_to_now = [year for year in offered if year <= this_year]
    for year in up_to_now:
        if QuarterReport.objects.published().filter(indicator__fiscal_year__year=year).exists():
            return year
    if this_year in offered:
        return this_year
    return up_to_now[0] if up_to_now else offered[-1]
