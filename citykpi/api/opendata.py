"""The public open-data endpoints of /api/v1/: KPIs, agencies, the strategy tree,
projects and city indicators, as JSON or CSV (?format=csv), published data only.

Every list filters, pages with a stable order (limit/offset, total count and next /
previous links) and serves CSV of the same rows. Every read carries ETag,
Last-Modified where known, Cache-Control and Access-Control-Allow-Origin: *.
GET /kpis/{code} is the one personalised read: a signed-in user who may see the KPI's
agency (session or Bearer token) also gets its unpublished quarters with their status
and version, which the workflow clients need to PUT a report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Path, Query, Router

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.api import opendata_schemas as s
from citykpi.api.auth import user_from_request
from citykpi.api.errors import responses
from citykpi.api.opendata_http import (
    CSV_MAX_ROWS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadParameter,
    d,
    error_response,
    latest,
    not_found,
    page_links,
    parse_code,
    parse_year,
    respond,
    wants_csv,
)
from citykpi.cityindicators.models import CityIndicator, CityIndicatorValue
from citykpi.indicators.models import Indicator
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.publicdata import documents
from citykpi.quality.rules import findings_for
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

router = Router(tags=["opendata"])

NOT_REPORTED = "not_reported"
KpiStatus = Literal["submitted", "assessed", "reopened", "not_reported"]

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

# Every read may answer 400 (a parameter it cannot understand, bad bytes) and 422 (a value
# outside the parameter's schema); the bodies are api.errors.ErrorOut.
ERRORS = responses(400, 422)
CSV_CONTENT = {"text/csv": {"schema": {"type": "string", "description": d("ไฟล์ CSV", "CSV file")}}}


def _list_extra(summary_en: str) -> dict[str, Any]:
    return {"responses": {200: {"content": CSV_CONTENT}}}


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


def _bad(exc: BadParameter) -> HttpResponse:
    return error_response(400, exc.as_dict())


def _num(value) -> float | None:
    return None if value is None else float(value)


def _agency_ref(agency: Agency) -> dict[str, Any]:
    return {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en}


def _node_descendants_q(node: StrategyNode, field: str) -> Q:
    return Q(**{f"{field}__plan_id": node.plan_id}) & (
        Q(**{f"{field}__path": node.path}) | Q(**{f"{field}__path__startswith": node.path + "."})
    )


def _find_node(value: str | None) -> StrategyNode | None:
    if value in (None, ""):
        return None
    from citykpi.lib.thai import to_arabic_digits

    text = to_arabic_digits(str(value)).strip()
    node = StrategyNode.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None
    if node is None:
        raise BadParameter(
            "node",
            f"ไม่พบหมุดยุทธศาสตร์ '{value}' (ใช้ id จาก /api/v1/strategy)",
            f"No strategy node '{value}' (use an id from /api/v1/strategy)",
        )
    return node


# --------------------------------------------------------------------------- KPIs


def _headline(quarters: list[QuarterReport]) -> dict | None:
    from citykpi.publicdata.kpi_page import headline

    found = headline(quarters)
    return {"quarter": found.quarter, "score": float(found.score)} if found else None


def _assessment(report: QuarterReport) -> dict | None:
    try:
        assessment = report.assessment
    except QuarterReport.assessment.RelatedObjectDoesNotExist:
        return None
    components = {}
    for name, raw in (assessment.components or {}).items():
        try:
            components[str(name)] = None if raw in (None, "") else float(raw)
        except (TypeError, ValueError):
            components[str(name)] = None
    return {"score": float(assessment.score), "components": components, "assessed_at": assessment.assessed_at}


def _kpi_row(request: HttpRequest, indicator: Indicator, quarters: list[QuarterReport]) -> dict:
    published = [q for q in quarters if q.is_published]
    status = max(published, key=lambda q: q.quarter).status if published else NOT_REPORTED
    return {
        "code": indicator.code,
        "list_label": indicator.list_label,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "agency": _agency_ref(indicator.agency),
        "fiscal_year": indicator.fiscal_year_id,
        "unit": indicator.unit.name_th if indicator.unit_id else None,
        "target": _num(indicator.target),
        "target_text": indicator.target_text,
        "achieved": _num(indicator.achieved),
        "kpi_type": indicator.kpi_type,
        "result_level": indicator.result_level,
        "direction": indicator.direction,
        "weight": _num(indicator.weight),
        "status": status,
        "headline": _headline(published),
        "url": request.build_absolute_uri(reverse("portal:kpi", args=[indicator.code])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_kpi", args=[indicator.code])),
    }


def _kpi_queryset(
    year: int | None,
    agency: str | None,
    kpi_type: str | None,
    level: str | None,
    status: str | None,
    node: StrategyNode | None,
    q: str | None,
) -> QuerySet:
    qs = Indicator.objects.published().select_related("agency", "unit")
    if year is not None:
        qs = qs.filter(fiscal_year_id=year)
    if agency:
        qs = qs.filter(agency__code=agency)
    if kpi_type:
        qs = qs.filter(kpi_type=kpi_type)
    if level:
        qs = qs.filter(result_level=level)
    if node is not None:
        qs = qs.filter(
            pk__in=Indicator.objects.filter(_node_descendants_q(node, "strategy_nodes")).values("pk")
        )
    if q:
        qs = qs.filter(Q(code__icontains=q.strip()) | Q(name__icontains=q.strip()))
    if status:
        latest_status = (
            QuarterReport.objects.published()
            .filter(indicator=OuterRef("pk"))
            .order_by("-quarter")
            .values("status")[:1]
        )
        qs = qs.annotate(current_status=Coalesce(Subquery(latest_status), Value(NOT_REPORTED))).filter(
            current_status=status
        )
    # Stable order for paging: the code is unique.
    return qs.order_by("fiscal_year_id", "agency__code", "code")


KPI_CSV = [
    ("code", lambda r: r["code"]),
    ("list_label", lambda r: r["list_label"]),
    ("name", lambda r: r["name"]),
    ("name_en", lambda r: r["name_en"]),
    ("agency_code", lambda r: r["agency"]["code"]),
    ("agency_name", lambda r: r["agency"]["name_th"]),
    ("fiscal_year", lambda r: r["fiscal_year"]),
    ("unit", lambda r: r["unit"]),
    ("target", lambda r: r["target"]),
    ("target_text", lambda r: r["target_text"]),
    ("achieved", lambda r: r["achieved"]),
    ("kpi_type", lambda r: r["kpi_type"]),
    ("result_level", lambda r: r["result_level"]),
    ("direction", lambda r: r["direction"]),
    ("weight", lambda r: r["weight"]),
    ("status", lambda r: r["status"]),
    ("headline_quarter", lambda r: (r["headline"] or {}).get("quarter")),
    ("headline_score", lambda r: (r["headline"] or {}).get("score")),
    ("url", lambda r: r["url"]),
]


@router.get(
    "/kpis",
    response={200: s.OpenKpiPage, 304: None, **ERRORS},
    url_name="opendata_kpis",
    summary=d("รายการตัวชี้วัดที่เผยแพร่", "Published KPIs"),
    description=d(
        "ตัวชี้วัดที่เผยแพร่ กรองตามปี หน่วยงาน ประเภท ระดับ สถานะ และหมุดยุทธศาสตร์ (รวมหมุดย่อย) "
        "เรียงตามปี รหัสหน่วยงาน และรหัสตัวชี้วัด; ?format=csv ได้ CSV ของแถวเดียวกัน",
        "Published KPIs filtered by year, agency, type, level, status and strategy node (descendants "
        "included), ordered by year, agency code and KPI code; ?format=csv gives the same rows as CSV",
    ),
    openapi_extra=_list_extra("kpis"),
)
def list_kpis(
    request: HttpRequest,
    year: str | None = YEAR,
    agency: str | None = AGENCY,
    type: Literal["strategic", "routine", "other"] | None = Query(
        None,
        description=d(
            "ประเภทตัวชี้วัด: strategic เชิงยุทธศาสตร์, routine งานประจำ, other อื่น ๆ",
            "KPI type: strategic, routine or other",
        ),
    ),
    level: Literal["output", "outcome"] | None = Query(
        None, description=d("ระดับตัวชี้วัด: output ผลผลิต, outcome ผลลัพธ์", "Result level: output or outcome")
    ),
    status: KpiStatus | None = Query(
        None,
        description=d(
            "สถานะของไตรมาสล่าสุดที่เผยแพร่ (not_reported = ยังไม่มีไตรมาสที่เผยแพร่)",
            "Status of the latest published quarter (not_reported = no published quarter yet)",
        ),
    ),
    node: str | None = Query(
        None,
        description=d(
            "id ของหมุดยุทธศาสตร์ (รวมหมุดย่อยทั้งหมด)", "Strategy node id (all its descendants included)"
        ),
    ),
    q: str | None = Query(
        None, max_length=200, description=d("คำในชื่อหรือรหัสตัวชี้วัด", "Words of the KPI name or code")
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
):
    try:
        qs = _kpi_queryset(
            parse_year(year), parse_code(agency, "agency"), type, level, status, _find_node(node), q
        )
    except BadParameter as exc:
        return _bad(exc)
    limit, offset = _paging(request, limit, offset)
    count = qs.count()
    page = list(
        qs[offset : offset + limit].prefetch_related(
            Prefetch(
                "quarters",
                queryset=QuarterReport.objects.published().select_related("assessment").order_by("quarter"),
                to_attr="open_quarters",
            )
        )
    )
    rows = [_kpi_row(request, ind, ind.open_quarters) for ind in page]
    stamp = latest(
        *(ind.updated_at for ind in page), *(qr.updated_at for ind in page for qr in ind.open_quarters)
    )
    return respond(
        request,
        s.OpenKpiPage,
        _page_data(request, count, limit, offset, rows),
        csv_columns=KPI_CSV,
        filename="kpis",
        last_modified=stamp,
    )


def _request_user(request: HttpRequest):
    """The signed-in user of a session or a Bearer token (api.auth), else None."""
    user = user_from_request(request)
    return user if getattr(user, "is_authenticated", False) else None


def _quality_findings(indicator: Indicator, quarters: list[QuarterReport]) -> list[dict[str, str]]:
    # Only the quarters this reader may see: a finding must not reveal a draft's value.
    return [
        {"rule": finding.rule, "severity": finding.severity, "message": finding.message}
        for finding in findings_for(indicator, quarters)
    ]


def record_from_rows(
    request: HttpRequest, indicator: Indicator, quarters: list[QuarterReport]
) -> dict[str, Any]:
    """A KPI's record built from its rows with the quarters given: what a signed-in reader
    of its agency gets (drafts too). The public gets the same record from the KPI's public
    document (citykpi.publicdata.documents.record_of), equal to this one with the published
    quarters (citykpi/portal/tests/test_kpi_page_document.py)."""
    from citykpi.publicdata.kpi_page import strategy_paths

    nodes = list(indicator.strategy_nodes.select_related("plan"))
    projects = list(
        Project.objects.published().filter(indicators=indicator).select_related("agency").order_by("code")
    )
    data = _kpi_row(request, indicator, quarters)
    data.update(
        {
            "definition": indicator.definition,
            "calculation_method": indicator.calculation_method,
            "scoring_method": indicator.scoring_method,
            "data_collection": indicator.data_collection,
            "annual_summary": indicator.annual_summary,
            "dimension": str(indicator.dimension) if indicator.dimension_id else None,
            "is_negotiated": indicator.is_negotiated,
            "milestone_levels": [
                {
                    "level": m.level,
                    "description": m.description,
                    "percent": float(m.percent),
                    "points": float(m.points),
                }
                for m in indicator.milestone_levels.all()
            ],
            "quarters": [
                {
                    "quarter": qr.quarter,
                    "planned_target": _num(qr.planned_target),
                    "result": _num(qr.result),
                    "narrative": qr.narrative,
                    "status": qr.status,
                    "version": qr.version,
                    "published": qr.is_published,
                    "assessment": _assessment(qr),
                }
                for qr in quarters
            ],
            "strategy": [
                {
                    "plan": item["plan"].code,
                    "plan_name": item["plan"].name_th,
                    "nodes": [s.node_dict(n) for n in item["path"]],
                }
                for item in strategy_paths(nodes)
            ],
            "projects": [
                {"code": p.code, "name": p.name, "agency": p.agency.code, "progress": _num(p.progress)}
                for p in projects
            ],
            "quality_findings": _quality_findings(indicator, quarters),
        }
    )
    return data


@router.get(
    "/kpis/{code}",
    response={200: s.OpenKpiDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_kpi",
    summary=d("ตัวชี้วัดหนึ่งตัวพร้อมผลรายไตรมาส", "One KPI with its quarters"),
    description=d(
        "ตัวชี้วัดที่เผยแพร่ พร้อมผลรายไตรมาส (เฉพาะที่เผยแพร่) ผลการประเมินล่าสุด เส้นทางยุทธศาสตร์ "
        "โครงการ และข้อสังเกตด้านคุณภาพข้อมูล; ผู้ใช้ที่เข้าสู่ระบบและมีสิทธิ์ในหน่วยงาน "
        "จะเห็นไตรมาสที่ยังไม่เผยแพร่ (ร่าง) พร้อมสถานะและ version ด้วย",
        "A published KPI with its published quarters, headline assessment, strategy path, projects "
        "and data-quality findings; a signed-in user who may see its agency also gets unpublished "
        "quarters (drafts) with their status and version",
    ),
)
def get_kpi(
    request: HttpRequest,
    code: str = Path(..., max_length=20, description=d("รหัสตัวชี้วัด เช่น 0409-0950", "KPI code, e.g. 0409-0950")),
):
    user = _request_user(request)
    if user is None:
        # The public: the KPI's public document, one query when it is current
        # (citykpi.publicdata.documents; the same facts as its page).
        body = documents.read(code)
        if body is None:
            return not_found("ตัวชี้วัด", "KPI", code)
        return respond(
            request,
            s.OpenKpiDetail,
            documents.record_of(body, request.build_absolute_uri),
            last_modified=documents.last_modified(body),
            public=True,
            varies_by_user=True,
        )
    indicator = (
        Indicator.objects.select_related("agency", "unit", "fiscal_year", "dimension")
        .filter(code=code)
        .first()
    )
    insider = indicator is not None and user is not None and access.can_view_agency(user, indicator.agency_id)
    public_ok = indicator is not None and indicator.is_published and indicator.fiscal_year.is_published
    if indicator is None or not (public_ok or insider):
        return not_found("ตัวชี้วัด", "KPI", code)
    quarters_qs = (
        QuarterReport.objects.filter(indicator=indicator).select_related("assessment").order_by("quarter")
    )
    if not insider:
        quarters_qs = quarters_qs.filter(status__in=QuarterReport.PUBLISHED_STATUSES)
    quarters = list(quarters_qs)
    data = record_from_rows(request, indicator, quarters)
    stamp = latest(indicator.updated_at, *(qr.updated_at for qr in quarters))
    return respond(
        request,
        s.OpenKpiDetail,
        data,
        last_modified=stamp,
        public=not insider,
        varies_by_user=True,
    )


# ----------------------------------------------------------------------- agencies


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


def _agency_row(request: HttpRequest, agency: Agency) -> dict:
    return {
        "code": agency.code,
        "long_code": agency.long_code,
        "name_th": agency.name_th,
        "name_en": agency.name_en,
        "abbreviation": agency.abbreviation,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent_id else None,
        "kpi_count": agency.kpi_count,
        "url": request.build_absolute_uri(reverse("portal:agency", args=[agency.code])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_agency", args=[agency.code])),
    }


def _published_kpi_filter(year: int | None, prefix: str = "indicators") -> Q:
    condition = Q(**{f"{prefix}__is_published": True, f"{prefix}__fiscal_year__is_published": True})
    if year is not None:
        condition &= Q(**{f"{prefix}__fiscal_year_id": year})
    return condition


@router.get(
    "/agencies",
    response={200: s.OpenAgencyPage, 304: None, **ERRORS},
    url_name="opendata_agencies",
    summary=d("รายการหน่วยงาน", "Agencies"),
    description=d(
        "หน่วยงานที่ใช้งานอยู่ พร้อมจำนวนตัวชี้วัดที่เผยแพร่ (ของปีที่ระบุ) เรียงตามรหัส",
        "Active agencies with their number of published KPIs (in the given year), ordered by code",
    ),
    openapi_extra=_list_extra("agencies"),
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
):
    try:
        fiscal = parse_year(year)
    except BadParameter as exc:
        return _bad(exc)
    qs = Agency.objects.active().select_related("parent").order_by("code")
    if kind:
        qs = qs.filter(kind=kind)
    limit, offset = _paging(request, limit, offset)
    count = qs.count()
    page = list(
        qs.annotate(kpi_count=Count("indicators", filter=_published_kpi_filter(fiscal)))[
            offset : offset + limit
        ]
    )
    rows = [_agency_row(request, a) for a in page]
    return respond(
        request,
        s.OpenAgencyPage,
        _page_data(request, count, limit, offset, rows),
        csv_columns=AGENCY_CSV,
        filename="agencies",
    )


@router.get(
    "/agencies/{code}",
    response={200: s.OpenAgencyDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_agency",
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
):
    try:
        short = parse_code(code, "code")
    except BadParameter:
        short = None
    agency = Agency.objects.active().select_related("parent").filter(code=short).first() if short else None
    if agency is None:
        return not_found("หน่วยงาน", "agency", code)
    agency.kpi_count = Indicator.objects.published().filter(agency=agency).count()
    per_year = defaultdict(lambda: {"kpi_count": 0, "project_count": 0})
    for row in (
        Indicator.objects.published().filter(agency=agency).values("fiscal_year_id").annotate(n=Count("pk"))
    ):
        per_year[row["fiscal_year_id"]]["kpi_count"] = row["n"]
    for row in (
        Project.objects.published().filter(agency=agency).values("fiscal_year_id").annotate(n=Count("pk"))
    ):
        per_year[row["fiscal_year_id"]]["project_count"] = row["n"]
    data = _agency_row(request, agency)
    data["children"] = [
        _agency_ref(child) for child in Agency.objects.active().filter(parent=agency).order_by("code")
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


# ----------------------------------------------------------------------- strategy


STRATEGY_CSV = [
    ("plan", lambda r: r["plan"]),
    ("id", lambda r: r["id"]),
    ("parent_id", lambda r: r["parent_id"]),
    ("path", lambda r: r["path"]),
    ("display_number", lambda r: r["display_number"]),
    ("depth", lambda r: r["depth"]),
    ("level_name", lambda r: r["level_name"]),
    ("title", lambda r: r["title"]),
    ("kpi_count", lambda r: r["kpi_count"]),
]


@router.get(
    "/strategy",
    response={200: s.OpenStrategyOut, 304: None, **ERRORS},
    url_name="opendata_strategy",
    summary=d("แผนยุทธศาสตร์และหมุดทั้งหมด", "Strategy plans and their nodes"),
    description=d(
        "แผนยุทธศาสตร์แต่ละแผนพร้อมหมุดทุกระดับ (ด้าน > มิติ > เป้าหมาย > ...) ตามลำดับต้นไม้ "
        "และจำนวนตัวชี้วัดที่เผยแพร่ซึ่งเชื่อมกับหมุดนั้นโดยตรง; ?format=csv ได้หมุดทั้งหมดเป็น CSV",
        "Each strategy plan with its nodes of every level in tree order and the number of published "
        "KPIs linked to each node directly; ?format=csv gives all nodes as CSV",
    ),
    openapi_extra=_list_extra("strategy"),
)
def strategy(
    request: HttpRequest,
    year: str | None = YEAR,
    plan: str | None = Query(None, max_length=40, description=d("รหัสแผน", "Plan code")),
    format: Literal["json", "csv"] | None = FORMAT,
):
    try:
        fiscal = parse_year(year)
    except BadParameter as exc:
        return _bad(exc)
    plans = StrategyPlan.objects.order_by("-is_primary", "code")
    if plan:
        plans = plans.filter(code=plan)
    plans = list(plans)
    nodes = (
        StrategyNode.objects.filter(plan__in=plans)
        .select_related("plan")
        .annotate(
            kpi_count=Count("indicators", filter=_published_kpi_filter(fiscal), output_field=IntegerField())
        )
        .order_by("plan_id", "sort_key")
    )
    by_plan: dict[int, list] = defaultdict(list)
    for node in nodes:
        by_plan[node.plan_id].append(
            {
                **s.node_dict(node),
                "parent_id": node.parent_id,
                "title": node.title,
                "level_name": node.level_name,
                "kpi_count": node.kpi_count,
            }
        )
    data = {
        "count": len(plans),
        "results": [
            {
                "code": p.code,
                "name_th": p.name_th,
                "name_en": p.name_en,
                "level_names": p.level_names or [],
                "start_year": p.start_year,
                "end_year": p.end_year,
                "is_primary": p.is_primary,
                "nodes": by_plan[p.pk],
            }
            for p in plans
        ],
    }
    return respond(
        request,
        s.OpenStrategyOut,
        data,
        csv_columns=STRATEGY_CSV,
        filename="strategy",
        csv_rows=lambda payload: [n for p in payload["results"] for n in p["nodes"]],
    )


# ----------------------------------------------------------------------- projects


PROJECT_CSV = [
    ("code", lambda r: r["code"]),
    ("name", lambda r: r["name"]),
    ("agency_code", lambda r: r["agency"]["code"]),
    ("agency_name", lambda r: r["agency"]["name_th"]),
    ("fiscal_year", lambda r: r["fiscal_year"]),
    ("progress", lambda r: r["progress"]),
    ("budget", lambda r: r["budget"]),
    ("officers", lambda r: r["officers"]),
    ("kpis", lambda r: r["kpis"]),
    ("url", lambda r: r["url"]),
]


def _project_row(request: HttpRequest, project: Project) -> dict:
    return {
        "code": project.code,
        "name": project.name,
        "agency": _agency_ref(project.agency),
        "fiscal_year": project.fiscal_year_id,
        "progress": _num(project.progress),
        "budget": _num(project.budget),
        "officers": project.officer_list,
        "kpis": [ind.code for ind in project.open_kpis],
        "url": request.build_absolute_uri(reverse("portal:project", args=[project.code])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_project", args=[project.code])),
    }


def _open_kpis_prefetch() -> Prefetch:
    return Prefetch(
        "indicators", queryset=Indicator.objects.published().order_by("code"), to_attr="open_kpis"
    )


@router.get(
    "/projects",
    response={200: s.OpenProjectPage, 304: None, **ERRORS},
    url_name="opendata_projects",
    summary=d("รายการโครงการ/กิจกรรม", "Projects and activities"),
    description=d(
        "โครงการที่เผยแพร่ กรองตามปี หน่วยงาน หรือตัวชี้วัดที่สนับสนุน เรียงตามปีและรหัสโครงการ",
        "Published projects filtered by year, agency or supported KPI, ordered by year and project code",
    ),
    openapi_extra=_list_extra("projects"),
)
def list_projects(
    request: HttpRequest,
    year: str | None = YEAR,
    agency: str | None = AGENCY,
    kpi: str | None = Query(
        None, max_length=20, description=d("รหัสตัวชี้วัดที่โครงการสนับสนุน", "Code of a KPI the project supports")
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
):
    try:
        fiscal, agency_code = parse_year(year), parse_code(agency, "agency")
    except BadParameter as exc:
        return _bad(exc)
    qs = Project.objects.published().select_related("agency").order_by("fiscal_year_id", "code")
    if fiscal is not None:
        qs = qs.filter(fiscal_year_id=fiscal)
    if agency_code:
        qs = qs.filter(agency__code=agency_code)
    if kpi:
        qs = qs.filter(indicators__in=Indicator.objects.published().filter(code=kpi))
    limit, offset = _paging(request, limit, offset)
    count = qs.count()
    page = list(qs[offset : offset + limit].prefetch_related(_open_kpis_prefetch()))
    rows = [_project_row(request, p) for p in page]
    return respond(
        request,
        s.OpenProjectPage,
        _page_data(request, count, limit, offset, rows),
        csv_columns=PROJECT_CSV,
        filename="projects",
    )


@router.get(
    "/projects/{code}",
    response={200: s.OpenProjectDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_project",
    summary=d("โครงการหนึ่งโครงการ", "One project"),
    description=d(
        "โครงการที่เผยแพร่ พร้อมหลักการ วัตถุประสงค์ คะแนน สยป. รายไตรมาส และตัวชี้วัดที่สนับสนุน",
        "A published project with its rationale, objectives, the evaluator's quarter scores and the KPIs it supports",
    ),
)
def get_project(
    request: HttpRequest,
    code: str = Path(
        ..., max_length=20, description=d("รหัสโครงการ เช่น 08000000-3744", "Project code, e.g. 08000000-3744")
    ),
):
    project = (
        Project.objects.published()
        .select_related("agency")
        .prefetch_related(_open_kpis_prefetch())
        .filter(code=code)
        .first()
    )
    if project is None:
        return not_found("โครงการ", "project", code)
    data = _project_row(request, project)
    data.update(
        {
            "rationale": project.rationale,
            "objectives": project.objectives,
            "quarter_scores": [
                {"quarter": sc.quarter, "score": float(sc.score)}
                for sc in ProjectQuarterScore.objects.filter(project=project).order_by("quarter")
            ],
            "indicators": [{"code": ind.code, "name": ind.name} for ind in project.open_kpis],
        }
    )
    return respond(request, s.OpenProjectDetail, data)


# ---------------------------------------------------------------- city indicators


CITY_CSV = [
    ("id", lambda r: r["id"]),
    ("list_label", lambda r: r["list_label"]),
    ("name", lambda r: r["name"]),
    ("catalogue", lambda r: r["catalogue"]),
    ("unit", lambda r: r["unit"]),
    ("target_text", lambda r: r["target_text"]),
    ("target_value", lambda r: r["target_value"]),
    ("data_kind", lambda r: r["data_kind"]),
    ("latest_year", lambda r: (r["latest"] or {}).get("year")),
    ("latest_value", lambda r: (r["latest"] or {}).get("value")),
    ("url", lambda r: r["url"]),
]


def _city_row(request: HttpRequest, item: CityIndicator) -> dict:
    values = [v for v in item.all_values if v.value is not None]
    last = max(values, key=lambda v: v.year) if values else None
    return {
        "id": item.id,
        "list_label": item.list_label,
        "name": item.name,
        "catalogue": item.catalogue,
        "unit": item.unit.name_th if item.unit_id else None,
        "target_text": item.target_text,
        "target_value": _num(item.target_value),
        "data_kind": item.data_kind,
        "latest": {"year": last.year, "value": float(last.value)} if last else None,
        "url": request.build_absolute_uri(reverse("portal:city_indicator", args=[item.id])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_city_indicator", args=[item.id])),
    }


def _values_prefetch() -> Prefetch:
    return Prefetch("values", queryset=CityIndicatorValue.objects.order_by("year"), to_attr="all_values")


@router.get(
    "/city-indicators",
    response={200: s.OpenCityIndicatorPage, 304: None, **ERRORS},
    url_name="opendata_city_indicators",
    summary=d("ตัวชี้วัดการพัฒนาเมือง", "City development indicators"),
    description=d(
        "ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (ตัวชี้วัดเป้าประสงค์) กรองตามหมุดยุทธศาสตร์ เรียงตาม id พร้อมค่าล่าสุด",
        "The city development indicator database (goal indicators) filtered by strategy node, "
        "ordered by id, with the latest value",
    ),
    openapi_extra=_list_extra("city-indicators"),
)
def list_city_indicators(
    request: HttpRequest,
    node: str | None = Query(
        None,
        description=d(
            "id ของหมุดยุทธศาสตร์ (รวมหมุดย่อยทั้งหมด)", "Strategy node id (all its descendants included)"
        ),
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
):
    try:
        found = _find_node(node)
    except BadParameter as exc:
        return _bad(exc)
    qs = CityIndicator.objects.published().select_related("unit").order_by("id")
    if found is not None:
        qs = qs.filter(
            pk__in=CityIndicator.objects.filter(_node_descendants_q(found, "strategy_nodes")).values("pk")
        )
    limit, offset = _paging(request, limit, offset)
    count = qs.count()
    page = list(qs[offset : offset + limit].prefetch_related(_values_prefetch()))
    rows = [_city_row(request, item) for item in page]
    return respond(
        request,
        s.OpenCityIndicatorPage,
        _page_data(request, count, limit, offset, rows),
        csv_columns=CITY_CSV,
        filename="city-indicators",
    )


@router.get(
    "/city-indicators/{id}",
    response={200: s.OpenCityIndicatorDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_city_indicator",
    summary=d("ตัวชี้วัดการพัฒนาเมืองหนึ่งตัว", "One city development indicator"),
    description=d(
        "ตัวชี้วัดการพัฒนาเมือง พร้อมนิยาม วิธีคำนวณ ค่ารายปี และหมุดยุทธศาสตร์",
        "A city development indicator with its definition, calculation method, values per year and strategy nodes",
    ),
)
def get_city_indicator(
    request: HttpRequest,
    id: int = Path(..., ge=0, le=2**31 - 1, description=d("รหัสตัวชี้วัดการพัฒนาเมือง", "City indicator id")),
):
    item = (
        CityIndicator.objects.published()
        .filter(pk=id)
        .select_related("unit")
        .prefetch_related(
            _values_prefetch(),
            Prefetch(
                "strategy_nodes",
                queryset=StrategyNode.objects.select_related("plan").order_by("plan_id", "sort_key"),
            ),
        )
        .first()
        if 0 <= id < 2**31
        else None
    )
    if item is None:
        return not_found("ตัวชี้วัดการพัฒนาเมือง", "city indicator", str(id))
    data = _city_row(request, item)
    data.update(
        {
            "definition": item.definition,
            "calculation_method": item.calculation_method,
            "values": [{"year": v.year, "value": _num(v.value), "note": v.note} for v in item.all_values],
            "strategy_nodes": [s.node_dict(n) for n in item.strategy_nodes.all()],
        }
    )
    return respond(request, s.OpenCityIndicatorDetail, data)
