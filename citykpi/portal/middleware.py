"""Thai first, whatever the browser asks for.

Django's LocaleMiddleware follows the browser's Accept-Language header when no language
cookie is set, so a citizen whose phone is set to English would get English labels
without asking. The site is Thai first (citykpi.lib.i18n): English only after the switch
sets the language cookie. Put `citykpi.portal.middleware.ThaiFirstMiddleware` just
before LocaleMiddleware in settings.MIDDLEWARE.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ThaiFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without the header LocaleMiddleware falls back to LANGUAGE_CODE ("th").
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
