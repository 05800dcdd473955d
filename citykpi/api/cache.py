"""Server-side caching of the open-data API's anonymous reads.

The same rule as the public pages (citykpi.publicdata.pagecache): an answer is kept under
its address with the versions of the scopes it shows, so a write rebuilds only the answers
it changed (a KPI's record, its agency's, its year's lists), and stale answers are
rebuilt by one worker while the others serve the previous one. Only anonymous GETs
without an Authorization header are cached: a signed-in reader may see drafts of their
own agency. It runs early in the middleware stack (before sessions and authentication),
so a cached read costs one query and little else; a request carrying a session cookie is
passed on uncached. A cached response keeps its ETag, so a client's If-None-Match still
gets 304 without building the body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from citykpi.lib.thai import to_arabic_digits
from citykpi.publicdata import versions
from citykpi.publicdata.pagecache import cache_key, cacheable, serve, year_or_all

API_PREFIX = "/api/v1/"
API_HEADERS = (
    "content-type",
    "content-disposition",
    "etag",
    "last-modified",
    "cache-control",
    "access-control-allow-origin",
    "access-control-expose-headers",
    "vary",
)


class OpenDataCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) or not cacheable(request):
            return self.get_response(request)
        # This middleware runs before the locale middleware: the language is the switch's cookie.
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        key = cache_key(request, kind="api", language=language)
        response = serve(key, scopes_of(request), lambda: self.get_response(request), API_HEADERS)
        etag = response.get("ETag")
        if etag and etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
            not_modified = HttpResponseNotModified()
            for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin", "Last-Modified"):
                if response.has_header(name):
                    not_modified[name] = response[name]
            return not_modified
        return response


def scopes_of(request: HttpRequest) -> list[str]:
    """What an open-data answer shows: one KPI's or agency's record, or a list (one year's
    when ?year= says so, otherwise every year's)."""
    parts = request.path[len(API_PREFIX) :].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "kpis":
        return [versions.kpi(to_arabic_digits(parts[1]).strip())]
    if len(parts) == 2 and parts[0] == "agencies":
        return [versions.agency(to_arabic_digits(parts[1]).strip())]
    return year_or_all(request)
