"""The /open-data/ page: what the published data is, its licence, and a link to every
open-data endpoint and CSV download."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from citykpi.lib.i18n import tr

app_name = "opendata"

# Overridable with settings.OPEN_DATA_LICENCE (the agency's legal office has the last word).
DEFAULT_LICENCE = (
    "สัญญาอนุญาตให้ใช้ข้อมูลเปิดของภาครัฐ (ประเทศไทย): ใช้ ทำซ้ำ ดัดแปลง และเผยแพร่ได้อย่างเสรี "
    'รวมถึงเพื่อการค้า โดยอ้างอิงแหล่งที่มาว่า "กรุงเทพมหานคร" / '
    "Open Government Licence - Thailand: free to use, copy, adapt and publish, commercially "
    'too, citing "Bangkok Metropolitan Administration" as the source.'
)


def _endpoints() -> list[dict[str, str]]:
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
            "docs_url": "/api/v1/docs",
            "cache_seconds": getattr(settings, "PUBLIC_CACHE_SECONDS", 300),
        },
    )


urlpatterns = [path("", open_data, name="page")]
