"""The public dashboard (/dashboard/: published data only) and the staff dashboard
(/dashboard/staff/: any staff role, scoped to the agencies the user may see).

The overview shows the year's totals and the top level only: agency groups (kinds),
strategy areas with their dimensions, evaluation dimensions, the worst KPIs. Each row
opens a drill-down page, the same under both prefixes (/dashboard/ and /dashboard/staff/):

- group/<all|department|district|office|other|parent code>/: its agencies ranked;
- agency/<code>/: the agency's totals, its dimensions and its KPIs ranked;
- strategy/<node id>/: the node's children and the agencies with KPIs under it, ranked;
- dimension/<number>/: the agencies ranked on their KPIs of that dimension.

Every ranking is paginated (?page=, PAGE_SIZE rows) and sorted on the server
(?sort=best|worst|name|code), so that a page is bounded in size whatever the number of
agencies; ?all=1 lists every row for printing, up to PRINT_ALL_MAX rows.

Every number links to the home page's list of the KPIs behind it
(/?year=2566&agency=0409&status=at_risk; parameters shared with the home page: year,
agency, node, type, level, status, q).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from citykpi.accounts import access
from citykpi.agencies import history
from citykpi.agencies.models import Agency
from citykpi.dashboards import data
from citykpi.dashboards.data import Overview, finding_counts, timeliness, year_overview
from citykpi.indicators.models import EvaluationDimension, FiscalYear
from citykpi.lib.i18n import tr
from citykpi.lib.params import plain_int
from citykpi.publicdata import charts
from citykpi.publicdata.pagecache import public_page, year_or_all
from citykpi.quality import scoring
from citykpi.quality.rules import RULES
from citykpi.reporting.freshness import freshness
from citykpi.reporting.years import working_year
from citykpi.strategy.models import StrategyNode

AT_RISK_SHOWN = 10
PAGE_SIZE = 50
# ?all=1 (print every row) up to this many rows, so that the page stays under 150 KB: a
# bigger list prints page by page (the city's largest ranking, every agency, is 80 rows).
PRINT_ALL_MAX = 300
KIND_LABELS: dict[str, tuple[str, str]] = {
    Agency.Kind.DEPARTMENT: ("สำนัก", "Departments"),
    Agency.Kind.DISTRICT: ("สำนักงานเขต", "District offices"),
    Agency.Kind.OFFICE: ("สำนักงาน", "Offices"),
    Agency.Kind.OTHER: ("หน่วยงานอื่น ๆ", "Other agencies"),
}


def kpi_list_url(year: int, **params: object) -> str:
    """The home page's KPI list filtered by `params` (empty values dropped)."""
    query = {"year": year, **{k: v for k, v in params.items() if v not in (None, "")}}
    return "/?" + urlencode(query)


def _pick_year(request: HttpRequest, years: list[int]) -> int | None:
    raw = request.GET.get("year", "")
    try:
        wanted = int(raw)
    except ValueError:
        wanted = None
    if wanted in years:
        return wanted
    return working_year(years)


def _status_label(code: str) -> str:
    return tr(*scoring.status_label(code))


def _segments(year: int, counts: Mapping[str, int], **params: object) -> list[charts.Segment]:
    base = kpi_list_url(year, **params)
    return [
        charts.Segment(code, _status_label(code), counts.get(code, 0), f"{base}&status={code}")
        for code in scoring.STATUSES
    ]


def _status_cells(year: int, counts: Mapping[str, int], **params: object) -> list[dict]:
    """One linked count per status, in the order of scoring.STATUSES (table cells): the
    list's address built once (the status codes need no quoting)."""
    base = kpi_list_url(year, **params)
    return [
        {"code": code, "count": counts.get(code, 0), "url": f"{base}&status={code}"}
        for code in scoring.STATUSES
    ]


def agency_name_then(agency: Agency, names: Mapping[int, Any]) -> str:
    """The agency's Thai name in a year, from history.names_as_of's answer."""
    former = names.get(agency.pk)
    return former.name_th if former is not None else agency.name_th


def rollups_named_then(
    rollups: Sequence[data.AgencyRollup], names: Mapping[str, Any]
) -> list[data.AgencyRollup]:
    """A page of a ranking with each agency under its name of the year (`names` from
    history.names_by_code_as_of), as copies: the roll-ups themselves may be cached."""
    return [dataclasses.replace(a, name=names[a.code].name_th) if a.code in names else a for a in rollups]


def agency_rows(
    year: int, agencies: list[data.AgencyRollup], prefix: str, *, bars: bool = True, **params: object
) -> list[dict]:
    """One compact table row per agency (a page of a ranking): its rank by weighted score,
    its KPIs by status (each count linked to its list), a small bar (not when printing
    every row) and a link to its drill-down page under `prefix`."""
    top = max([a.rollup.total for a in agencies] + [1])
    rows = []
    for a in agencies:
        counts = a.rollup.counts
        rows.append(
            {
                "code": a.code,
                "name": a.name,
                "score": a.score if a.score.value is not None else None,
                "weighted": a.score,
                "rank": a.rank,
                "total": a.rollup.total,
                "url": kpi_list_url(year, agency=a.code, **params),
                "drill": f"{prefix}agency/{a.code}/?year={year}",
                "statuses": _status_cells(year, counts, agency=a.code, **params),
                "bar": charts.mini_stacked_svg(
                    _segments(year, counts, agency=a.code, **params), f"{a.code} {a.name}", top
                )
                if bars
                else "",
            }
        )
    return rows


def _rollup_row(year: int, entry: Mapping[str, Any], **params: object) -> dict:
    return {
        "score": entry["score"],
        "total": entry["total"],
        "url": kpi_list_url(year, **params),
        "statuses": _status_cells(year, entry["counts"], **params),
    }


def node_row(year: int, node: Mapping[str, Any], prefix: str) -> dict:
    """A strategy node's roll-up line: its label opens its drill-down page, its numbers
    the KPI lists."""
    return {
        **_rollup_row(year, node, node=node["id"]),
        "label": f"{node['heading_prefix']} {node['title']}".strip(),
        "drill": f"{prefix}strategy/{node['id']}/?year={year}",
    }


def node_rows(overview: Overview, prefix: str) -> list[dict]:
    """Strategy areas with their dimensions (x.y) one level down, each with its weighted
    score and KPIs by status, every number linked to /?year=&node=&status=."""
    year = overview.year
    return [
        {
            **node_row(year, area, prefix),
            "children": [node_row(year, child, prefix) for child in area["children"]],
        }
        for area in overview.node_rollup()
    ]


def _dimension_label(row: Mapping[str, Any]) -> str:
    return tr(
        f"มิติที่ {row['number']} {row['name_th']}",
        f"Dimension {row['number']} {row['name_en'] or row['name_th']}",
    )


def dimension_context(overview: Overview, prefix: str) -> dict:
    """Evaluation dimensions with their weighted score and KPIs by status; the counts
    link to /?year=&dimension=<number>&status=, the label to the dimension's ranking."""
    year = overview.year
    rows, without = overview.dimension_rollup()
    return {
        "dimensions": [
            {
                **_rollup_row(year, row, dimension=row["number"]),
                "label": _dimension_label(row),
                "drill": f"{prefix}dimension/{row['number']}/?year={year}",
            }
            for row in rows
        ],
        "without_dimension": without,
    }


def group_label(kind: str) -> str:
    return tr(*KIND_LABELS.get(kind, (kind, kind)))


def group_rows(overview: Overview, prefix: str) -> list[dict]:
    """The agency groups (kinds) with their weighted score, agencies and KPIs by status,
    each opening its ranking; the last row is every agency."""
    year = overview.year
    top = max([g["total"] for g in overview.group_rollup()] + [1])
    rows = [
        {
            "label": group_label(g["kind"]),
            "bar": charts.mini_stacked_svg(
                [
                    charts.Segment(code, _status_label(code), g["counts"].get(code, 0), "")
                    for code in scoring.STATUSES
                ],
                group_label(g["kind"]),
                top,
            ),
            "agencies": g["agencies"],
            "score": g["score"],
            "total": g["total"],
            "drill": f"{prefix}group/{g['kind']}/?year={year}",
            "worst": f"{prefix}group/{g['kind']}/?year={year}&sort=worst",
            "statuses": [{"code": code, "count": g["counts"].get(code, 0)} for code in scoring.STATUSES],
        }
        for g in overview.group_rollup()
    ]
    return rows


def overview_context(overview: Overview, prefix: str) -> dict:
    """The charts and tables shared by both dashboards."""
    year = overview.year
    counts = overview.status_counts()
    status_rows: list[dict[str, Any]] = [
        {
            "code": code,
            "label": _status_label(code),
            "count": counts.get(code, 0),
            "url": kpi_list_url(year, status=code),
        }
        for code in scoring.STATUSES
    ]
    status_chart = charts.status_bars_svg(
        [charts.Bar(r["label"], r["count"], r["url"], charts.STATUS_COLORS[r["code"]]) for r in status_rows],
        tr(f"ตัวชี้วัดตามสถานะ ปีงบประมาณ {year}", f"KPIs by status, fiscal year {year}"),
    )
    area_rows = [
        charts.StackedRow(
            f"{area['heading_prefix']} {area['title']}".strip(),
            _segments(year, c, node=area["id"]),
            f"{prefix}strategy/{area['id']}/?year={year}",
        )
        for area, c in overview.by_area()
    ]
    at_risk = []
    for kpi in overview.at_risk()[:AT_RISK_SHOWN]:
        projection = kpi.projection
        at_risk.append(
            {
                "kpi": kpi,
                "status_label": _status_label(kpi.status),
                "projection": projection,
                "chart": charts.quarter_chart_svg(
                    kpi.planned_list(), kpi.result_list(), kpi.unit, f"{kpi.code} {kpi.name}"
                ),
            }
        )
    return {
        "year": year,
        "prefix": prefix,
        "total": overview.total,
        "status_rows": status_rows,
        "status_chart": status_chart,
        "groups": group_rows(overview, prefix),
        "all_agencies": f"{prefix}group/all/?year={year}",
        "all_agencies_worst": f"{prefix}group/all/?year={year}&sort=worst",
        "agency_count": sum(overview.group_agencies.values()),
        "status_heads": [(code, _status_label(code)) for code in scoring.STATUSES],
        "nodes": node_rows(overview, prefix),
        **dimension_context(overview, prefix),
        "area_chart": charts.stacked_bars_svg(
            area_rows, tr("ตัวชี้วัดตามด้านยุทธศาสตร์", "KPIs by strategy area"), label_width=300
        ),
        "at_risk": at_risk,
        "at_risk_total": overview.at_risk_total,
        "at_risk_url": kpi_list_url(year, status=scoring.AT_RISK),
        "off_track_url": kpi_list_url(year, status=scoring.OFF_TRACK),
        "thresholds": overview.thresholds,
    }


PUBLIC = "/dashboard/"
STAFF = "/dashboard/staff/"


@require_GET
@public_page(year_or_all)
def public(request: HttpRequest) -> HttpResponse:
    years = list(FiscalYear.objects.published().values_list("year", flat=True))
    year = _pick_year(request, years)
    context = {"years": years, "year": year, "public": True}
    if year is not None:
        context.update(overview_context(year_overview(year, public=True), PUBLIC))
    return render(request, "dashboards/public.html", context)


def _heat_level(cell: data.TimelinessCell, today: dt.date) -> str:
    """The colour of a timeliness cell (charts.HEAT_COLORS)."""
    if cell.missing and cell.deadline < today:
        return "missing"
    if cell.very_late:
        return "very_late"
    if cell.late:
        return "late"
    if cell.submitted == cell.total:
        return "on_time"
    return "future"


def _heat_cells(year: int, cells: list[data.TimelinessCell], today: dt.date, url: str) -> list[charts.Cell]:
    out = []
    for q, cell in enumerate(cells, start=1):
        due = cell.deadline
        text = f"{cell.submitted}/{cell.total}"
        level = _heat_level(cell, today)
        title = tr(
            f"ไตรมาสที่ {q}: ส่ง {cell.submitted} จาก {cell.total} (ตรงเวลา {cell.on_time}, ช้า {cell.late}, "
            f"ช้าเกิน 7 วัน {cell.very_late}) กำหนดส่ง {due.day}/{due.month}/{due.year + 543}",
            f"Q{q}: {cell.submitted} of {cell.total} submitted ({cell.on_time} on time, {cell.late} late, "
            f"{cell.very_late} more than 7 days late), due {due.isoformat()}",
        )
        out.append(charts.Cell(level, text, title, url))
    return out


def _heatmap(
    year: int,
    rows: list[tuple[str, str, list[data.TimelinessCell]]],
    labelled: Callable[[str, str], tuple[str, str]],
) -> str:
    """The submission timeliness of `rows` (from data.timeliness): `labelled(code, name)`
    gives each row's label and link."""
    today = timezone.localdate()
    lines = []
    for code, name, cells in rows:
        label, url = labelled(code, name)
        lines.append((label, _heat_cells(year, cells, today, url)))
    return charts.heatmap_svg(
        lines,
        [tr(f"ไตรมาสที่ {q}", f"Q{q}") for q in (1, 2, 3, 4)],
        tr("ความตรงเวลาในการส่งรายงาน (ส่งแล้ว/ตัวชี้วัด)", "Submission timeliness (submitted/KPIs)"),
    )


@login_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    scope = access.visible_agency_ids(request.user)
    fiscal_years = list(FiscalYear.objects.all())
    years = [fy.year for fy in fiscal_years]
    year = _pick_year(request, years)
    context: dict = {"years": years, "year": year, "public": False, "scoped": scope is not None}
    if year is not None:
        fiscal_year = next(fy for fy in fiscal_years if fy.year == year)
        context.update(overview_context(year_overview(year, public=False, agency_ids=scope), STAFF))
        context["heatmap"] = _heatmap(
            year,
            timeliness(fiscal_year, scope, by_kind=True),
            lambda kind, _name: (group_label(kind), f"{STAFF}group/{kind}/?year={year}"),
        )
        # Who never updates (citykpi.reporting.freshness): the worst agencies and people.
        context["freshness"] = freshness(fiscal_year, timezone.localdate(), agency_ids=scope)
        findings = finding_counts(year, scope)
        for row in findings:
            row["name_th"], row["name_en"] = RULES.get(row["rule"], (row["rule"], row["rule"]))
        context["findings"] = findings
        # Corrective actions still open, and past their due date, per agency (#15.1).
        context["commitments_total"], context["commitments"] = data.commitment_counts(
            scope, timezone.localdate()
        )
        context["findings_total"] = {
            "errors": sum(r["errors"] for r in findings),
            "warnings": sum(r["warnings"] for r in findings),
        }
        context["can_see_quality_report"] = access.allows(request.user, access.Capability.READ_QUALITY)
        # The evaluator's quarter summary (citykpi.printing): the same city-wide viewers only.
        if access.is_citywide_viewer(request.user):
            context["summary_pdfs"] = [
                (q, reverse("printing:quarter_summary") + "?" + urlencode({"year": year, "quarter": q}))
                for q in (1, 2, 3, 4)
            ]
        count, rows = data.unbalanced_weights(year, public=False, agency_ids=scope, limit=AT_RISK_SHOWN)
        context["weights_count"] = count
        context["weights"] = [
            {**row, "url": f"{STAFF}agency/{row['agency__code']}/?year={year}"} for row in rows
        ]
    return render(request, "dashboards/staff.html", context)


# --- drill-down pages ----------------------------------------------------------------------


def _sort(request: HttpRequest, default: str) -> str:
    sort = request.GET.get("sort", "")
    return sort if sort in data.SORTS else default


def _listing(request: HttpRequest, rows: Sequence[Any] | QuerySet[Any, Any]) -> dict:
    """A page of `rows` (a list or a queryset) as ?page= asks, or every row with ?all=1
    when there are at most PRINT_ALL_MAX."""
    paginator = Paginator(rows, PAGE_SIZE)
    wants_all = request.GET.get("all") == "1"
    if wants_all and paginator.count <= PRINT_ALL_MAX:
        return {"rows": list(rows), "page": None, "count": paginator.count, "printing_all": True, "first": 0}
    page = paginator.get_page(plain_int(request.GET.get("page")) or 1)
    return {
        "rows": list(page.object_list),
        "page": page,
        "count": paginator.count,
        "printing_all": False,
        "too_many_to_print": wants_all,
        "can_print_all": paginator.count <= PRINT_ALL_MAX,
        "first": (page.number - 1) * PAGE_SIZE,
    }


def _sort_links(request: HttpRequest, sorts: list[tuple[str, str]], current: str) -> list[dict]:
    params = request.GET.copy()
    params.pop("page", None)
    links = []
    for code, label in sorts:
        params["sort"] = code
        links.append(
            {"code": code, "label": label, "url": "?" + params.urlencode(), "current": code == current}
        )
    return links


def _print_all_url(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params["all"] = "1"
    return "?" + params.urlencode()


AGENCY_SORTS = [
    ("best", ("คะแนนสูงสุดก่อน", "highest score first")),
    ("worst", ("คะแนนต่ำสุดก่อน", "lowest score first")),
    ("name", ("ชื่อ", "name")),
    ("code", ("รหัส", "code")),
]
KPI_SORTS = [
    ("code", ("รหัส", "code")),
    ("worst", ("แย่ที่สุดก่อน", "worst first")),
    ("best", ("ดีที่สุดก่อน", "best first")),
    ("name", ("ชื่อ", "name")),
]


def _translated(sorts: list[tuple[str, tuple[str, str]]]) -> list[tuple[str, str]]:
    return [(code, tr(*label)) for code, label in sorts]


class _Reading:
    """Which dashboard a drill-down page belongs to: public (published data, cached) or
    staff (drafts included, scoped to the user's agencies)."""

    def __init__(self, request: HttpRequest, public: bool) -> None:
        self.public = public
        self.prefix = PUBLIC if public else STAFF
        if public:
            self.scope = None
            self.fiscal_years = list(FiscalYear.objects.published())
        else:
            access.require(request.user, access.Capability.STAFF)
            self.scope = access.visible_agency_ids(request.user)
            self.fiscal_years = list(FiscalYear.objects.all())
        year = _pick_year(request, [fy.year for fy in self.fiscal_years])
        if year is None:
            raise Http404(tr("ยังไม่มีปีงบประมาณ", "There is no fiscal year yet"))
        self.year: int = year

    @property
    def fiscal_year(self) -> FiscalYear:
        return next(fy for fy in self.fiscal_years if fy.year == self.year)

    def context(self, **extra: Any) -> dict:
        return {
            "public": self.public,
            "prefix": self.prefix,
            "year": self.year,
            "years": [fy.year for fy in self.fiscal_years],
            "overview_url": f"{self.prefix}?year={self.year}",
            "page_size": PAGE_SIZE,
            "status_heads": [(code, _status_label(code)) for code in scoring.STATUSES],
            **extra,
        }


def _ranking_page(
    request: HttpRequest, reading: _Reading, rollups: list[data.AgencyRollup], *, title: str, **extra: Any
) -> HttpResponse:
    """A drill-down page whose list is agencies ranked (a group, a node, a dimension)."""
    year = reading.year
    sort = _sort(request, "best")
    listing = _listing(request, data.rank_agencies(rollups, sort))
    # An old year lists each agency under its name then (one query for the page's agencies).
    names = history.names_by_code_as_of(year, [a.code for a in listing["rows"]])
    listing["rows"] = rollups_named_then(listing["rows"], names)
    params = extra.pop("params", {})
    listing["rows"] = agency_rows(
        year, listing["rows"], reading.prefix, bars=not listing["printing_all"], **params
    )
    summary = data.Rollup()
    for a in rollups:
        summary.counts.update(a.rollup.counts)
        summary.sums = summary.sums + a.rollup.sums
    context = reading.context(
        title=title,
        listing=listing,
        kind="agencies",
        sorts=_sort_links(request, _translated(AGENCY_SORTS), sort),
        print_all_url=_print_all_url(request),
        summary={
            "score": summary.score,
            "total": summary.total,
            "agencies": len(rollups),
            "statuses": [{"code": c, "count": summary.counts.get(c, 0)} for c in scoring.STATUSES],
        },
        **extra,
    )
    if not reading.public and listing["rows"] and not listing["printing_all"]:
        context["timeliness"] = _timeliness_rows(
            timeliness(
                reading.fiscal_year, reading.scope, agency_codes=[row["code"] for row in listing["rows"]]
            ),
            [row["code"] for row in listing["rows"]],
            names,
        )
        context["heat_legend"] = [(level, tr(*label)) for level, label in charts.HEAT_LABELS.items()]
    return render(request, "dashboards/drilldown.html", context)


def _timeliness_rows(
    rows: list[tuple[str, str, list[data.TimelinessCell]]],
    order: list[str],
    names: Mapping[str, Any] | None = None,
) -> list[dict]:
    """The submission timeliness of a page's agencies as a compact table (a row a few
    hundred bytes, where the overview's SVG heat map spends kilobytes), in the page's order;
    an agency renamed since under its name of the year (`names`, as for the ranking)."""
    today = timezone.localdate()
    names = names or {}
    by_code = {code: (names[code].name_th if code in names else name, cells) for code, name, cells in rows}
    out = []
    for code in order:
        if code not in by_code:
            continue
        name, cells = by_code[code]
        out.append(
            {
                "label": f"{code} {name}",
                "cells": [
                    {
                        "level": _heat_level(cell, today),
                        "text": f"{cell.submitted}/{cell.total}",
                        "late": cell.late + cell.very_late,
                    }
                    for cell in cells
                ],
            }
        )
    return out


def _group(request: HttpRequest, key: str, *, public: bool) -> HttpResponse:
    reading = _Reading(request, public)
    crumbs: list[tuple[str, str]] = []
    if key == "all":
        rollups = data.agency_rollups(reading.year, public=public, agency_ids=reading.scope)
        title = tr("ทุกหน่วยงาน", "Every agency")
    elif key in Agency.Kind.values:
        rollups = data.agency_rollups(reading.year, public=public, agency_ids=reading.scope, kind=key)
        title = group_label(key)
    else:
        parent = Agency.objects.filter(code=key).first() if plain_int(key) is not None else None
        if parent is None or (reading.scope is not None and parent.pk not in reading.scope):
            raise Http404(key)
        rollups = data.agency_rollups(
            reading.year, public=public, agency_ids=reading.scope, parent_id=parent.pk
        )
        name = agency_name_then(parent, history.names_as_of(reading.year, {parent.pk}))
        title = tr(f"หน่วยงานในสังกัด {parent.code} {name}", f"Agencies under {parent.code} {name}")
        crumbs.append((f"{parent.code} {name}", f"{reading.prefix}agency/{parent.code}/?year={reading.year}"))
    return _ranking_page(request, reading, rollups, title=title, crumbs=crumbs)


def _strategy(request: HttpRequest, node_id: int, *, public: bool) -> HttpResponse:
    reading = _Reading(request, public)
    node = StrategyNode.objects.filter(pk=node_id).first()
    if node is None:
        raise Http404(node_id)
    year = reading.year
    family = list(
        StrategyNode.objects.filter(plan_id=node.plan_id, parent_id=node.pk)
        .values("id", "path", "depth", "heading_prefix", "title")
        .order_by("sort_key")
    )
    # The nodes above it, by path (7 and 7.3 above 7.3.1), for the breadcrumbs.
    parts = node.path.split(".")
    above = StrategyNode.objects.filter(
        plan_id=node.plan_id, path__in=[".".join(parts[:i]) for i in range(1, len(parts))]
    ).order_by("depth")
    crumbs = [
        (f"{n.heading_prefix} {n.title}".strip(), f"{reading.prefix}strategy/{n.pk}/?year={year}")
        for n in above
    ]
    # Its children's roll-ups (the overview's node query); its own totals are the sum of
    # the agencies' below (a KPI belongs to one agency and counts once).
    rollups = data.node_rollups(year, [c["id"] for c in family], public=public, agency_ids=reading.scope)
    children = [
        node_row(year, {**child, **_rollup_entry(rollups[child["id"]])}, reading.prefix)
        for child in family
        if child["id"] in rollups
    ]
    agencies = data.agency_rollups(year, public=public, agency_ids=reading.scope, node=node)
    return _ranking_page(
        request,
        reading,
        agencies,
        title=f"{node.heading_prefix} {node.title}".strip(),
        crumbs=crumbs,
        children=children,
        list_url=kpi_list_url(year, node=node.pk),
        params={"node": node.pk},
    )


def _rollup_entry(rollup: data.Rollup) -> dict:
    return {"score": rollup.score, "counts": rollup.counts, "total": rollup.total}


def _dimension(request: HttpRequest, number: int, *, public: bool) -> HttpResponse:
    reading = _Reading(request, public)
    dimension = (
        EvaluationDimension.objects.filter(number=number).values("id", "number", "name_th", "name_en").first()
    )
    if dimension is None:
        raise Http404(number)
    agencies = data.agency_rollups(
        reading.year, public=public, agency_ids=reading.scope, dimension_id=dimension["id"]
    )
    return _ranking_page(
        request,
        reading,
        agencies,
        title=_dimension_label(dimension),
        list_url=kpi_list_url(reading.year, dimension=number),
        params={"dimension": number},
    )


def _agency(request: HttpRequest, code: str, *, public: bool) -> HttpResponse:
    reading = _Reading(request, public)
    agency = Agency.objects.filter(code=code).select_related("parent").first()
    if agency is None or (reading.scope is not None and agency.pk not in reading.scope):
        raise Http404(code)
    year = reading.year
    by_dimension = data.dimension_rollups(year, public=public, agency_ids=reading.scope, agency_id=agency.pk)
    summary = data.Rollup()
    for rollup in by_dimension.values():
        summary.counts.update(rollup.counts)
        summary.sums = summary.sums + rollup.sums
    without = by_dimension.pop(None, None)
    dimensions = [
        {
            **_rollup_row(
                year, _rollup_entry(by_dimension[d["id"]]), agency=agency.code, dimension=d["number"]
            ),
            "label": _dimension_label(d),
            "drill": f"{reading.prefix}dimension/{d['number']}/?year={year}",
        }
        for d in EvaluationDimension.objects.values("id", "number", "name_th", "name_en").order_by("number")
        if d["id"] in by_dimension
    ]
    sort = _sort(request, "code")
    listing = _listing(request, data.agency_kpis(year, agency.pk, sort, public=public))
    kpi_url = "/kpi/{}/" if public else "/work/kpi/{}/"
    for row in listing["rows"]:
        row["url"] = kpi_url.format(row["code"])
        row["status"] = row["status"] or scoring.NO_DATA
        row["status_label"] = _status_label(row["status"])
    # The agency as it was in the year (an old year's page shows the name and parent then,
    # two queries, three after a move): citykpi.agencies.history.
    parent_id = history.parent_as_of(agency, year)
    parent = agency.parent
    if parent_id != agency.parent_id:
        parent = Agency.objects.filter(pk=parent_id).first() if parent_id is not None else None
    names = history.names_as_of(year, {agency.pk} | ({parent.pk} if parent is not None else set()))
    crumbs = [(group_label(agency.kind), f"{reading.prefix}group/{agency.kind}/?year={year}")]
    if parent is not None:
        crumbs.append(
            (
                f"{parent.code} {agency_name_then(parent, names)}",
                f"{reading.prefix}agency/{parent.code}/?year={year}",
            )
        )
    # Its sub-agencies in the year (the "agencies under a parent" roll-up reads the same tree).
    sub_agencies = Agency.objects.filter(pk__in=history.children_query(agency.pk, year)).count()
    name = agency_name_then(agency, names)
    context = reading.context(
        title=f"{agency.code} {name}"
        if name == agency.name_th
        else tr(
            f"{agency.code} {name} (ปัจจุบัน {agency.name_th})", f"{agency.code} {name} (now {agency.name_th})"
        ),
        crumbs=crumbs,
        kind="kpis",
        listing=listing,
        sorts=_sort_links(request, _translated(KPI_SORTS), sort),
        print_all_url=_print_all_url(request),
        summary={
            "score": summary.score,
            "total": summary.total,
            "statuses": [
                {
                    "code": c,
                    "count": summary.counts.get(c, 0),
                    "url": kpi_list_url(year, agency=agency.code, status=c),
                }
                for c in scoring.STATUSES
            ],
        },
        list_url=kpi_list_url(year, agency=agency.code),
        dimensions=dimensions,
        without_dimension=without.total if without else 0,
        sub_agencies=sub_agencies,
        sub_agencies_url=f"{reading.prefix}group/{agency.code}/?year={year}" if sub_agencies else "",
    )
    return render(request, "dashboards/drilldown.html", context)


def _public_view(page: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @require_GET
    @public_page(year_or_all)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return page(request, *args, public=True, **kwargs)

    view.__name__ = view.__qualname__ = f"public_{page.__name__.lstrip('_')}"
    return view


def _staff_view(page: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @require_GET
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return page(request, *args, public=False, **kwargs)

    view.__name__ = view.__qualname__ = f"staff_{page.__name__.lstrip('_')}"
    return view


public_group, staff_group = _public_view(_group), _staff_view(_group)
public_agency, staff_agency = _public_view(_agency), _staff_view(_agency)
public_strategy, staff_strategy = _public_view(_strategy), _staff_view(_strategy)
public_dimension, staff_dimension = _public_view(_dimension), _staff_view(_dimension)
