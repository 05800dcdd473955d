"""What every page's template needs to know about the site and the signed-in user: the
demo flag, the language, and the staff navigation the user's roles open."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from citykpi.accounts.access import staff_navigation
from citykpi.lib.i18n import is_english


def site(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"DEMO": settings.DEMO, "IS_ENGLISH": is_english()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["STAFF_NAV"] = staff_navigation(user)
    return context
