"""The data of one public KPI page, assembled in one place.

The KPI page (/kpi/<code>/), its print page (/kpi/<code>/print/), the PDF of a KPI and
the API all show the same facts in the same order as the legacy page (the seed). They
take them from `kpi_page_context(indicator)`, which reads only published data and runs
a constant number of queries whatever the size of the KPI (quarters, strategy links,
projects).

The headline "*** สยป. ตรวจประเมินตัวชี้วัด : ไตรมาสที่ N: score" is derived, never
stored: the latest quarter whose status is ASSESSED and that has an assessment
(`headline(...)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import DEFAULT_COMPONENTS, Indicator
from citykpi.lib.i18n import is_english, tr
from citykpi.projects.models import Project
from citykpi.publicdata.charts import quarter_chart_svg
from citykpi.quality import scoring
from citykpi.quality.rules import findings_for
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode

QUARTERS = (1, 2, 3, 4)

# The legacy page's labels, with the English the switch shows.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    Indicator.Type.STRATEGIC: ("ตัวชี้วัดเชิงยุทธศาสตร์", "Strategic KPI"),
    Indicator.Type.ROUTINE: ("ตัวชี้วัดงานประจำ", "Routine-work KPI"),
    Indicator.Type.OTHER: ("ตัวชี้วัดอื่น ๆ", "Other KPI"),
}
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    Indicator.Level.OUTPUT: ("ตัวชี้วัดระดับผลผลิต (output)", "Output-level KPI (output)"),
    Indicator.Level.OUTCOME: ("ตัวชี้วัดระดับผลลัพธ์ (outcome)", "Outcome-level KPI (outcome)"),
}


def type_label(kpi_type: str) -> str:
    pair = TYPE_LABELS.get(kpi_type)
    return tr(*pair) if pair else kpi_type


def level_label(result_level: str) -> str:
    pair = LEVEL_LABELS.get(result_level)
    return tr(*pair) if pair else result_level


@dataclass(frozen=True)
class Headline:
    """The central evaluator's latest assessment of a KPI: quarter N, score."""

    quarter: int
    score: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"quarter": self.quarter, "score": str(self.score)}


def assessment_of(report: QuarterReport) -> Assessment | None:
    """The quarter's assessment, or None (the reverse one-to-one raises when there is no
    row; select_related caches the miss)."""
    try:
        return report.assessment
    except QuarterReport.assessment.RelatedObjectDoesNotExist:
        return None


def headline(quarters: Iterable[QuarterReport] | Indicator) -> Headline | None:
    """The latest quarter whose status is ASSESSED and that carries an assessment.

    Pass the quarters already fetched (with `select_related("assessment")`, as the
    pages do) to spend no query; an Indicator is accepted too and costs one query.
    Assessment rows on quarters that are not ASSESSED (after a reopen, or scores
    imported beyond the headline quarter) never make the headline.
    """
    if isinstance(quarters, Indicator):
        quarters = QuarterReport.objects.filter(
            indicator=quarters, status=QuarterReport.Status.ASSESSED
        ).select_related("assessment")
    best: Headline | None = None
    for report in quarters:
        if report.status != QuarterReport.Status.ASSESSED:
            continue
        assessment = assessment_of(report)
        if assessment is None:
            continue
        if best is None or report.quarter > best.quarter:
            best = Headline(report.quarter, assessment.score)
    return best


def published_quarters_prefetch(to_attr: str = "public_quarters") -> Prefetch:
    """Published quarters of many KPIs with their assessments, in one query (list pages)."""
    return Prefetch(
        "quarters",
        # The lists show results and scores only: leave the long narratives in the database.
        queryset=QuarterReport.objects.published()
        .select_related("assessment")
        .defer("narrative", "return_reason")
        .order_by("quarter"),
        to_attr=to_attr,
    )


def latest_result(quarters: Iterable[QuarterReport]) -> tuple[int, Decimal] | None:
    """The latest published quarter that has a result: (quarter, cumulative result)."""
    found = None
    for report in quarters:
        if report.result is not None and report.is_published:
            if found is None or report.quarter > found[0]:
                found = (report.quarter, report.result)
    return found


def _component_value(assessment: Assessment | None, name: str) -> Decimal | None:
    return component_decimal((assessment.components or {}).get(name) if assessment else None)


def component_decimal(raw: object) -> Decimal | None:
    """An assessment component as stored (number, text or blank) as a Decimal, or None."""
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def quarter_rows(quarters: Iterable[QuarterReport], components: list[str]) -> list[dict[str, Any]]:
    """One row per quarter 1-4 from the published quarters; unpublished ones stay empty."""
    by_quarter = {report.quarter: report for report in quarters if report.is_published}
    rows = []
    for number in QUARTERS:
        report = by_quarter.get(number)
        assessment = assessment_of(report) if report else None
        rows.append(
            {
                "quarter": number,
                "report": report,
                "planned_target": report.planned_target if report else None,
                "result": report.result if report else None,
                "assessed": assessment is not None,
                "score": assessment.score if assessment else None,
                "components": [
                    {"name": name, "value": _component_value(assessment, name)} for name in components
                ],
                "narrative": report.narrative if report else "",
                "published": report is not None,
            }
        )
    return rows


def quarter_chart(rows: list[dict[str, Any]], unit_name: str) -> str:
    """The planned-against-result SVG chart of `quarter_rows(...)`: the same chart on
    screen, on the print page and in the PDFs."""
    return quarter_chart_svg(
        [row["planned_target"] for row in rows],
        [row["result"] for row in rows],
        unit_name,
        tr("ผลงานเทียบกับเป้าหมายรายไตรมาส", "Performance against quarterly targets"),
    )


def strategy_ancestors(nodes: Iterable[StrategyNode]) -> dict[tuple[int, str], StrategyNode]:
    """Every ancestor (and the node itself) of `nodes`, by (plan, path), in ONE query
    whatever the number of KPIs the nodes come from."""
    wanted: dict[int, set[str]] = {}
    for node in nodes:
        wanted.setdefault(node.plan_id, set()).update(node.ancestor_paths())
    if not wanted:
        return {}
    condition = Q()
    for plan_id, paths in wanted.items():
        condition |= Q(plan_id=plan_id, path__in=sorted(paths))
    return {(n.plan_id, n.path): n for n in StrategyNode.objects.filter(condition).select_related("plan")}


def paths_through(
    nodes: list[StrategyNode], ancestors: dict[tuple[int, str], StrategyNode]
) -> list[dict[str, Any]]:
    """Each linked node with its path from the area down, from ancestors already read.

    Returns [{"plan": plan, "node": node, "path": [area, ..., node]}] in plan and tree order.
    """
    result: list[dict[str, Any]] = []
    for node in sorted(nodes, key=lambda n: (not n.plan.is_primary, n.plan.code, n.sort_key)):
        path = [ancestors[(node.plan_id, p)] for p in node.ancestor_paths() if (node.plan_id, p) in ancestors]
        result.append({"plan": node.plan, "node": node, "path": path})
    # A node that is itself the ancestor of another linked node adds nothing new.
    return [
        item
        for item in result
        if not any(
            other is not item
            and other["plan"].pk == item["plan"].pk
            and other["node"].path.startswith(item["node"].path + ".")
            for other in result
        )
    ]


def node_dict(node: StrategyNode) -> dict[str, Any]:
    """A strategy node as the public documents and the open-data API give it."""
    return {
        "id": node.pk,
        "plan": node.plan.code,
        "path": node.path,
        "display_number": node.display_number,
        "heading": node.heading,
        "depth": node.depth,
    }


def strategy_paths(nodes: list[StrategyNode]) -> list[dict[str, Any]]:
    """Each linked node with its path from the area down, ancestors fetched in one query."""
    return paths_through(nodes, strategy_ancestors(nodes))


def standing_context(status: str, quarter: int | None, progress: Decimal | None) -> dict[str, Any]:
    """Whether a KPI is on track, as the public pages say it: the dashboards' status of its
    latest published quarter (in words; the colour is only a cue), and its progress
    against that quarter's plan."""
    return {
        "status": status,
        "label": tr(*scoring.status_label(status)),
        "quarter": quarter,
        "progress": progress,
    }


def standing_of(indicator: Indicator) -> dict[str, Any]:
    """The public standing of a KPI (its stored score row, or no data) for the pages
    (select `standing` with it: see public_indicators)."""
    try:
        row = indicator.standing
    except Indicator.standing.RelatedObjectDoesNotExist:
        return standing_context(scoring.NO_DATA, None, None)
    return standing_context(row.public_status, row.public_quarter, row.public_current)


def quality_notes(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The data-quality findings on published values, for the public page to say beside
    the values (Thai, then English): errors first, as the rules sort them."""
    return [
        {
            "severity": f["severity"],
            "quarter": f["quarter"],
            "field": f["field"],
            "message": tr(f["message_th"], f["message_en"]),
            "message_th": f["message_th"],
            "message_en": f["message_en"],
        }
        for f in findings
    ]


def finding_dicts(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "rule": f.rule,
            "severity": f.severity,
            "quarter": f.quarter,
            "field": f.field,
            "message": f.message,
            "message_th": f.message_th,
            "message_en": f.message_en,
        }
        for f in findings
    ]


def kpi_page_context(indicator: Indicator) -> dict[str, Any]:
    """Everything the KPI page shows, in the seed's order, from published data only.

    `indicator` should come with agency, fiscal_year, unit, dimension and standing selected
    (see `public_indicators()`); the function then runs six queries: quarters with
    assessments, milestone levels, strategy nodes, their ancestors, projects, and the
    year's data-quality limits (for the notes on doubtful values).
    """
    quarters = list(
        QuarterReport.objects.published()
        .filter(indicator=indicator)
        .select_related("assessment")
        .order_by("quarter")
    )
    nodes = list(indicator.strategy_nodes.select_related("plan"))
    projects = list(
        Project.objects.published()
        .filter(indicators=indicator)
        .select_related("agency", "fiscal_year")
        .order_by("code")
    )
    levels = list(indicator.milestone_levels.all())
    context = page_context(
        indicator,
        quarters=quarters,
        nodes=nodes,
        ancestors=strategy_ancestors(nodes),
        projects=projects,
        milestone_levels=levels,
    )
    context["standing"] = standing_of(indicator)
    found = findings_for(
        indicator, quarters, nodes=nodes, levels=[scoring.Level(m.level, m.percent, m.points) for m in levels]
    )
    context["quality_notes"] = quality_notes(finding_dicts(found))
    return context


def page_context(
    indicator: Indicator,
    *,
    quarters: list[QuarterReport],
    nodes: list[StrategyNode],
    ancestors: dict[tuple[int, str], StrategyNode],
    projects: list[Project],
    milestone_levels: list,
) -> dict[str, Any]:
    """The KPI page's content from data already read (no query): the one place that says
    what a KPI page, its print page and its PDF sections show. `quarters` are the published ones."""
    fiscal_year = indicator.fiscal_year
    components = list(fiscal_year.assessment_components or DEFAULT_COMPONENTS)
    rows = quarter_rows(quarters, components)
    paths = paths_through(nodes, ancestors)
    primary = [item for item in paths if item["plan"].is_primary]
    others: list[dict[str, Any]] = []
    for item in paths:
        if item["plan"].is_primary:
            continue
        if not others or others[-1]["plan"].pk != item["plan"].pk:
            others.append({"plan": item["plan"], "paths": []})
        others[-1]["paths"].append(item["path"])
    area = primary[0]["path"][0] if primary and primary[0]["path"] else None
    city_url = reverse("portal:city_indicators")
    if area is not None:
        city_url += "?" + urlencode({"node": area.pk})
    english = is_english()
    return {
        "indicator": indicator,
        "code": indicator.code,
        "title": indicator.display_name,
        "name": (indicator.name_en if english and indicator.name_en else indicator.name),
        "list_label": indicator.list_label,
        "agency": indicator.agency,
        "fiscal_year": fiscal_year,
        "unit_name": indicator.unit_name,
        "unit_label": indicator.unit_label,
        "target": indicator.target,
        "target_text": indicator.target_text,
        "achieved": indicator.achieved,
        "type_label": type_label(indicator.kpi_type),
        "level_label": level_label(indicator.result_level),
        "dimension": indicator.dimension,
        "is_negotiated": indicator.is_negotiated,
        "legacy_counter": indicator.legacy_counter,
        "print_url": reverse("portal:kpi_print", args=[indicator.code]),
        "kpi_url": reverse("portal:kpi", args=[indicator.code]),
        "headline": headline(quarters),
        "components": components,
        "quarter_rows": rows,
        # The same server-side SVG on screen, on the print page and in the PDF.
        "chart_svg": quarter_chart(rows, indicator.unit_label),
        "narratives": [(row["quarter"], row["narrative"], row["published"]) for row in rows],
        "annual_summary": indicator.annual_summary,
        "definition": indicator.definition,
        "calculation_method": indicator.calculation_method,
        "milestone_levels": milestone_levels,
        "data_collection": indicator.data_collection,
        "strategy_primary": [item["path"] for item in primary],
        "strategy_other": others,
        "projects": projects,
        "city_area": area,
        "city_indicators_url": city_url,
    }


def published_kpis_q(prefix: str, year: int | None = None) -> Q:
    """The published KPIs (of `year` when given) behind the relation `prefix`, as
    `Indicator.objects.published()` chooses them, for `.filter()` or `Count(filter=...)`
    where the query is not over Indicator itself."""
    condition = Q(**{f"{prefix}__is_published": True, f"{prefix}__fiscal_year__is_published": True})
    if year is not None:
        condition &= Q(**{f"{prefix}__fiscal_year_id": year})
    return condition


def public_indicators() -> QuerySet[Indicator]:
    """Published KPIs with what every page shows about them selected in the same query."""
    return Indicator.objects.published().select_related(
        "agency", "fiscal_year", "unit", "dimension", "standing"
    )
