"""Server-side caching of the open-data API's anonymous reads.

The same rule as the public pages (citykpi.portal.cache): a response is kept under the
version of the public data (the latest audit row), so any write makes every cached read
stale at once, in every worker. Only anonymous GETs without an Authorization header are
cached: a signed-in reader may see drafts of their own agency. It runs early in the middleware
stack (before sessions and authentication), so a cached read costs one query and little else;
a request carrying a session cookie is passed on uncached. A cached response keeps
its ETag, so a client's If-None-Match still gets 304 without building the body.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from citykpi.portal.cache import cache_key, cacheable, data_version, get_cached, store

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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) or not cacheable(request):
            return self.get_response(request)
        # This middleware runs before the locale middleware: the language is the switch's cookie.
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        key = cache_key(request, data_version(), kind="api", language=language)
        hit = get_cached(key)
        if hit is not None:
            etag = hit.get("ETag")
            if etag and etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
                not_modified = HttpResponseNotModified()
                for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin", "Last-Modified"):
                    if hit.has_header(name):
                        not_modified[name] = hit[name]
                return not_modified
            return hit
        response = self.get_response(request)
        store(key, response, API_HEADERS)
        return response
