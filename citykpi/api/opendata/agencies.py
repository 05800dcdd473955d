"""Open data of agencies: GET /agencies (the listed agencies with their number of
published KPIs, paged, JSON or CSV) and GET /agencies/{code}.

The listed agencies (`listed_agencies`) are those that exist today and every agency closed
since (a reorganisation ended it, or it was switched off) that a published KPI or project
still names, with the agencies above any of them: so every `agency_code` of the KPI and
project CSVs, and every `parent` of this one, is a row here (the Data Package's foreign
keys hold). Each row says whether the agency exists today and the days it is valid."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Literal

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
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
    ("is_active", lambda r: r["is_active"]),
    ("valid_from", lambda r: r["valid_from"]),
    ("valid_to", lambda r: r["valid_to"]),
    ("kpi_count", lambda r: r["kpi_count"]),
    ("url", lambda r: r["url"]),
]


def listed_agencies() -> QuerySet[Agency]:
    """The agencies the open data lists: those that exist today, those closed since that a
    published KPI or project names, and every agency above one of them. One query, and one
    more per level of parents that is not listed yet (none when no parent is closed)."""
    named = Q(pk__in=Agency.objects.active().values("pk"))
    named |= Q(pk__in=Indicator.objects.published().values("agency_id"))
    named |= Q(pk__in=Project.objects.published().values("agency_id"))
    parents = dict(Agency.objects.filter(named).values_list("pk", "parent_id"))
    missing = {parent for parent in parents.values() if parent is not None and parent not in parents}
    while missing:
        found = dict(Agency.objects.filter(pk__in=missing).values_list("pk", "parent_id"))
        parents.update(found)
        missing = {parent for parent in found.values() if parent is not None and parent not in parents}
    return Agency.objects.filter(pk__in=sorted(parents))


def exists_today(agency: Agency, today: dt.date) -> bool:
    """The same answer as Agency.objects.active() for one loaded agency."""
    return agency.is_active and (agency.valid_to is None or today <= agency.valid_to)


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
        "is_active": exists_today(agency, timezone.localdate()),
        "valid_from": agency.valid_from,
        "valid_to": agency.valid_to,
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
        "หน่วยงานที่ใช้งานอยู่ และหน่วยงานที่สิ้นสุดแล้วซึ่งตัวชี้วัดหรือโครงการที่เผยแพร่ยังอ้างถึง "
        "(พร้อมหน่วยงานแม่) พร้อมวันที่มีผล วันสิ้นสุด และจำนวนตัวชี้วัดที่เผยแพร่ (ของปีที่ระบุ) เรียงตามรหัส",
        "The active agencies and the agencies closed since that published KPIs or projects still "
        "name (with their parents), with their validity and number of published KPIs (in the given "
        "year), ordered by code",
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
    qs = listed_agencies().select_related("parent").order_by("code")
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
    agency = listed_agencies().select_related("parent").filter(code=short).first() if short else None
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
        agency_ref(child) for child in listed_agencies().filter(parent=agency).order_by("code")
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
