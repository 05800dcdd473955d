"""HTTP plumbing of the open-data endpoints: JSON or CSV bodies, ETag / 304, caching and
cross-origin headers, pagination links, bilingual error bodies.

The endpoints in citykpi.api.opendata.* build plain data; `respond(...)` validates it
against the endpoint's response schema (so the JSON always matches the published
OpenAPI document), serialises it, and adds the headers every public read carries.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags
from ninja import Schema

from citykpi.lib.i18n import both
from citykpi.lib.spreadsheet import inert_text
from citykpi.lib.thai import to_arabic_digits

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# A CSV download without an explicit limit returns every matching row, up to this many.
CSV_MAX_ROWS = 100_000


def d(thai: str, english: str) -> str:
    """A description in Thai first, then English (every operation and field carries one)."""
    return f"{thai} / {english}"


class BadParameter(Exception):
    """A query parameter that cannot be understood; answered with 400 and a bilingual message."""

    def __init__(self, field: str, message_th: str, message_en: str) -> None:
        self.field = field
        self.message_th = message_th
        self.message_en = message_en
        super().__init__(both(message_th, message_en))

    def as_dict(self) -> dict[str, str]:
        return {
            "message": both(self.message_th, self.message_en),
            "message_th": self.message_th,
            "message_en": self.message_en,
            "field": self.field,
        }


def error_response(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


def not_found(what_th: str, what_en: str, key: str) -> HttpResponse:
    return error_response(
        404,
        {
            "message": both(f"ไม่พบ{what_th} {key}", f"No published {what_en} {key}"),
            "message_th": f"ไม่พบ{what_th} {key}",
            "message_en": f"No published {what_en} {key}",
            "field": "code",
        },
    )


def parse_year(value: str | None) -> int | None:
    """A BE fiscal year from a query parameter; Thai digits accepted (๒๕๖๖)."""
    if value in (None, ""):
        return None
    text = to_arabic_digits(str(value)).strip()
    if not text.isdigit() or not 2400 <= int(text) <= 2700:
        raise BadParameter(
            "year",
            f"ปีงบประมาณ '{value}' ไม่ถูกต้อง: ใช้ปี พ.ศ. 4 หลัก เช่น 2566",
            f"Fiscal year '{value}' is not valid: use a 4-digit Buddhist Era year such as 2566",
        )
    return int(text)


def parse_code(value: str | None, field: str, digits: tuple[int, ...] = (4, 8)) -> str | None:
    """An agency code (4 or 8 digits; Thai digits accepted)."""
    if value in (None, ""):
        return None
    text = to_arabic_digits(str(value)).strip()
    if not text.isdigit() or len(text) not in digits:
        raise BadParameter(
            field,
            f"รหัส '{value}' ไม่ถูกต้อง: ใช้ตัวเลข {' หรือ '.join(map(str, digits))} หลัก",
            f"Code '{value}' is not valid: use {' or '.join(map(str, digits))} digits",
        )
    return text[:4]


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format", "").lower() == "csv"


def page_links(request: HttpRequest, count: int, limit: int, offset: int) -> tuple[str | None, str | None]:
    """Absolute URLs of the next and previous pages (None at either end)."""

    def link(new_offset: int) -> str:
        params = request.GET.copy()
        params["limit"] = str(limit)
        params["offset"] = str(new_offset)
        params.pop("format", None)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    next_url = link(offset + limit) if offset + limit < count else None
    previous_url = link(max(offset - limit, 0)) if offset > 0 else None
    return next_url, previous_url


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(_csv_cell(v) for v in value)
    return str(value)


def csv_body(columns: list[tuple[str, Callable[[dict], Any]]], rows: Iterable[dict]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Thai text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        # Names come from users: a field never starts a formula (citykpi.lib.spreadsheet).
        writer.writerow([inert_text(_csv_cell(getter(row))) for _, getter in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


JSON_TYPE = "application/json; charset=utf-8"


def json_bytes(payload: Any) -> bytes:
    """The JSON bytes of a validated payload, as every open-data read answers them."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def validated_json(schema: type[Schema], data: Any) -> bytes:
    """`data` validated against `schema` and serialised: the body `respond` sends."""
    return json_bytes(schema.model_validate(data).model_dump(mode="json"))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def public_headers(response: HttpResponse, *, varies_by_user: bool) -> None:
    """The caching and cross-origin headers of a public read."""
    max_age = getattr(settings, "PUBLIC_CACHE_SECONDS", 300)
    response["Cache-Control"] = f"public, max-age={max_age}"
    # Published data may be read from any site (journalists' notebooks, other systems).
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    response["Vary"] = "Accept-Encoding, Authorization, Cookie" if varies_by_user else "Accept-Encoding"


def respond(
    request: HttpRequest,
    schema: type[Schema],
    data: Any,
    *,
    csv_columns: list[tuple[str, Callable[[dict], Any]]] | None = None,
    csv_rows: Callable[[dict], Iterable[dict]] | None = None,
    filename: str = "data",
    last_modified: dt.datetime | None = None,
    public: bool = True,
    varies_by_user: bool = False,
) -> HttpResponse:
    """Validate `data` against `schema`, answer JSON (or CSV when ?format=csv and the
    endpoint has columns), with ETag / Last-Modified / Cache-Control / CORS; 304 when
    the client's If-None-Match still matches."""
    payload = schema.model_validate(data).model_dump(mode="json")
    if csv_columns is not None and wants_csv(request):
        rows = csv_rows(payload) if csv_rows else payload.get("results", [])
        body = csv_body(csv_columns, rows)
        content_type = "text/csv; charset=utf-8"
    else:
        body = json_bytes(payload)
        content_type = JSON_TYPE
    etag = etag_of(body)
    presented = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in presented or (presented == ["*"]):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        if content_type.startswith("text/csv"):
            response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if public:
        max_age = getattr(settings, "PUBLIC_CACHE_SECONDS", 300)
        response["Cache-Control"] = f"public, max-age={max_age}"
        # Published data may be read from any site (journalists' notebooks, other systems).
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    else:
        # A signed-in reader sees unpublished quarters: never stored by shared caches.
        response["Cache-Control"] = "private, no-store"
    # Only the KPI detail depends on who asks (staff see their drafts there).
    response["Vary"] = "Accept-Encoding, Authorization, Cookie" if varies_by_user else "Accept-Encoding"
    return response


def latest(*stamps: dt.datetime | None) -> dt.datetime | None:
    present = [s for s in stamps if s is not None]
    return max(present) if present else None
