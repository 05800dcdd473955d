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


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return False
    # A flash message waiting to be shown belongs to this visitor only.
    return "messages" not in request.COOKIES


def _key(request: HttpRequest, version: int) -> str:
    database = settings.DATABASES["default"]["NAME"]
    raw = f"{database}|{version}|{translation.get_language()}|{request.get_full_path()}"
    return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a public view from the cache while the public data has not changed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request) or settings.PUBLIC_CACHE_SECONDS <= 0:
            return view(request, *args, **kwargs)
        key = _key(request, data_version())
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() in ("content-type", "content-disposition", "content-language")
            }
            cache.set(key, (response.content, headers), settings.PUBLIC_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    return wrapper
