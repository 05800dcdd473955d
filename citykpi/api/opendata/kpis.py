"""Open data of KPIs: GET /kpis (the published KPIs, filtered and paged, JSON or CSV)
and GET /kpis/{code}, the one personalised read: a signed-in user who may see the KPI's
agency (session or Bearer token) also gets its unpublished quarters with their status
and version, which the workflow clients need to PUT a report.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Path, Query, Router

from citykpi.accounts import access
from citykpi.api.auth import user_from_request
from citykpi.api.errors import responses
from citykpi.api.opendata import schemas as s
from citykpi.api.opendata.http import (
    d,
    latest,
    not_found,
    parse_code,
    parse_year,
    respond,
    validated_json,
)
from citykpi.api.opendata.lists import (
    AGENCY,
    ERRORS,
    FORMAT,
    LIMIT,
    NODE,
    OFFSET,
    YEAR,
    csv_extra,
    list_response,
)
from citykpi.api.opendata.rows import agency_ref, find_node, node_descendants_q, number
from citykpi.indicators.models import Indicator
from citykpi.projects.models import Project
from citykpi.publicdata import documents
from citykpi.publicdata.attached import prefetched
from citykpi.publicdata.kpi_page import headline, node_dict, strategy_paths
from citykpi.publicdata.search import engine as word_search
from citykpi.quality.rules import findings_for
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode

router = Router(tags=["opendata"])

NOT_REPORTED = "not_reported"
KpiStatus = Literal["submitted", "assessed", "reopened", "not_reported"]


def _headline(quarters: list[QuarterReport]) -> dict | None:
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
        "agency": agency_ref(indicator.agency),
        "fiscal_year": indicator.fiscal_year_id,
        "unit": indicator.unit.name_th if indicator.unit is not None else None,
        "target": number(indicator.target),
        "target_text": indicator.target_text,
        "achieved": number(indicator.achieved),
        "kpi_type": indicator.kpi_type,
        "result_level": indicator.result_level,
        "direction": indicator.direction,
        "weight": number(indicator.weight),
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
            pk__in=Indicator.objects.filter(node_descendants_q(node, "strategy_nodes")).values("pk")
        )
    if q:
        # Words of the name (Thai or English), agency or district, published narratives
        # (the word index, citykpi.publicdata.search), or part of the code.
        words = word_search.prepare(q, year)
        by_code = Q(code__icontains=q.strip())
        qs = qs.filter(by_code | Q(pk__in=word_search.matching_ids(words))) if words else qs.filter(by_code)
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
    operation_id="citykpi_api_opendata_list_kpis",
    summary=d("รายการตัวชี้วัดที่เผยแพร่", "Published KPIs"),
    description=d(
        "ตัวชี้วัดที่เผยแพร่ กรองตามปี หน่วยงาน ประเภท ระดับ สถานะ และหมุดยุทธศาสตร์ (รวมหมุดย่อย) "
        "เรียงตามปี รหัสหน่วยงาน และรหัสตัวชี้วัด; ?format=csv ได้ CSV ของแถวเดียวกัน",
        "Published KPIs filtered by year, agency, type, level, status and strategy node (descendants "
        "included), ordered by year, agency code and KPI code; ?format=csv gives the same rows as CSV",
    ),
    openapi_extra=csv_extra(),
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
    node: str | None = NODE,
    q: str | None = Query(
        None, max_length=200, description=d("คำในชื่อหรือรหัสตัวชี้วัด", "Words of the KPI name or code")
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
) -> HttpResponse:
    return list_response(
        request,
        lambda: _kpi_queryset(
            parse_year(year), parse_code(agency, "agency"), type, level, status, find_node(node), q
        ),
        limit=limit,
        offset=offset,
        schema=s.OpenKpiPage,
        row=lambda request, ind: _kpi_row(request, ind, prefetched(ind, "open_quarters", QuarterReport)),
        csv_columns=KPI_CSV,
        filename="kpis",
        for_page=lambda qs: qs.prefetch_related(
            Prefetch(
                "quarters",
                queryset=QuarterReport.objects.published().select_related("assessment").order_by("quarter"),
                to_attr="open_quarters",
            )
        ),
        last_modified=lambda page: latest(
            *(ind.updated_at for ind in page),
            *(qr.updated_at for ind in page for qr in prefetched(ind, "open_quarters", QuarterReport)),
        ),
    )


def _request_user(request: HttpRequest) -> User | None:
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
                    "planned_target": number(qr.planned_target),
                    "result": number(qr.result),
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
                    "nodes": [node_dict(n) for n in item["path"]],
                }
                for item in strategy_paths(nodes)
            ],
            "projects": [
                {"code": p.code, "name": p.name, "agency": p.agency.code, "progress": number(p.progress)}
                for p in projects
            ],
            "quality_findings": _quality_findings(indicator, quarters),
        }
    )
    return data


def _relative(path: str) -> str:
    return path


def stored_record(body: dict[str, Any]) -> bytes:
    """The bytes of a KPI's public record as `get_kpi` answers them, with its two addresses
    relative: what the KPI's document stores (citykpi.publicdata.documents.read_record), so
    that the API's cache answers a record without validating or serialising it again."""
    return validated_json(s.OpenKpiDetail, documents.record_of(body, _relative))


def record_format_name() -> str:
    """Names the serialisation: records stored under another schema are made again."""
    schema = json.dumps(s.OpenKpiDetail.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode("utf-8")).hexdigest()[:16]


@router.get(
    "/kpis/{code}",
    response={200: s.OpenKpiDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_kpi",
    operation_id="citykpi_api_opendata_get_kpi",
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
) -> HttpResponse:
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
        quarters_qs = quarters_qs.published()
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
