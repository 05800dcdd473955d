"""Caching of public pages, invalidated by every write.

Every write goes through an actions.py function that writes an audit row
(citykpi.audit.log.record), so the highest audit id is a version of the whole public
data set: a page cached under one version is never served after a later write, in any
worker process, with Redis or with local memory, without any list of which write touches
which page. Reading that version costs one indexed query (MAX on the primary key).

Only anonymous GET/HEAD requests are cached (a signed-in user's navigation differs), only
200 responses, keyed by the full address and the language. Public pages carry no CSRF
token (the language switch is exempt), so one cached page serves every visitor.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from citykpi.audit.models import AuditEvent


def data_version() -> int:
    """The version of the public data: the id of the latest audit row (0 when none)."""
    return AuditEvent.objects.aggregate(latest=Max("id"))["latest"] or 0


def cacheable(request: HttpRequest) -> bool:
    """An anonymous read with nothing personal waiting for it."""
    if request.method not in ("GET", "HEAD") or settings.PUBLIC_CACHE_SECONDS <= 0:
        return False
    user = getattr(request, "user", None)
    if user is None:
        # Before the authentication middleware (the API's cache runs first): a session
        # cookie may belong to a signed-in user, so such a request is not served from the cache.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False
    elif user.is_authenticated:
        return False
    if request.META.get("HTTP_AUTHORIZATION"):
        return False
    # A flash message waiting to be shown belongs to this visitor only.
    return "messages" not in request.COOKIES


def cache_key(request: HttpRequest, version: int, kind: str = "page", language: str | None = None) -> str:
    database = settings.DATABASES["default"]["NAME"]
    raw = f"{database}|{version}|{language or translation.get_language()}|{request.get_full_path()}"
    return f"public-{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def get_cached(key: str) -> HttpResponse | None:
    hit = cache.get(key)
    if hit is None:
        return None
    content, headers = hit
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    return response


def store(key: str, response: HttpResponse, header_names: tuple[str, ...]) -> None:
    """Keep a 200 response that sets no cookie, with the headers named."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    wanted = {name.lower() for name in header_names}
    headers = {name: value for name, value in response.items() if name.lower() in wanted}
    cache.set(key, (response.content, headers), settings.PUBLIC_CACHE_SECONDS)
    response["X-Cache"] = "miss"


PAGE_HEADERS = ("content-type", "content-disposition", "content-language")


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a public view from the cache while the public data has not changed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not cacheable(request):
            return view(request, *args, **kwargs)
        key = cache_key(request, data_version())
        hit = get_cached(key)
        if hit is not None:
            return hit
        response = view(request, *args, **kwargs)
        store(key, response, PAGE_HEADERS)
        return response

    return wrapper
