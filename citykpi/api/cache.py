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

One KPI's record (`/api/v1/kpis/<code>`) is not kept in this cache: its public document
(citykpi.publicdata.documents) already stores the record as the bytes the API answers, so
the record is one query from the database, cold or warm (`X-Cache: hit`), with the same
body, ETag and headers as the view; a document out of date is rebuilt by the view
(`X-Cache: miss`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags

from citykpi.api.opendata.http import JSON_TYPE, etag_of, public_headers
from citykpi.lib.thai import to_arabic_digits
from citykpi.publicdata import documents, versions
from citykpi.publicdata.pagecache import cache_key, cacheable, family_of, serve, year_or_all

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
        code = record_code(request)
        if code is not None:
            return self.kpi_record(request, code)
        # This middleware runs before the locale middleware: the language is the switch's cookie.
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        key = cache_key(request, kind="api", language=language)
        response = serve(
            key,
            scopes_of(request),
            lambda: self.get_response(request),
            API_HEADERS,
            family_of(request, "api"),
        )
        return not_modified_or(request, response)

    def kpi_record(self, request: HttpRequest, code: str) -> HttpResponse:
        """A KPI's record from its document's stored bytes; the view when there are none."""
        found = documents.read_record(code)
        if found is None:
            response = self.get_response(request)  # builds the document, and with it the record
            if response.status_code == 200:
                response["X-Cache"] = "miss"
            return response
        record, modified = found
        body = documents.with_host(record, request.build_absolute_uri("/")[:-1])
        response = HttpResponse(body, content_type=JSON_TYPE)
        response["ETag"] = etag_of(body)
        if modified is not None:
            response["Last-Modified"] = http_date(modified.timestamp())
        public_headers(response, varies_by_user=True)
        # As the view's answer leaves the stack (the locale middleware adds Accept-Language).
        patch_vary_headers(response, ("Accept-Language",))
        response["X-Cache"] = "hit"
        return not_modified_or(request, response)


def not_modified_or(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """304 when the client's If-None-Match names the response's ETag."""
    etag = response.get("ETag")
    if etag and etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        not_modified = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin", "Last-Modified"):
            if response.has_header(name):
                not_modified[name] = response[name]
        return not_modified
    return response


def record_code(request: HttpRequest) -> str | None:
    """The code of a request for one KPI's record (`/api/v1/kpis/<code>`), else None."""
    rest = request.path[len(API_PREFIX) :]
    if not rest.startswith("kpis/"):
        return None
    code = rest[len("kpis/") :]
    return code if code and "/" not in code and len(code) <= 20 else None


def scopes_of(request: HttpRequest) -> list[str]:
    """What an open-data answer shows: one KPI's or agency's record, or a list (one year's
    when ?year= says so, otherwise every year's)."""
    parts = request.path[len(API_PREFIX) :].strip("/").split("/")
    if len(parts) == 2 and parts[0] == "kpis":
        return [versions.kpi(to_arabic_digits(parts[1]).strip())]
    if len(parts) == 2 and parts[0] == "agencies":
        return [versions.agency(to_arabic_digits(parts[1]).strip())]
    return year_or_all(request)
