"""Caching of public pages and open-data answers, invalidated by what each write changed.

A cached answer is kept under its address and language (one entry per page, so old
versions never pile up) together with the versions of the scopes it shows
(citykpi.publicdata.versions). Reading those versions is one indexed query. While they
match, the entry is served; a write bumps only the scopes it changed
(citykpi.publicdata.invalidation), so a draft saved in the reporting season leaves every
public page cached, and an assessment of one KPI rebuilds that KPI's pages, its agency's,
its year's and the cross-year lists, not other KPIs or other years.

Stale-while-revalidate: when an entry is out of date one worker takes a short lock in the
cache and rebuilds it while the others keep serving the previous answer (``X-Cache:
stale``), so a popular page is never built by every worker at once. A page not cached at
all is built by the first worker while the others wait a moment for it.

Entries are small and bounded: a body over COMPRESS_FROM bytes is kept zlib-compressed
(public HTML compresses 5-10x), against a preset dictionary per kind of page when there is
one (a KPI page compresses 4x better again: what two KPI pages share, the layout, the
navigation, the labels, is in the dictionary, so an entry holds little more than the
KPI's own text; see `dictionary_for`), and an entry lives PAGE_CACHE_LIFETIME_SECONDS (an hour by
default) from its build. Because every entry carries the versions it was built under, a
long lifetime can never serve a changed page: it only decides how long a page nobody
reads stays in memory. (PUBLIC_CACHE_SECONDS is what browsers are told, `max-age`.)

Only anonymous GET/HEAD requests are cached (a signed-in user's navigation differs), only
200 responses without cookies. Public pages carry no CSRF token (the language switch is
exempt), so one cached page serves every visitor.
"""

from __future__ import annotations

import functools
import hashlib
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from citykpi.lib.thai import to_arabic_digits
from citykpi.publicdata import versions

REBUILD_LOCK_SECONDS = 30
# How long a worker waits for another one building a page nobody has cached yet.
WAIT_FOR_FIRST_BUILD_SECONDS = 2.0
POLL_SECONDS = 0.02

PAGE_HEADERS = ("content-type", "content-disposition", "content-language")
# Bodies at least this long are kept compressed; zlib level 6 costs about 0.1 ms per 15 KB page.
COMPRESS_FROM = 1024
COMPRESS_LEVEL = 6

# (versions, body, headers, compressed): compressed is False, True (zlib) or the id of the
# preset dictionary the body was compressed against (zlib with zdict).
Entry = tuple[tuple[int, ...], bytes, dict[str, str], bool | str]

# A preset dictionary is at most zlib's window; one per kind of page ("family"), kept in
# the cache without expiry, its id in each entry; each process keeps the ones it has read.
DICTIONARY_BYTES = 32 * 1024
_dictionaries: dict[str, bytes] = {}  # id -> dictionary


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


def cache_key(request: HttpRequest, kind: str = "page", language: str | None = None) -> str:
    database = settings.DATABASES["default"]["NAME"]
    raw = f"{database}|{language or translation.get_language()}|{request.get_full_path()}"
    return f"public-{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def family_of(request: HttpRequest, kind: str = "page") -> str:
    """The kind of page a request is for, for its compression dictionary: the first part
    of its path (`kpi`, `agency`, `dashboard`, `api/v1/kpis` ...), the home page's own."""
    parts = request.path.strip("/").split("/")
    head = "/".join(parts[:3]) if parts[:1] == ["api"] else parts[0]
    database = settings.DATABASES["default"]["NAME"]
    return f"{database}|{kind}|{head or 'home'}"


def _dictionary_key(family: str) -> str:
    return "public-zdict:" + hashlib.sha256(family.encode()).hexdigest()


def _dictionary(dictionary_id: str) -> bytes | None:
    """A preset dictionary by its id: from this process's memory, else from the cache."""
    found = _dictionaries.get(dictionary_id)
    if found is None:
        found = cache.get("public-zdict-id:" + dictionary_id)
        if isinstance(found, bytes):
            _dictionaries[dictionary_id] = found
    return found


def dictionary_for(family: str, body: bytes) -> str | None:
    """The id of the family's preset dictionary; None when it has none yet, and then
    `body` (its start) becomes it: the first page of a kind built after the cache was
    emptied is the dictionary of the pages of that kind (pages of one template share most
    of their bytes). One cache read per build (the name is always read from the cache, so
    that every worker compresses against a dictionary the others can read, also after the
    cache was emptied), one more the first time a process meets a dictionary."""
    family_key = _dictionary_key(family)
    dictionary_id = cache.get(family_key)
    if isinstance(dictionary_id, str) and _dictionary(dictionary_id) is not None:
        return dictionary_id
    dictionary = body[:DICTIONARY_BYTES]
    dictionary_id = hashlib.sha256(dictionary).hexdigest()[:16]
    cache.set("public-zdict-id:" + dictionary_id, dictionary, None)
    # Two workers at once each store theirs; the last named is used, both stay readable.
    cache.set(family_key, dictionary_id, None)
    return None  # this body is compressed plainly: the next ones use the dictionary


def inflate(entry: Entry) -> bytes | None:
    """An entry's body; None when it was compressed against a dictionary no longer known."""
    _, content, _, compressed = entry
    if compressed is True:
        return zlib.decompress(content)
    if not compressed:
        return content
    dictionary = _dictionary(compressed)
    if dictionary is None:
        return None
    inflater = zlib.decompressobj(zdict=dictionary)
    return inflater.decompress(content) + inflater.flush()


def read_entry(key: str) -> Entry | None:
    """The entry at `key`, or None (also for an entry of another shape, left by an older
    release, or compressed against a dictionary the cache no longer holds)."""
    entry = cache.get(key)
    if isinstance(entry, tuple) and len(entry) == 4:
        if isinstance(entry[3], str) and _dictionary(entry[3]) is None:
            return None
        return entry
    return None


def as_response(entry: Entry, state: str) -> HttpResponse:
    _, _, headers, _ = entry
    response = HttpResponse(inflate(entry))
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = state
    return response


def keep(
    key: str,
    version: tuple[int, ...],
    response: HttpResponse,
    header_names: tuple[str, ...],
    family: str | None = None,
) -> None:
    """Keep a 200 response that sets no cookie, with the headers named (compressed against
    the preset dictionary of `family`, when given and there is one)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    wanted = {name.lower() for name in header_names}
    headers = {name: value for name, value in response.items() if name.lower() in wanted}
    body = response.content
    compressed: bool | str = len(body) >= COMPRESS_FROM
    if compressed:
        dictionary_id = dictionary_for(family, body) if family else None
        if dictionary_id is not None:
            deflater = zlib.compressobj(COMPRESS_LEVEL, zdict=_dictionaries[dictionary_id])
            body = deflater.compress(body) + deflater.flush()
            compressed = dictionary_id
        else:
            body = zlib.compress(body, COMPRESS_LEVEL)
    cache.set(key, (version, body, headers, compressed), settings.PAGE_CACHE_LIFETIME_SECONDS)
    response["X-Cache"] = "miss"


def serve(
    key: str,
    scopes: Iterable[str],
    build: Callable[[], HttpResponse],
    header_names: tuple[str, ...],
    family: str | None = None,
) -> HttpResponse:
    """The cached answer at `key` while `scopes` have not changed; otherwise built once."""
    version = versions.current(scopes)
    entry = read_entry(key)
    if entry is not None and entry[0] == version:
        return as_response(entry, "hit")
    lock = key + ":building"
    if not cache.add(lock, 1, REBUILD_LOCK_SECONDS):
        if entry is not None:
            return as_response(entry, "stale")  # another worker is rebuilding it
        waited = 0.0
        while waited < WAIT_FOR_FIRST_BUILD_SECONDS:
            time.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
            entry = read_entry(key)
            if entry is not None:
                return as_response(entry, "hit")
        return build()  # the other worker is slow: answer rather than wait longer
    try:
        response = build()
        keep(key, version, response, header_names, family)
    finally:
        cache.delete(lock)
    return response


ScopesOf = Callable[..., list[str]]


def public_page(scopes: ScopesOf) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a public view from the cache while the scopes it shows have not changed.
    `scopes(request, *args, **kwargs)` names them (see citykpi.publicdata.models)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cacheable(request):
                return view(request, *args, **kwargs)
            return serve(
                cache_key(request),
                scopes(request, *args, **kwargs),
                lambda: view(request, *args, **kwargs),
                PAGE_HEADERS,
                family_of(request),
            )

        return wrapper

    return decorate


def year_param(request: HttpRequest) -> str | None:
    """The ``year`` query parameter when it is a plain BE year, else None."""
    raw = to_arabic_digits(request.GET.get("year", "")).strip()
    return raw if raw.isascii() and raw.isdecimal() and len(raw) == 4 else None


def year_or_all(request: HttpRequest, *args: Any, **kwargs: Any) -> list[str]:
    """Pages that show one year when asked for one, and span years otherwise."""
    year = year_param(request)
    return [versions.year(int(year))] if year else [versions.ALL]


def all_public(request: HttpRequest, *args: Any, **kwargs: Any) -> list[str]:
    return [versions.ALL]


def one_kpi(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> list[str]:
    return [versions.kpi(to_arabic_digits(code).strip())]


def one_agency(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> list[str]:
    return [versions.agency(to_arabic_digits(code).strip())]
