"""Template helpers of the staff pages."""

from __future__ import annotations

from django import template
from django.template import Context

from citykpi.accounts import access
from citykpi.lib.i18n import is_english, tr
from citykpi.reporting.models import QuarterReport

register = template.Library()


@register.filter
def pick(label: str) -> str:
    """ "ไทย / English" choice labels -> the active language's half."""
    thai, sep, english = str(label).partition(" / ")
    if not sep:
        return thai
    return english if is_english() else thai


@register.filter
def status_label(status: str) -> str:
    return pick(dict(QuarterReport.Status.choices).get(status, status))


@register.simple_tag(takes_context=True)
def workspace_nav(context: Context) -> dict[str, bool]:
    """Which staff links this user can use: a link to a page that answers 403 is not shown.
    The roles are cached on the user by citykpi.accounts.access, so this costs no query
    after the view's own checks."""
    user = context["request"].user
    return {"queue": access.is_evaluator(user) or access.is_admin(user)}


@register.filter
def days_phrase(days: int | None) -> str:
    """Days left before a deadline, as a reporter reads it at 11 pm."""
    if days is None:
        return ""
    if days > 1:
        return tr(f"เหลืออีก {days} วัน", f"{days} days left")
    if days == 1:
        return tr("เหลืออีก 1 วัน (ถึงพรุ่งนี้)", "1 day left (until tomorrow)")
    if days == 0:
        return tr("ครบกำหนดวันนี้", "Due today")
    return tr(f"เลยกำหนดมาแล้ว {-days} วัน", f"{-days} days past the deadline")
