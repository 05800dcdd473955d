"""The /open-data/ page: what the published data is, its licence, and a link to every
open-data endpoint and CSV download; and the two documents portals harvest, the Data
Package (/open-data/datapackage.json) and the DCAT catalogue (/open-data/catalog.jsonld),
built by citykpi.api.harvest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_safe

from citykpi.api import harvest
from citykpi.api.cache import API_HEADERS
from citykpi.lib.i18n import tr
from citykpi.publicdata import versions
from citykpi.publicdata.pagecache import cache_key, cacheable, serve

app_name = "opendata"

# Overridable with settings.OPEN_DATA_LICENCE (the agency's legal office has the last word).
DEFAULT_LICENCE = (
    "สัญญาอนุญาตให้ใช้ข้อมูลเปิดของภาครัฐ (ประเทศไทย): ใช้ ทำซ้ำ ดัดแปลง และเผยแพร่ได้อย่างเสรี "
    'รวมถึงเพื่อการค้า โดยอ้างอิงแหล่งที่มาว่า "กรุงเทพมหานคร" / '
    "Open Government Licence - Thailand: free to use, copy, adapt and publish, commercially "
    'too, citing "Bangkok Metropolitan Administration" as the source.'
)


def _endpoints() -> list[dict[str, Any]]:
    api = "/api/v1"
    return [
        {
            "th": "ตัวชี้วัด",
            "en": "KPIs",
            "path": f"{api}/kpis",
            "csv": True,
            "example": f"{api}/kpis?year=2566&agency=0409",
            "params": "year, agency, type, level, status, node, q, limit, offset",
        },
        {
            "th": "ตัวชี้วัดหนึ่งตัว (ผลรายไตรมาส)",
            "en": "One KPI (with its quarters)",
            "path": f"{api}/kpis/{{code}}",
            "example": f"{api}/kpis/0409-0950",
            "params": "",
        },
        {
            "th": "หน่วยงาน",
            "en": "Agencies",
            "path": f"{api}/agencies",
            "csv": True,
            "example": f"{api}/agencies?kind=district",
            "params": "year, kind, limit, offset",
        },
        {
            "th": "หน่วยงานหนึ่งหน่วยงาน",
            "en": "One agency",
            "path": f"{api}/agencies/{{code}}",
            "example": f"{api}/agencies/0409",
            "params": "",
        },
        {
            "th": "ยุทธศาสตร์",
            "en": "Strategy plans and nodes",
            "path": f"{api}/strategy",
            "csv": True,
            "example": f"{api}/strategy",
            "params": "year, plan",
        },
        {
            "th": "โครงการ/กิจกรรม",
            "en": "Projects",
            "path": f"{api}/projects",
            "csv": True,
            "example": f"{api}/projects?year=2566",
            "params": "year, agency, kpi, limit, offset",
        },
        {
            "th": "โครงการหนึ่งโครงการ",
            "en": "One project",
            "path": f"{api}/projects/{{code}}",
            "example": "",
            "params": "",
        },
        {
            "th": "ตัวชี้วัดการพัฒนาเมือง",
            "en": "City development indicators",
            "path": f"{api}/city-indicators",
            "csv": True,
            "example": f"{api}/city-indicators",
            "params": "node, limit, offset",
        },
        {
            "th": "ตัวชี้วัดการพัฒนาเมืองหนึ่งตัว",
            "en": "One city indicator",
            "path": f"{api}/city-indicators/{{id}}",
            "example": f"{api}/city-indicators/87",
            "params": "",
        },
    ]


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    endpoints = _endpoints()
    for item in endpoints:
        item["label"] = tr(item["th"], item["en"])
        item["csv_url"] = f"{item['path']}?format=csv" if item.get("csv") else ""
    return render(
        request,
        "api/open_data.html",
        {
            "endpoints": endpoints,
            "licence": getattr(settings, "OPEN_DATA_LICENCE", DEFAULT_LICENCE),
            "openapi_url": reverse("api:openapi-json"),
            "datapackage_url": reverse("opendata:datapackage"),
            "catalog_url": reverse("opendata:catalog"),
            "docs_url": "/api/v1/docs",
            "cache_seconds": getattr(settings, "PUBLIC_CACHE_SECONDS", 300),
        },
    )


def _harvest_document(
    request: HttpRequest, build: Callable[[HttpRequest, str], dict[str, Any]], content_type: str
) -> HttpResponse:
    """A harvest document as an open-data read: ETag / 304, public Cache-Control, CORS, and
    kept in the server cache while the cross-year lists it describes have not changed
    (scope ``all``; ``site`` always counts). Both documents are bilingual, so one cache
    entry serves every language."""

    def respond() -> HttpResponse:
        wording = getattr(settings, "OPEN_DATA_LICENCE", DEFAULT_LICENCE)
        body = json.dumps(build(request, wording), ensure_ascii=False, indent=1).encode("utf-8")
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        response["Cache-Control"] = f"public, max-age={getattr(settings, 'PUBLIC_CACHE_SECONDS', 300)}"
        response["Access-Control-Allow-Origin"] = "*"
        response["Vary"] = "Accept-Encoding"
        return response

    if cacheable(request):
        key = cache_key(request, kind="harvest", language=settings.LANGUAGE_CODE)
        response = serve(key, [versions.ALL], respond, API_HEADERS)
    else:
        response = respond()
    etag = response.get("ETag")
    if etag and etag in parse_etags(request.headers.get("If-None-Match", "")):
        not_modified = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin"):
            if response.has_header(name):
                not_modified[name] = response[name]
        return not_modified
    return response


@require_safe
def datapackage(request: HttpRequest) -> HttpResponse:
    return _harvest_document(request, harvest.data_package, "application/json; charset=utf-8")


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    return _harvest_document(request, harvest.dcat_catalog, "application/ld+json; charset=utf-8")


urlpatterns = [
    path("", open_data, name="page"),
    path("datapackage.json", datapackage, name="datapackage"),
    path("catalog.jsonld", catalog, name="catalog"),
]
