"""The public site: pages a citizen on a phone reads, without logging in and without
JavaScript. Every page reads published data only, in a bounded number of queries, and
answers unknown codes with the Thai 404 page (never a 500 on odd input)."""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_safe

from citykpi.agencies.history import agency_as_of
from citykpi.agencies.models import Agency
from citykpi.cityindicators.models import CityIndicator
from citykpi.exchange.export import export_response
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator
from citykpi.lib.i18n import tr
from citykpi.lib.thai import to_arabic_digits
from citykpi.portal import finder
from citykpi.projects.models import Project
from citykpi.publicdata import documents
from citykpi.publicdata.attached import attach, prefetched
from citykpi.publicdata.kpi_page import (
    LEVEL_LABELS,
    TYPE_LABELS,
    headline,
    latest_result,
    public_indicators,
    published_kpis_q,
    published_quarters_prefetch,
    standing_of,
    strategy_paths,
)
from citykpi.publicdata.pagecache import all_public, one_agency, one_kpi, public_page, year_or_all
from citykpi.reporting.years import working_year
from citykpi.strategy.models import StrategyNode, StrategyPlan

PAGE_SIZE = 25


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors, no database: the 500 page must render when those are broken.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def _safe_back(request: HttpRequest, fallback: str) -> str:
    """Where "Back" goes without JavaScript: the page the reader came from, if it is ours."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return fallback


def _clean_code(code: str) -> str:
    return to_arabic_digits(code).strip()


def _annotate_rows(indicators: list[Indicator]) -> list[Indicator]:
    """Attach the headline and latest result computed from the prefetched quarters, and
    the stored standing (whether the KPI is on track; `standing` is selected with it)."""
    for indicator in indicators:
        quarters = getattr(indicator, "public_quarters", [])
        attach(
            indicator,
            public_headline=headline(quarters),
            public_latest=latest_result(quarters),
            public_standing=standing_of(indicator),
        )
    return indicators


# ---------------------------------------------------------------------------- home


@require_safe
@public_page(year_or_all)
def home(request: HttpRequest) -> HttpResponse:
    filters = finder.parse(request.GET)
    base = public_indicators()
    matching = finder.ordered(finder.apply(base, filters), filters)  # best match first for words
    export_format = request.GET.get("export")
    if export_format in ("xlsx", "csv"):
        return export_response(matching, export_format, "citykpi-kpis", public=True)
    # The prefetch runs for the page's rows only (the count ignores it).
    paginator = Paginator(matching.prefetch_related(published_quarters_prefetch()), PAGE_SIZE)
    # get_page turns page=-1, page=abc and page=9999 into a page that exists.
    page = paginator.get_page(request.GET.get("page"))
    rows = _annotate_rows(list(page.object_list))

    # Counts for the filter choices, each within the other filters (one query per facet).
    type_counts = dict(
        finder.apply(base, filters, skip="type").order_by().values_list("kpi_type").annotate(n=Count("pk"))
    )
    level_counts = dict(
        finder.apply(base, filters, skip="level")
        .order_by()
        .values_list("result_level")
        .annotate(n=Count("pk"))
    )
    flagged = finder.with_status_flags(finder.apply(base, filters, skip="status"))
    status_counts = flagged.aggregate(
        assessed=Count("pk", filter=Q(has_assessed=True)),
        awaiting=Count("pk", filter=Q(has_assessed=False, has_published=True)),
        not_reported=Count("pk", filter=Q(has_published=False)),
    )

    years = list(FiscalYear.objects.published().order_by("-year").values_list("year", flat=True))
    # Agencies with published KPIs in the year shown (an EXISTS per agency, not a join over every KPI).
    agency_kpis = Indicator.objects.published().filter(agency=OuterRef("pk"))
    if filters.year is not None and not filters.all_years:
        agency_kpis = agency_kpis.filter(fiscal_year=filters.year)
    agencies = list(
        Agency.objects.active()
        .filter(Exists(agency_kpis))
        .only("code", "name_th", "name_en")
        .order_by("code")
    )
    nodes = list(
        StrategyNode.objects.filter(depth__lte=3).select_related("plan").order_by("plan__code", "sort_key")
    )
    dimensions = list(EvaluationDimension.objects.order_by("number"))
    if filters.node is not None and filters.node not in nodes:
        nodes.append(filters.node)

    return render(
        request,
        "portal/home.html",
        {
            "filters": filters,
            "params": filters.as_params(),
            "page": page,
            "rows": rows,
            "total": paginator.count,
            "years": years,
            "agencies": agencies,
            "nodes": nodes,
            "type_choices": [
                (value, tr(*labels), type_counts.get(value, 0)) for value, labels in TYPE_LABELS.items()
            ],
            "level_choices": [
                (value, tr(*labels), level_counts.get(value, 0)) for value, labels in LEVEL_LABELS.items()
            ],
            "status_choices": [
                (value, tr(*labels), status_counts.get(value, 0))
                for value, labels in finder.Status.LABELS.items()
            ],
            "dimensions": dimensions,
            "performance_choices": [
                (value, tr(*labels)) for value, labels in finder.Status.PERFORMANCE_LABELS.items()
            ],
        },
    )


# ---------------------------------------------------------------------------- a KPI


@require_safe
@public_page(one_kpi)
def kpi_detail(request: HttpRequest, code: str) -> HttpResponse:
    context = _kpi_document_context(code)
    agency_code, year = context["agency"]["code"], context["fiscal_year"]["year"]
    home_for_agency = reverse("portal:home") + "?" + urlencode({"agency": agency_code, "year": year})
    context["back_url"] = _safe_back(request, home_for_agency)
    context["agency_url"] = reverse("portal:agency", args=[agency_code]) + "?" + urlencode({"year": year})
    return render(request, "portal/kpi.html", context)


@require_safe
@public_page(one_kpi)
def kpi_print(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "portal/kpi_print.html", _kpi_document_context(code))


def _kpi_document_context(code: str) -> dict:
    """The KPI page's content from the KPI's public document: one query when it is current."""
    code = _clean_code(code)
    body = documents.read(code) if finder.KPI_CODE_RE.match(code) else None
    if body is None:
        raise Http404("unknown KPI code")
    return documents.page_context_of(body)


# ---------------------------------------------------------------------------- an agency


GROUP_DIMENSION = "dimension"
GROUP_STRATEGY = "strategy"


@require_safe
@public_page(one_agency)
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = finder.find_agency(code)
    if agency is None:
        raise Http404("unknown agency")
    notices: list[str] = []
    years = list(
        FiscalYear.objects.published()
        .filter(indicators__agency=agency, indicators__is_published=True)
        .distinct()
        .order_by("-year")
        .values_list("year", flat=True)
    )
    raw_year = finder.clean_digits(request.GET.get("year"))
    year = working_year(years)
    if raw_year:
        if raw_year.isdecimal() and len(raw_year) < 6 and int(raw_year) in years:
            year = int(raw_year)
        else:
            notices.append(
                tr(
                    f"ไม่มีข้อมูลปีงบประมาณ “{request.GET.get('year')}” ของหน่วยงานนี้ จึงแสดงปีล่าสุด",
                    f"This agency has no data for fiscal year “{request.GET.get('year')}”; showing the latest year",
                )
            )
    group = request.GET.get("group") or GROUP_DIMENSION
    if group not in (GROUP_DIMENSION, GROUP_STRATEGY):
        group = GROUP_DIMENSION

    indicators = _annotate_rows(
        list(
            public_indicators()
            .filter(agency=agency, fiscal_year_id=year)
            .prefetch_related(
                published_quarters_prefetch(),
                Prefetch(
                    "strategy_nodes",
                    queryset=StrategyNode.objects.filter(plan__is_primary=True).order_by("sort_key"),
                    to_attr="primary_nodes",
                ),
            )
            .order_by("dimension__number", "code")
        )
    )
    groups: list[dict[str, Any]] = []
    if group == GROUP_DIMENSION:
        for indicator in indicators:
            key = indicator.dimension_id
            if not groups or groups[-1]["key"] != key:
                dimension = indicator.dimension
                groups.append(
                    {
                        "key": key,
                        "title": (
                            f"{tr('มิติที่', 'Dimension')} {dimension.number} "
                            f"{tr(dimension.name_th, dimension.name_en or dimension.name_th)}"
                            if dimension
                            else tr("ไม่ระบุมิติการประเมิน", "No evaluation dimension")
                        ),
                        "indicators": [],
                    }
                )
            groups[-1]["indicators"].append(indicator)
    else:
        areas = {
            node.path: node
            for node in StrategyNode.objects.filter(plan__is_primary=True, depth=1).order_by("sort_key")
        }
        by_area: dict[str, list[Indicator]] = {}
        for indicator in indicators:
            nodes = prefetched(indicator, "primary_nodes", StrategyNode)
            area_key = nodes[0].path.split(".")[0] if nodes else ""
            by_area.setdefault(area_key, []).append(indicator)
        for area_key in sorted(by_area, key=lambda k: (k == "", int(k) if k.isdigit() else 0)):
            area = areas.get(area_key)
            groups.append(
                {
                    "key": area_key,
                    "title": area.heading if area else tr("ไม่ระบุยุทธศาสตร์", "No strategy linked"),
                    "indicators": sorted(by_area[area_key], key=lambda i: i.code),
                }
            )
    return render(
        request,
        "portal/agency.html",
        {
            "agency": agency,
            # The agency as it was in the year shown: its name then, and the agencies it
            # came from or became (citykpi.agencies.history; docs/setup.md).
            "then": agency_as_of(agency, year) if year else agency_as_of(agency, timezone.localdate()),
            "year": year,
            "years": years,
            "group": group,
            "groups": groups,
            "total": len(indicators),
            "notices": notices,
        },
    )


# ---------------------------------------------------------------------------- a project


@require_safe
@public_page(all_public)
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    code = _clean_code(code)
    if not re.fullmatch(r"[0-9A-Za-z-]{1,20}", code):
        raise Http404("unknown project code")
    project = get_object_or_404(
        Project.objects.published().select_related("agency", "fiscal_year"), code=code
    )
    scores = list(project.quarter_scores.order_by("quarter"))
    latest_score = scores[-1] if scores else None
    indicators = _annotate_rows(
        list(
            public_indicators()
            .filter(projects=project)
            .prefetch_related(published_quarters_prefetch())
            .order_by("code")
        )
    )
    return render(
        request,
        "portal/project.html",
        {
            "project": project,
            "scores": scores,
            "latest_score": latest_score,
            "indicators": indicators,
            "back_url": _safe_back(request, reverse("portal:agency", args=[project.agency.code])),
        },
    )


# ---------------------------------------------------------------------------- strategy


def _dotted(expression: Expression | F) -> Concat:
    """sort_key || '.': the prefix of every descendant's sort key."""
    return Concat(expression, Value("."), output_field=CharField())


@require_safe
@public_page(year_or_all)
def strategy_tree(request: HttpRequest) -> HttpResponse:
    notices: list[str] = []
    year, all_years = finder.parse_year(request.GET.get("year"), notices)
    through = Indicator.strategy_nodes.through
    links = through.objects.filter(
        published_kpis_q("indicator"), strategynode__plan_id=OuterRef("plan_id")
    ).filter(
        Q(strategynode__sort_key=OuterRef("sort_key"))
        | Q(strategynode__sort_key__startswith=_dotted(OuterRef("sort_key")))
    )
    if year is not None and not all_years:
        links = links.filter(indicator__fiscal_year=year)
    # The KPIs of a node and of everything below it, counted once each, in the database.
    counts = (
        links.order_by()
        .values("strategynode__plan_id")
        .annotate(n=Count("indicator_id", distinct=True))
        # django-stubs does not see annotations on the values() of an auto-created through model
        .values("n")  # type: ignore[misc]
    )
    nodes = list(
        StrategyNode.objects.select_related("plan")
        .annotate(kpi_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))
        .order_by("plan__code", "sort_key")
    )
    plans: dict[int, dict[str, Any]] = {}
    for plan in StrategyPlan.objects.all():
        plans[plan.pk] = {"plan": plan, "nodes": []}
    for node in nodes:
        plans[node.plan_id]["nodes"].append(node)
    return render(
        request,
        "portal/strategy.html",
        {
            "plans": [entry for entry in plans.values() if entry["nodes"]],
            "year": year,
            "all_years": all_years,
            "years": list(FiscalYear.objects.published().order_by("-year").values_list("year", flat=True)),
            "notices": notices,
        },
    )


# ---------------------------------------------------------------------------- city indicators


@require_safe
@public_page(all_public)
def city_indicator_list(request: HttpRequest) -> HttpResponse:
    notices: list[str] = []
    indicators = CityIndicator.objects.published().select_related("unit").order_by("id")
    node = None
    raw_node = finder.clean_digits(request.GET.get("node"))
    if raw_node:
        if raw_node.isdecimal() and len(raw_node) < 18:
            node = StrategyNode.objects.select_related("plan").filter(pk=int(raw_node)).first()
        if node is None:
            notices.append(
                tr(
                    "ไม่พบประเด็นยุทธศาสตร์ที่เลือก จึงแสดงทั้งหมด",
                    "The chosen strategy item was not found; showing all",
                )
            )
        else:
            links = CityIndicator.strategy_nodes.through.objects.filter(
                finder.node_condition(node, "strategynode__")
            )
            indicators = indicators.filter(pk__in=links.values("cityindicator_id"))
    q = (request.GET.get("q") or "").strip()[:200]
    for word in q.split()[:8]:
        indicators = indicators.filter(name__icontains=word)
    paginator = Paginator(indicators, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "portal/city_indicators.html",
        {"page": page, "node": node, "q": q, "total": paginator.count, "notices": notices},
    )


@require_safe
@public_page(all_public)
def city_indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_or_404(CityIndicator.objects.published().select_related("unit"), pk=pk)
    paths = strategy_paths(list(indicator.strategy_nodes.select_related("plan")))
    return render(
        request,
        "portal/city_indicator.html",
        {
            "item": indicator,
            "strategy_paths": [p["path"] for p in paths],
            "values": list(indicator.values.order_by("year")),
            "back_url": _safe_back(request, reverse("portal:city_indicators")),
        },
    )
