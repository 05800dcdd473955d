"""Template helpers of the setup pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from citykpi.lib.i18n import tr
from citykpi.planning.forms import side as _side

if TYPE_CHECKING:
    from citykpi.indicators.models import Unit

register = template.Library()


@register.filter
def side(label: str) -> str:
    """{{ setup.get_state_display|side }}: one half of a "ไทย / English" label, in the
    active language."""
    return _side(label)


@register.filter
def unit_label(unit: Unit) -> str:
    """A unit's name in the active language ("" for none)."""
    if unit is None:
        return ""
    return tr(unit.name_th, unit.name_en or unit.name_th)
