"""Open data of agencies: GET /agencies (the active agencies with their number of
published KPIs, paged, JSON or CSV) and GET /agencies/{code}."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Path, Query, Router

from citykpi.agencies.models import Agency
from citykpi.api.errors import responses
from citykpi.api.opendata import schemas as s
from citykpi.api.opendata.http import BadParameter, d, not_found, parse_code, parse_year, respond
from citykpi.api.opendata.lists import (
    ERRORS,
    FORMAT,
    LIMIT,
    OFFSET,
    YEAR,
    bad_request,
    csv_extra,
    list_response,
)
from citykpi.api.opendata.rows import agency_ref, published_kpi_filter
from citykpi.indicators.models import Indicator
from citykpi.projects.models import Project
from citykpi.publicdata.attached import annotated

router = Router(tags=["opendata"])


AGENCY_CSV = [
    ("code", lambda r: r["code"]),
    ("long_code", lambda r: r["long_code"]),
    ("name_th", lambda r: r["name_th"]),
    ("name_en", lambda r: r["name_en"]),
    ("abbreviation", lambda r: r["abbreviation"]),
    ("kind", lambda r: r["kind"]),
    ("parent", lambda r: r["parent"]),
    ("kpi_count", lambda r: r["kpi_count"]),
    ("url", lambda r: r["url"]),
]


def _agency_row(request: HttpRequest, agency: Agency, kpi_count: int | None = None) -> dict:
    """The agency's row; its published KPIs counted by the list's annotation unless given."""
    return {
        "code": agency.code,
        "long_code": agency.long_code,
        "name_th": agency.name_th,
        "name_en": agency.name_en,
        "abbreviation": agency.abbreviation,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent is not None else None,
        "kpi_count": annotated(agency, "kpi_count", int) if kpi_count is None else kpi_count,
        "url": request.build_absolute_uri(reverse("portal:agency", args=[agency.code])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_agency", args=[agency.code])),
    }


@router.get(
    "/agencies",
    response={200: s.OpenAgencyPage, 304: None, **ERRORS},
    url_name="opendata_agencies",
    operation_id="citykpi_api_opendata_list_agencies",
    summary=d("รายการหน่วยงาน", "Agencies"),
    description=d(
        "หน่วยงานที่ใช้งานอยู่ พร้อมจำนวนตัวชี้วัดที่เผยแพร่ (ของปีที่ระบุ) เรียงตามรหัส",
        "Active agencies with their number of published KPIs (in the given year), ordered by code",
    ),
    openapi_extra=csv_extra(),
)
def list_agencies(
    request: HttpRequest,
    year: str | None = YEAR,
    kind: Literal["department", "district", "office", "other"] | None = Query(
        None,
        description=d(
            "ประเภทหน่วยงาน: department สำนัก, district สำนักงานเขต, office สำนักงาน, other อื่น ๆ",
            "Kind: department, district office, office or other",
        ),
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
) -> HttpResponse:
    try:
        fiscal = parse_year(year)
    except BadParameter as exc:
        return bad_request(exc)
    qs = Agency.objects.active().select_related("parent").order_by("code")
    if kind:
        qs = qs.filter(kind=kind)
    return list_response(
        request,
        qs,
        limit=limit,
        offset=offset,
        schema=s.OpenAgencyPage,
        row=_agency_row,
        csv_columns=AGENCY_CSV,
        filename="agencies",
        for_page=lambda qs: qs.annotate(kpi_count=Count("indicators", filter=published_kpi_filter(fiscal))),
    )


@router.get(
    "/agencies/{code}",
    response={200: s.OpenAgencyDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_agency",
    operation_id="citykpi_api_opendata_get_agency",
    summary=d("หน่วยงานหนึ่งหน่วยงาน", "One agency"),
    description=d(
        "หน่วยงาน (รหัส 4 หรือ 8 หลัก) พร้อมหน่วยงานย่อย และจำนวนตัวชี้วัดและโครงการที่เผยแพร่รายปี",
        "An agency (4- or 8-digit code) with its sub-agencies and its published KPIs and projects per year",
    ),
)
def get_agency(
    request: HttpRequest,
    code: str = Path(
        ..., max_length=20, description=d("รหัสหน่วยงาน 4 หรือ 8 หลัก", "Agency code, 4 or 8 digits")
    ),
) -> HttpResponse:
    try:
        short = parse_code(code, "code")
    except BadParameter:
        short = None
    agency = Agency.objects.active().select_related("parent").filter(code=short).first() if short else None
    if agency is None:
        return not_found("หน่วยงาน", "agency", code)
    kpi_count = Indicator.objects.published().filter(agency=agency).count()
    per_year: defaultdict[int, dict[str, int]] = defaultdict(lambda: {"kpi_count": 0, "project_count": 0})
    for row in (
        Indicator.objects.published().filter(agency=agency).values("fiscal_year_id").annotate(n=Count("pk"))
    ):
        per_year[row["fiscal_year_id"]]["kpi_count"] = row["n"]
    for row in (
        Project.objects.published().filter(agency=agency).values("fiscal_year_id").annotate(n=Count("pk"))
    ):
        per_year[row["fiscal_year_id"]]["project_count"] = row["n"]
    data = _agency_row(request, agency, kpi_count)
    data["children"] = [
        agency_ref(child) for child in Agency.objects.active().filter(parent=agency).order_by("code")
    ]
    data["years"] = [
        {
            "year": year,
            **counts,
            "kpis_url": request.build_absolute_uri(
                reverse("api:opendata_kpis") + f"?agency={agency.code}&year={year}"
            ),
        }
        for year, counts in sorted(per_year.items(), reverse=True)
    ]
    return respond(request, s.OpenAgencyDetail, data)
