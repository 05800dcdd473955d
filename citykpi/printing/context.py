"""What the PDFs show, assembled in a constant number of queries.

One KPI's PDF is the content of its print page: the portal's `kpi_page_context`, plus
its quarter chart. The agency annual report holds one such section per KPI; building
them one by one would cost five queries per KPI, so `kpi_sections` fetches the same
facts for all of an agency's KPIs at once and returns dictionaries of the same shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone

from citykpi.agencies.history import name_on_annotations, name_then_annotations
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.i18n import tr
from citykpi.projects.models import Project
from citykpi.publicdata.attached import prefetched
from citykpi.publicdata.kpi_page import (
    kpi_page_context,
    latest_result,
    page_context,
    public_indicators,
    strategy_ancestors,
)
from citykpi.reporting.freshness import freshness
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode


def kpi_pdf_context(indicator: Indicator) -> dict[str, Any]:
    """The print page's context (with its chart) for the PDF of one KPI; the agency's name
    in the KPI's year when the caller annotated it (name_then_annotations)."""
    context = kpi_page_context(indicator)
    context["agency_name_then"] = getattr(indicator, "agency_name_th_then", None) or indicator.agency.name_th
    return context


def kpi_sections(indicators: Iterable[Indicator]) -> list[dict[str, Any]]:
    """The print-page content of many KPIs in six queries whatever their number."""
    indicators = list(
        Indicator.objects.filter(pk__in=[i.pk for i in indicators])
        .select_related("agency", "fiscal_year", "unit", "dimension")
        # the agency's name in the KPI's year (no query of its own): an old year's PDF shows it
        .annotate(**name_then_annotations())
        .prefetch_related(
            Prefetch(
                "quarters",
                queryset=QuarterReport.objects.published().select_related("assessment").order_by("quarter"),
                to_attr="public_quarters",
            ),
            "milestone_levels",
            Prefetch("strategy_nodes", queryset=StrategyNode.objects.select_related("plan")),
            Prefetch(
                "projects",
                queryset=Project.objects.published().select_related("agency").order_by("code"),
                to_attr="public_projects",
            ),
        )
        .order_by("code")
    )
    ancestors = strategy_ancestors(
        node for indicator in indicators for node in indicator.strategy_nodes.all()
    )
    sections = []
    for indicator in indicators:
        quarters = prefetched(indicator, "public_quarters", QuarterReport)
        context = page_context(
            indicator,
            quarters=quarters,
            nodes=list(indicator.strategy_nodes.all()),
            ancestors=ancestors,
            projects=prefetched(indicator, "public_projects", Project),
            milestone_levels=list(indicator.milestone_levels.all()),
        )
        context["latest_result"] = latest_result(quarters)
        context["agency_name_then"] = (
            getattr(indicator, "agency_name_th_then", None) or indicator.agency.name_th
        )
        context["status"] = max(quarters, key=lambda q: q.quarter).status if quarters else ""
        sections.append(context)
    return sections


def status_label(status: str) -> str:
    """A quarter's status in the reader's language, from the labels of QuarterReport.Status;
    a KPI without a published quarter ("") is not reported."""
    if not status:
        return tr("ยังไม่รายงาน", "Not reported")
    thai, _, english = str(dict(QuarterReport.Status.choices).get(status, status)).partition(" / ")
    return tr(thai, english or thai)


def agency_report_context(agency: Agency, year: int) -> dict[str, Any]:
    indicators = public_indicators().filter(agency=agency, fiscal_year_id=year).order_by("code")
    sections = kpi_sections(indicators)
    for section in sections:
        section["status_label"] = status_label(section["status"])
    scores = [s["headline"].score for s in sections if s["headline"]]
    return {
        "agency": agency,
        # The name in the year (from its KPIs' annotation: no query; the name today without any).
        "agency_name_then": sections[0]["agency_name_then"] if sections else agency.name_th,
        "year": year,
        "sections": sections,
        "assessed_count": len(scores),
        "average_score": (sum(scores, Decimal(0)) / len(scores)) if scores else None,
    }


def quarter_summary_context(year: int, quarter: int) -> dict[str, Any]:
    """Every agency's quarter at a glance, aggregated in the database (two queries)."""
    kpis = dict(
        Indicator.objects.filter(fiscal_year_id=year).values_list("agency_id").annotate(n=Count("pk"))
    )
    statuses = QuarterReport.Status
    counts = {
        row["indicator__agency_id"]: row
        for row in QuarterReport.objects.filter(indicator__fiscal_year_id=year, quarter=quarter)
        .values("indicator__agency_id")
        .annotate(
            submitted=Count("pk", filter=Q(status=statuses.SUBMITTED)),
            returned=Count("pk", filter=Q(status=statuses.RETURNED)),
            assessed=Count("pk", filter=Q(status=statuses.ASSESSED)),
            reopened=Count("pk", filter=Q(status=statuses.REOPENED)),
            draft=Count("pk", filter=Q(status=statuses.DRAFT)),
            average=Avg("assessment__score", filter=Q(status=statuses.ASSESSED)),
        )
    }
    rows = []
    totals: defaultdict[str, int] = defaultdict(int)
    # Each agency under its name in the year (an old year's summary shows the name then, and
    # today's beside it), annotated on the same query.
    for agency in (
        Agency.objects.filter(pk__in=kpis.keys()).annotate(**name_on_annotations(year)).order_by("code")
    ):
        found = counts.get(agency.pk, {})
        then = getattr(agency, "name_th_then", None)
        row = {
            "agency": agency,
            "name_th": then or agency.name_th,
            "renamed": bool(then) and then != agency.name_th,
            "kpis": kpis[agency.pk],
            **{k: found.get(k, 0) for k in ("submitted", "returned", "assessed", "reopened", "draft")},
            "average": found.get("average"),
        }
        row["not_reported"] = row["kpis"] - sum(
            row[k] for k in ("submitted", "returned", "assessed", "reopened", "draft")
        )
        for key in ("kpis", "submitted", "returned", "assessed", "reopened", "draft", "not_reported"):
            totals[key] += row[key]
        rows.append(row)
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    return {
        "year": year,
        "quarter": quarter,
        "rows": rows,
        "totals": dict(totals),
        # Who never updates, on the day printed (citykpi.reporting.freshness; _freshness.html).
        "freshness": freshness(fiscal_year, timezone.localdate()) if fiscal_year else None,
    }
