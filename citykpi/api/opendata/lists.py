"""The one pattern every open-data list follows: the shared query parameters, then
`list_response`, which filters, counts, pages with a stable order (limit/offset, total
count, next / previous links) and answers JSON or CSV of the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema

from citykpi.api.errors import responses
from citykpi.api.opendata.http import (
    CSV_MAX_ROWS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadParameter,
    d,
    error_response,
    page_links,
    respond,
    wants_csv,
)

# Parameters shared by the lists.
LIMIT = Query(
    DEFAULT_LIMIT,
    ge=1,
    le=MAX_LIMIT,
    description=d(f"จำนวนรายการต่อหน้า (1-{MAX_LIMIT})", f"Rows per page (1-{MAX_LIMIT})"),
)
OFFSET = Query(0, ge=0, le=10_000_000, description=d("ข้ามรายการแรกกี่รายการ", "Rows to skip"))
FORMAT = Query(
    None,
    description=d(
        "csv: ดาวน์โหลดเป็น CSV (UTF-8 มี BOM) ทุกแถวที่ตรงเงื่อนไข เว้นแต่ระบุ limit",
        "csv: download as CSV (UTF-8 with BOM), every matching row unless limit is given",
    ),
)
YEAR = Query(
    None,
    description=d(
        "ปีงบประมาณ พ.ศ. เช่น 2566 (รับเลขไทย)",
        "Fiscal year in the Buddhist Era, e.g. 2566 (Thai digits accepted)",
    ),
)
AGENCY = Query(None, description=d("รหัสหน่วยงาน 4 หรือ 8 หลัก", "Agency code, 4 or 8 digits"))
NODE = Query(
    None,
    description=d("id ของหมุดยุทธศาสตร์ (รวมหมุดย่อยทั้งหมด)", "Strategy node id (all its descendants included)"),
)

# Every read may answer 400 (a parameter it cannot understand, bad bytes) and 422 (a value
# outside the parameter's schema); the bodies are api.errors.ErrorOut.
ERRORS = responses(400, 422)
CSV_CONTENT = {"text/csv": {"schema": {"type": "string", "description": d("ไฟล์ CSV", "CSV file")}}}

CsvColumns = list[tuple[str, Callable[[dict], Any]]]


def csv_extra() -> dict[str, Any]:
    """The openapi_extra of a read that also answers CSV (?format=csv)."""
    return {"responses": {200: {"content": CSV_CONTENT}}}


def bad_request(exc: BadParameter) -> HttpResponse:
    return error_response(400, exc.as_dict())


def _paging(request: HttpRequest, limit: int, offset: int) -> tuple[int, int]:
    """CSV without an explicit limit means every matching row."""
    if wants_csv(request) and "limit" not in request.GET:
        return CSV_MAX_ROWS, offset
    return limit, offset


def _page_data(request: HttpRequest, count: int, limit: int, offset: int, results: list) -> dict:
    next_url, previous_url = page_links(request, count, limit, offset)
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": next_url,
        "previous": previous_url,
        "results": results,
    }


def list_response(
    request: HttpRequest,
    query: QuerySet | Callable[[], QuerySet],
    *,
    limit: int,
    offset: int,
    schema: type[Schema],
    row: Callable[[HttpRequest, Any], dict],
    csv_columns: CsvColumns,
    filename: str,
    for_page: Callable[[QuerySet], QuerySet] | None = None,
    last_modified: Callable[[list], dt.datetime | None] | None = None,
) -> HttpResponse:
    """One page of a list (every matching row for CSV without a limit).

    `query` is the filtered queryset in a stable order, or a function building it (a
    BadParameter it raises is a 400); it is counted as it is, and `for_page` adds what only the page's rows need
    (prefetches, annotations) before the slice; `row` turns each item into the response
    row; `last_modified` reads the page's freshness."""
    try:
        qs = query() if callable(query) else query
    except BadParameter as exc:
        return bad_request(exc)
    limit, offset = _paging(request, limit, offset)
    count = qs.count()
    listed = for_page(qs) if for_page is not None else qs
    page = list(listed[offset : offset + limit])
    rows = [row(request, item) for item in page]
    return respond(
        request,
        schema,
        _page_data(request, count, limit, offset, rows),
        csv_columns=csv_columns,
        filename=filename,
        last_modified=last_modified(page) if last_modified is not None else None,
    )
