"""Refuse bad bytes at the door: a clear 400 instead of a 500 from the database.

PostgreSQL text cannot hold NUL ("\\x00"; psycopg refuses it), and a lone surrogate
(``"\\ud800"``, which Python's json accepts) cannot be encoded to UTF-8 on either
database. The middleware looks at the path, the query string (decoded, through
request.GET), urlencoded and multipart form values (not file contents) and every key and
string of a JSON body, and answers 400 naming the field: JSON in the API's error shape under
/api/, a small bilingual page elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape

from citykpi.lib.errors import ActionError

# Bodies larger than this are not parsed here (Django's DATA_UPLOAD_MAX_MEMORY_SIZE still applies).
MAX_JSON_BYTES = 10 * 1024 * 1024


def problem(value: str) -> str | None:
    """Say "NUL" or "surrogate" when `value` cannot be stored as text, else None."""
    if "\x00" in value:
        return "NUL"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def printable(name: str) -> str:
    """A field name safe to show and to encode (its own bad characters escaped)."""
    return name.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def walk_json(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, string) for every key and string in a parsed JSON document."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key)
            yield from walk_json(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_json(item, f"{path}[{index}]" if path else f"[{index}]")


def refusal(field: str, kind: str) -> ActionError:
    name = printable(field)
    label = "NUL" if kind == "NUL" else "lone surrogate"
    return ActionError(
        f"ข้อมูลในช่อง {name} มีอักขระที่ไม่อนุญาต ({label})",
        f"The field {name} contains a character that is not allowed ({label})",
        field=name,
    )


def _querydict_items(data: Any) -> Iterator[tuple[str, str]]:
    for key, values in data.lists():
        yield key, key
        for value in values:
            if isinstance(value, str):
                yield key, value


class BadBytesMiddleware:
    """400 for NUL or lone surrogates anywhere in the request's text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        error = self.check(request)
        if error is not None:
            return self.respond(request, error)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> ActionError | None:
        for field, value in self.texts(request):
            kind = problem(value)
            if kind:
                return refusal(field, kind)
        return None

    def texts(self, request: HttpRequest) -> Iterator[tuple[str, str]]:
        yield "path", request.path_info
        yield from _querydict_items(request.GET)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Django parses and caches request.POST; CSRF reads the same cached QueryDict.
            yield from _querydict_items(request.POST)
            if content_type == "multipart/form-data":
                for key, files in request.FILES.lists():
                    yield key, key
                    for upload in files:
                        yield key, upload.name or ""
        elif content_type == "application/json" or content_type.endswith("+json"):
            yield from self.json_texts(request)

    def json_texts(self, request: HttpRequest) -> Iterator[tuple[str, str]]:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_JSON_BYTES:
            return
        try:
            document = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return  # not JSON: the view answers its own parse error
        yield from walk_json(document)

    def respond(self, request: HttpRequest, error: ActionError) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            body = error.as_dict()
            body.setdefault("field", None)
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        page = (
            '<!doctype html><html lang="th"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>คำขอไม่ถูกต้อง / Bad request</title></head><body>"
            "<h1>คำขอไม่ถูกต้อง / Bad request</h1>"
            f'<p>{escape(error.message_th)}</p><p lang="en">{escape(error.message_en)}</p>'
            '<p><a href="/">กลับหน้าแรก / Back to the home page</a></p></body></html>'
        )
        return HttpResponseBadRequest(page, content_type="text/html; charset=utf-8")
