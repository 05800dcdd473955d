"""The numbers behind the dashboards, gathered in a fixed number of queries.

A fiscal year is read in six queries whatever its size: the KPIs (values() rows), their
quarters, the milestone tables, the strategy links, the strategy areas and their
dimensions (x.y), and the evaluation dimensions. Scoring needs
each KPI's own method, so statuses and scores are computed in Python over those rows
(never one query per KPI); counts of submissions and findings are aggregated in the
database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel
from citykpi.publicdata import versions
from citykpi.quality import scoring
from citykpi.quality.models import FindingRecord, QualitySettings
from citykpi.quality.standing import rule_of
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode


@dataclass
class KpiRow:
    id: int
    code: str
    name: str
    agency_code: str
    agency_name: str
    unit: str
    weight: Decimal | None
    quarters: list[scoring.QuarterInput]
    # Stored by citykpi.quality.standing on every write: the status of the latest quarter
    # with a result, and that quarter's progress against its plan capped at 100 (what
    # ranks agencies). Public or staff reading, as the overview was asked for.
    status: str = scoring.NO_DATA
    current_score: Decimal | None = None
    area_ids: list[int] = field(default_factory=list)
    # Paths of the primary plan's nodes the KPI is linked to ("7.3.1"): the node roll-up.
    node_paths: list[str] = field(default_factory=list)
    dimension_id: int | None = None
    # The KPI's rule fields and levels, for the projection of the few KPIs a dashboard
    # details (the rule is built only for those).
    rule_fields: dict[str, Any] = field(default_factory=dict, repr=False)
    levels: tuple[scoring.Level, ...] = ()

    @property
    def projection(self) -> scoring.Projection | None:
        rule = rule_of(self.rule_fields, self.levels) if self.rule_fields else None
        return None if rule is None else scoring.project_year_end(rule, self.quarters)

    def planned_list(self) -> list[Decimal | None]:
        by_q = {q.quarter: q.planned for q in self.quarters}
        return [by_q.get(i) for i in range(1, 5)]

    def result_list(self) -> list[Decimal | None]:
        by_q = {q.quarter: q.result for q in self.quarters}
        return [by_q.get(i) for i in range(1, 5)]


@dataclass
class Overview:
    year: int
    kpis: list[KpiRow]
    areas: list[dict[str, Any]]
    thresholds: scoring.Thresholds
    # The primary plan's areas and their dimensions (depth 1 and 2), in plan order.
    nodes: list[dict[str, Any]] = field(default_factory=list)
    # The evaluation dimensions (มิติที่ 1 ...), in number order.
    dimensions: list[dict[str, Any]] = field(default_factory=list)

    def status_counts(self) -> Counter:
        return Counter(k.status for k in self.kpis)

    def by_agency(self) -> list[tuple[str, str, Counter]]:
        grouped: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for k in self.kpis:
            grouped[(k.agency_code, k.agency_name)][k.status] += 1
        return [(code, name, counts) for (code, name), counts in sorted(grouped.items())]

    def by_area(self) -> list[tuple[dict[str, Any], Counter]]:
        grouped: dict[int, Counter] = defaultdict(Counter)
        for k in self.kpis:
            for area_id in k.area_ids:
                grouped[area_id][k.status] += 1
        return [(area, grouped[area["id"]]) for area in self.areas if area["id"] in grouped]

    def ranked_agencies(self) -> list[tuple[str, str, scoring.WeightedScore]]:
        grouped: dict[tuple[str, str], list] = defaultdict(list)
        for k in self.kpis:
            grouped[(k.agency_code, k.agency_name)].append((k.current_score, k.weight))
        ranked = [(code, name, scoring.agency_score(rows)) for (code, name), rows in grouped.items()]
        ranked = [r for r in ranked if r[2].value is not None]
        return sorted(ranked, key=lambda r: (-r[2].value, r[0]))

    def node_rollup(self) -> list[dict[str, Any]]:
        """Per strategy area, its weighted score and KPIs by status, with its dimensions
        (x.y) one level down under "children". A KPI counts for its nodes and all their
        ancestors, once each (as the home page's node filter lists it)."""
        scores = scoring.roll_up_by_node((k.node_paths, k.current_score, k.weight) for k in self.kpis)
        counts: dict[str, Counter] = defaultdict(Counter)
        for k in self.kpis:
            for key in scoring.node_keys(k.node_paths):
                counts[key][k.status] += 1
        areas: list[dict[str, Any]] = []
        by_path: dict[str, dict[str, Any]] = {}
        for node in self.nodes:  # plan order: an area comes before its dimensions
            path = node["path"]
            if path not in counts:
                continue
            entry = {
                **node,
                "score": scores[path],
                "counts": counts[path],
                "total": sum(counts[path].values()),
                "children": [],
            }
            if node["depth"] == 1:
                areas.append(entry)
                by_path[path] = entry
            elif path.split(".")[0] in by_path:
                by_path[path.split(".")[0]]["children"].append(entry)
        return areas

    def dimension_rollup(self) -> tuple[list[dict[str, Any]], int]:
        """Per evaluation dimension, its weighted score and KPIs by status; and the number
        of KPIs without a dimension."""
        scores = scoring.roll_up_by_dimension((k.dimension_id, k.current_score, k.weight) for k in self.kpis)
        counts: dict[int, Counter] = defaultdict(Counter)
        for k in self.kpis:
            if k.dimension_id is not None:
                counts[k.dimension_id][k.status] += 1
        rows = [
            {
                **dim,
                "score": scores[dim["id"]],
                "counts": counts[dim["id"]],
                "total": sum(counts[dim["id"]].values()),
            }
            for dim in self.dimensions
            if dim["id"] in counts
        ]
        return rows, sum(1 for k in self.kpis if k.dimension_id is None)

    def at_risk(self) -> list[KpiRow]:
        order = {scoring.OFF_TRACK: 0, scoring.AT_RISK: 1}
        risky = [k for k in self.kpis if k.status in order]
        return sorted(risky, key=lambda k: (order[k.status], k.current_score or Decimal(0), k.code))


def year_overview(year: int, *, public: bool = True, agency_ids: set[int] | None = None) -> Overview:
    """Score a fiscal year's KPIs. public=True reads published KPIs and quarters only.

    The public, city-wide overview is kept in the cache with the version of that year's
    public data (citykpi.publicdata.versions): one entry per year, rebuilt only when a
    write changed a public KPI of that year (or the whole site).
    """
    if public and agency_ids is None and settings.PUBLIC_CACHE_SECONDS > 0:
        key = f"year-overview:{settings.DATABASES['default']['NAME']}:{year}"
        version = versions.current([versions.year(year)])
        kept = cache.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        overview = _score_year(year, public=True, agency_ids=None)
        cache.set(key, (version, overview), settings.PUBLIC_CACHE_SECONDS)
        return overview
    return _score_year(year, public=public, agency_ids=agency_ids)


def _score_year(year: int, *, public: bool, agency_ids: set[int] | None) -> Overview:
    """The year's KPIs with their stored standings (no scoring here)."""
    thresholds = QualitySettings.for_year(year).thresholds
    indicators = Indicator.objects.filter(fiscal_year_id=year)
    if public:
        indicators = indicators.published()
    if agency_ids is not None:
        indicators = indicators.filter(agency_id__in=agency_ids)
    rows = list(
        indicators.values(
            "id",
            "code",
            "name",
            "agency__code",
            "agency__name_th",
            "unit__name_th",
            "weight",
            "target",
            "achieved",
            "direction",
            "scoring_method",
            "scoring_config",
            "range_low",
            "range_high",
            "dimension_id",
            "standing__public_status",
            "standing__public_current",
            "standing__staff_status",
            "standing__staff_current",
        ).order_by("agency__code", "code")
    )
    quarters_qs = QuarterReport.objects.filter(indicator__in=indicators)
    quarters_qs = (
        quarters_qs.published() if public else quarters_qs.exclude(status=QuarterReport.Status.NOT_STARTED)
    )
    quarters: dict[int, list[scoring.QuarterInput]] = defaultdict(list)
    for q in quarters_qs.values("indicator_id", "quarter", "planned_target", "result").order_by("quarter"):
        quarters[q["indicator_id"]].append(
            scoring.QuarterInput(q["quarter"], q["planned_target"], q["result"])
        )
    levels: dict[int, list[scoring.Level]] = defaultdict(list)
    for lv in MilestoneLevel.objects.filter(indicator__in=indicators).values(
        "indicator_id", "level", "percent", "points"
    ):
        levels[lv["indicator_id"]].append(scoring.Level(lv["level"], lv["percent"], lv["points"]))
    through = Indicator.strategy_nodes.through
    node_paths: dict[int, set[str]] = defaultdict(set)
    for link in through.objects.filter(indicator__in=indicators, strategynode__plan__is_primary=True).values(
        "indicator_id", "strategynode__path"
    ):
        node_paths[link["indicator_id"]].add(link["strategynode__path"])
    nodes = list(
        StrategyNode.objects.filter(plan__is_primary=True, depth__lte=2)
        .values("id", "path", "depth", "heading_prefix", "title")
        .order_by("sort_key")
    )
    areas = [n for n in nodes if n["depth"] == 1]
    area_id_by_path = {a["path"]: a["id"] for a in areas}
    dimensions = list(
        EvaluationDimension.objects.values("id", "number", "name_th", "name_en").order_by("number")
    )
    kpis = []
    for r in rows:
        qs = quarters.get(r["id"], [])
        paths = sorted(node_paths.get(r["id"], ()))
        area_paths = sorted({p.split(".")[0] for p in paths})
        status = r["standing__public_status" if public else "standing__staff_status"]
        kpis.append(
            KpiRow(
                id=r["id"],
                code=r["code"],
                name=r["name"],
                agency_code=r["agency__code"],
                agency_name=r["agency__name_th"],
                unit=r["unit__name_th"] or "",
                weight=r["weight"],
                quarters=qs,
                status=status or scoring.NO_DATA,
                current_score=r["standing__public_current" if public else "standing__staff_current"],
                area_ids=[area_id_by_path[p] for p in area_paths if p in area_id_by_path],
                node_paths=paths,
                dimension_id=r["dimension_id"],
                rule_fields=r,
                levels=tuple(levels.get(r["id"], ())),
            )
        )
    return Overview(
        year=year, kpis=kpis, areas=areas, thresholds=thresholds, nodes=nodes, dimensions=dimensions
    )


def _deadline_end(day: dt.date) -> dt.datetime:
    """The last moment of a deadline day, in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@dataclass
class TimelinessCell:
    total: int
    on_time: int
    late: int
    very_late: int
    deadline: dt.date

    @property
    def submitted(self) -> int:
        return self.on_time + self.late + self.very_late

    @property
    def missing(self) -> int:
        return self.total - self.submitted


def timeliness(
    fiscal_year: FiscalYear, agency_ids: set[int] | None = None
) -> list[tuple[str, str, list[TimelinessCell]]]:
    """Per agency and quarter: KPIs, and quarters submitted on time, late (≤ 7 days), very late.

    Two queries: KPIs per agency, and submissions per agency and quarter counted against
    the year's deadlines with conditional aggregates.
    """
    indicators = Indicator.objects.filter(fiscal_year=fiscal_year)
    if agency_ids is not None:
        indicators = indicators.filter(agency_id__in=agency_ids)
    kpi_counts = {
        (r["agency__code"], r["agency__name_th"]): r["n"]
        for r in indicators.values("agency__code", "agency__name_th").annotate(n=Count("id"))
    }
    deadlines = {q: fiscal_year.deadline(q) for q in (1, 2, 3, 4)}
    on_time = Q()
    late = Q()
    for q, day in deadlines.items():
        end = _deadline_end(day)
        on_time |= Q(quarter=q, submitted_at__lt=end)
        late |= Q(quarter=q, submitted_at__gte=end, submitted_at__lt=end + dt.timedelta(days=7))
    counts = {
        (r["indicator__agency__code"], r["quarter"]): r
        for r in QuarterReport.objects.filter(indicator__in=indicators, submitted_at__isnull=False)
        .values("indicator__agency__code", "quarter")
        .annotate(
            on_time=Count("id", filter=on_time),
            late=Count("id", filter=late),
            submitted=Count("id"),
        )
    }
    out = []
    for (code, name), total in sorted(kpi_counts.items()):
        cells = []
        for q in (1, 2, 3, 4):
            row = counts.get((code, q), {"on_time": 0, "late": 0, "submitted": 0})
            very_late = row["submitted"] - row["on_time"] - row["late"]
            cells.append(TimelinessCell(total, row["on_time"], row["late"], very_late, deadlines[q]))
        out.append((code, name, cells))
    return out


def finding_counts(year: int, agency_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """Stored findings per rule and severity (one query)."""
    qs = FindingRecord.objects.filter(fiscal_year_id=year)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    return list(
        qs.values("rule")
        .annotate(
            errors=Count("id", filter=Q(severity="error")), warnings=Count("id", filter=Q(severity="warning"))
        )
        .order_by("rule")
    )
