"""Template tags available in every template (registered as builtins in settings)."""

from __future__ import annotations

from typing import Any

from django import template

from citykpi.lib import fiscal, thai
from citykpi.lib.i18n import tr

register = template.Library()


@register.simple_tag
def t(thai_text: str, english_text: str) -> str:
    """{% t "ค่าเป้าหมาย" "Target" %}: the text in the active language."""
    return tr(thai_text, english_text)


@register.filter
def num(value: Any, places: Any = None) -> str:
    """100.0000 -> 100; 1407.52 -> 1,407.52; None -> –."""
    return thai.format_number(value, int(places) if places not in (None, "") else None)


@register.filter
def thaidigits(value: Any) -> str:
    return thai.to_thai_digits(str(value))


@register.filter
def thaidate(value: Any) -> str:
    """A date on screen: Thai with the BE year (16 กรกฎาคม 2564), or English (16 July 2021)
    when the reader chose English."""
    return fiscal.date_label(value)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    if not mapping:
        return None
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters changed (pagination, filters)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
