"""Open data of projects: GET /projects (published projects, filtered and paged, JSON or
CSV) and GET /projects/{code}."""

from __future__ import annotations

from typing import Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Path, Query, Router

from citykpi.api.errors import responses
from citykpi.api.opendata import schemas as s
from citykpi.api.opendata.http import d, not_found, parse_code, parse_year, respond
from citykpi.api.opendata.lists import AGENCY, ERRORS, FORMAT, LIMIT, OFFSET, YEAR, csv_extra, list_response
from citykpi.api.opendata.rows import agency_ref, number
from citykpi.indicators.models import Indicator
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.publicdata.attached import prefetched

router = Router(tags=["opendata"])


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
        "agency": agency_ref(project.agency),
        "fiscal_year": project.fiscal_year_id,
        "progress": number(project.progress),
        "budget": number(project.budget),
        "officers": project.officer_list,
        "kpis": [ind.code for ind in prefetched(project, "open_kpis", Indicator)],
        "url": request.build_absolute_uri(reverse("portal:project", args=[project.code])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_project", args=[project.code])),
    }


def _open_kpis_prefetch() -> Prefetch:
    return Prefetch(
        "indicators", queryset=Indicator.objects.published().order_by("code"), to_attr="open_kpis"
    )


def _project_queryset(year: int | None, agency: str | None, kpi: str | None) -> QuerySet:
    qs = Project.objects.published().select_related("agency").order_by("fiscal_year_id", "code")
    if year is not None:
        qs = qs.filter(fiscal_year_id=year)
    if agency:
        qs = qs.filter(agency__code=agency)
    if kpi:
        qs = qs.filter(indicators__in=Indicator.objects.published().filter(code=kpi))
    return qs


@router.get(
    "/projects",
    response={200: s.OpenProjectPage, 304: None, **ERRORS},
    url_name="opendata_projects",
    operation_id="citykpi_api_opendata_list_projects",
    summary=d("รายการโครงการ/กิจกรรม", "Projects and activities"),
    description=d(
        "โครงการที่เผยแพร่ กรองตามปี หน่วยงาน หรือตัวชี้วัดที่สนับสนุน เรียงตามปีและรหัสโครงการ",
        "Published projects filtered by year, agency or supported KPI, ordered by year and project code",
    ),
    openapi_extra=csv_extra(),
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
) -> HttpResponse:
    return list_response(
        request,
        lambda: _project_queryset(parse_year(year), parse_code(agency, "agency"), kpi),
        limit=limit,
        offset=offset,
        schema=s.OpenProjectPage,
        row=_project_row,
        csv_columns=PROJECT_CSV,
        filename="projects",
        for_page=lambda qs: qs.prefetch_related(_open_kpis_prefetch()),
    )


@router.get(
    "/projects/{code}",
    response={200: s.OpenProjectDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_project",
    operation_id="citykpi_api_opendata_get_project",
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
) -> HttpResponse:
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
            "indicators": [
                {"code": ind.code, "name": ind.name} for ind in prefetched(project, "open_kpis", Indicator)
            ],
        }
    )
    return respond(request, s.OpenProjectDetail, data)
