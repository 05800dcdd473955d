"""Template helpers of the setup pages."""

from __future__ import annotations

from django import template

from citykpi.planning.forms import side as _side

register = template.Library()


@register.filter
def side(label) -> str:
    """{{ setup.get_state_display|side }}: one half of a "ไทย / English" label, in the
    active language."""
    return _side(label)
