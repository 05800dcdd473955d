"""The public dashboard (/dashboard/: published data only) and the staff dashboard
(/dashboard/staff/: any staff role, scoped to the agencies the user may see).

Every number links to the home page's list of the KPIs behind it
(/?year=2566&agency=0409&status=at_risk; parameters shared with the home page: year,
agency, node, type, level, status, q).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from citykpi.accounts import access
from citykpi.dashboards.data import Overview, finding_counts, timeliness, year_overview
from citykpi.indicators.models import FiscalYear
from citykpi.lib.i18n import tr
from citykpi.publicdata import charts
from citykpi.publicdata.pagecache import public_page, year_or_all
from citykpi.quality import scoring
from citykpi.quality.rules import RULES
from citykpi.reporting.years import working_year

AT_RISK_SHOWN = 10


def kpi_list_url(year: int, **params) -> str:
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


def _segments(year: int, counts, **params) -> list[charts.Segment]:
    return [
        charts.Segment(
            code, _status_label(code), counts.get(code, 0), kpi_list_url(year, **params, status=code)
        )
        for code in scoring.STATUSES
    ]


def _status_cells(year: int, counts, **params) -> list[dict]:
    """One linked count per status, in the order of scoring.STATUSES (table cells)."""
    return [
        {"code": code, "count": counts.get(code, 0), "url": kpi_list_url(year, **params, status=code)}
        for code in scoring.STATUSES
    ]


def agency_rows(overview: Overview) -> list[dict]:
    """KPIs by agency with their weighted score, ranked by score (agencies without a score
    last, by code): one compact table row each, instead of a chart eighty bars long."""
    year = overview.year
    scores = {code: ws for code, _name, ws in overview.ranked_agencies()}
    by_agency = overview.by_agency()
    top = max([sum(c.values()) for _code, _name, c in by_agency] + [1])
    rows = []
    for code, name, counts in by_agency:
        score = scores.get(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "score": score,
                "total": sum(counts.values()),
                "url": kpi_list_url(year, agency=code),
                "statuses": _status_cells(year, counts, agency=code),
                "bar": charts.mini_stacked_svg(_segments(year, counts, agency=code), f"{code} {name}", top),
            }
        )
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"].value if r["score"] else 0), r["code"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["score"] is not None else None
    return rows


def _rollup_row(year: int, entry: dict, **params) -> dict:
    return {
        "score": entry["score"],
        "total": entry["total"],
        "url": kpi_list_url(year, **params),
        "statuses": _status_cells(year, entry["counts"], **params),
    }


def node_rows(overview: Overview) -> list[dict]:
    """Strategy areas with their dimensions (x.y) one level down, each with its weighted
    score and KPIs by status, every number linked to /?year=&node=&status=."""
    year = overview.year
    return [
        {
            **_rollup_row(year, area, node=area["id"]),
            "label": f"{area['heading_prefix']} {area['title']}".strip(),
            "children": [
                {
                    **_rollup_row(year, child, node=child["id"]),
                    "label": f"{child['heading_prefix']} {child['title']}".strip(),
                }
                for child in area["children"]
            ],
        }
        for area in overview.node_rollup()
    ]


def dimension_context(overview: Overview) -> dict:
    """Evaluation dimensions with their weighted score and KPIs by status; the counts
    link to /?year=&dimension=<number>&status=."""
    year = overview.year
    rows, without = overview.dimension_rollup()
    return {
        "dimensions": [
            {
                **_rollup_row(year, row, dimension=row["number"]),
                "label": tr(
                    f"มิติที่ {row['number']} {row['name_th']}",
                    f"Dimension {row['number']} {row['name_en'] or row['name_th']}",
                ),
            }
            for row in rows
        ],
        "without_dimension": without,
    }


def overview_context(overview: Overview) -> dict:
    """The charts and tables shared by both dashboards."""
    year = overview.year
    counts = overview.status_counts()
    status_rows = [
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
    agencies = agency_rows(overview)
    area_rows = [
        charts.StackedRow(
            f"{area['heading_prefix']} {area['title']}".strip(),
            _segments(year, c, node=area["id"]),
            kpi_list_url(year, node=area["id"]),
        )
        for area, c in overview.by_area()
    ]
    ranked = overview.ranked_agencies()
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
        "total": overview.total,
        "status_rows": status_rows,
        "status_chart": status_chart,
        "agencies": agencies,
        "status_heads": [(code, _status_label(code)) for code in scoring.STATUSES],
        "nodes": node_rows(overview),
        **dimension_context(overview),
        "area_chart": charts.stacked_bars_svg(
            area_rows, tr("ตัวชี้วัดตามด้านยุทธศาสตร์", "KPIs by strategy area"), label_width=300
        ),
        "ranked": [
            {"code": code, "name": name, "score": ws, "url": kpi_list_url(year, agency=code)}
            for code, name, ws in ranked
        ],
        "at_risk": at_risk,
        "at_risk_total": overview.at_risk_total,
        "at_risk_url": kpi_list_url(year, status=scoring.AT_RISK),
        "off_track_url": kpi_list_url(year, status=scoring.OFF_TRACK),
        "thresholds": overview.thresholds,
    }


@require_GET
@public_page(year_or_all)
def public(request: HttpRequest) -> HttpResponse:
    years = list(FiscalYear.objects.published().values_list("year", flat=True))
    year = _pick_year(request, years)
    context = {"years": years, "year": year, "public": True}
    if year is not None:
        context.update(overview_context(year_overview(year, public=True)))
    return render(request, "dashboards/public.html", context)


def _heat_cells(year: int, code: str, cells, today) -> list[charts.Cell]:
    out = []
    for q, cell in enumerate(cells, start=1):
        due = cell.deadline
        text = f"{cell.submitted}/{cell.total}"
        if cell.missing and due < today:
            level = "missing"
        elif cell.very_late:
            level = "very_late"
        elif cell.late:
            level = "late"
        elif cell.submitted == cell.total:
            level = "on_time"
        else:
            level = "future"
        title = tr(
            f"ไตรมาสที่ {q}: ส่ง {cell.submitted} จาก {cell.total} (ตรงเวลา {cell.on_time}, ช้า {cell.late}, "
            f"ช้าเกิน 7 วัน {cell.very_late}) กำหนดส่ง {due.day}/{due.month}/{due.year + 543}",
            f"Q{q}: {cell.submitted} of {cell.total} submitted ({cell.on_time} on time, {cell.late} late, "
            f"{cell.very_late} more than 7 days late), due {due.isoformat()}",
        )
        out.append(charts.Cell(level, text, title, kpi_list_url(year, agency=code)))
    return out


@login_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    if not access.is_staff_user(request.user):
        raise PermissionDenied(tr("เฉพาะเจ้าหน้าที่", "Staff only"))
    scope = access.visible_agency_ids(request.user)
    fiscal_years = list(FiscalYear.objects.all())
    years = [fy.year for fy in fiscal_years]
    year = _pick_year(request, years)
    context: dict = {"years": years, "year": year, "public": False, "scoped": scope is not None}
    if year is not None:
        fiscal_year = next(fy for fy in fiscal_years if fy.year == year)
        context.update(overview_context(year_overview(year, public=False, agency_ids=scope)))
        today = timezone.localdate()
        rows = timeliness(fiscal_year, scope)
        context["heatmap"] = charts.heatmap_svg(
            [(f"{code} {name}", _heat_cells(year, code, cells, today)) for code, name, cells in rows],
            [tr(f"ไตรมาสที่ {q}", f"Q{q}") for q in (1, 2, 3, 4)],
            tr("ความตรงเวลาในการส่งรายงาน (ส่งแล้ว/ตัวชี้วัด)", "Submission timeliness (submitted/KPIs)"),
        )
        context["timeliness"] = rows
        findings = finding_counts(year, scope)
        for row in findings:
            row["name_th"], row["name_en"] = RULES.get(row["rule"], (row["rule"], row["rule"]))
        context["findings"] = findings
        context["findings_total"] = {
            "errors": sum(r["errors"] for r in findings),
            "warnings": sum(r["warnings"] for r in findings),
        }
        context["can_see_quality_report"] = (
            access.is_evaluator(request.user)
            or access.is_admin(request.user)
            or access.has_role(request.user, "executive")
        )
        # The evaluator's quarter summary (citykpi.printing): the same city-wide viewers only.
        if access.is_citywide_viewer(request.user):
            context["summary_pdfs"] = [
                (q, reverse("printing:quarter_summary") + "?" + urlencode({"year": year, "quarter": q}))
                for q in (1, 2, 3, 4)
            ]
        context["weights"] = [r for r in context["ranked"] if not r["score"].weights_ok]
    return render(request, "dashboards/staff.html", context)
