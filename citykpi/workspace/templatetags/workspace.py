"""Template helpers of the staff pages."""

from __future__ import annotations

from django import template

from citykpi.lib.i18n import is_english

register = template.Library()


@register.filter
def pick(label: str) -> str:
    """"ไทย / English" choice labels -> the active language's half."""
    thai, sep, english = str(label).partition(" / ")
    if not sep:
        return thai
    return english if is_english() else thai


@register.filter
def status_label(status: str) -> str:
    from citykpi.reporting.models import QuarterReport

    return pick(dict(QuarterReport.Status.choices).get(status, status))
