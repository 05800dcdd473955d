"""The numbers behind the dashboards, gathered in a fixed number of queries.

A fiscal year is read in five queries whatever its size: the KPIs (values() rows), their
quarters, the milestone tables, the strategy links and the strategy areas. Scoring needs
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

from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel
from citykpi.quality import scoring
from citykpi.quality.models import FindingRecord, QualitySettings
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
    evaluation: scoring.KpiEvaluation
    area_ids: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.evaluation.status

    @property
    def current_score(self) -> Decimal | None:
        """The latest reported quarter's progress against its plan: what ranks agencies."""
        latest = scoring.latest_reported(self.quarters)
        return self.evaluation.progress.get(latest.quarter) if latest else None

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

    def at_risk(self) -> list[KpiRow]:
        order = {scoring.OFF_TRACK: 0, scoring.AT_RISK: 1}
        risky = [k for k in self.kpis if k.status in order]
        return sorted(risky, key=lambda k: (order[k.status], k.current_score or Decimal(0), k.code))


def year_overview(year: int, *, public: bool = True, agency_ids: set[int] | None = None) -> Overview:
    """Score a fiscal year's KPIs. public=True reads published KPIs and quarters only.

    The public, city-wide overview is kept in the cache under the version of the public
    data (the latest audit row, see citykpi.portal.cache), so every write makes it stale.
    """
    if public and agency_ids is None and settings.PUBLIC_CACHE_SECONDS > 0:
        from citykpi.portal.cache import data_version

        key = f"year-overview:{settings.DATABASES['default']['NAME']}:{data_version()}:{year}"
        overview = cache.get(key)
        if overview is None:
            overview = _score_year(year, public=True, agency_ids=None)
            cache.set(key, overview, settings.PUBLIC_CACHE_SECONDS)
        return overview
    return _score_year(year, public=public, agency_ids=agency_ids)


def _score_year(year: int, *, public: bool, agency_ids: set[int] | None) -> Overview:
    thresholds = QualitySettings.for_year(year).thresholds
    indicators = Indicator.objects.filter(fiscal_year_id=year)
    if public:
        indicators = indicators.published()
    if agency_ids is not None:
        indicators = indicators.filter(agency_id__in=agency_ids)
    rows = list(
        indicators.values(
            "id", "code", "name", "agency__code", "agency__name_th", "unit__name_th", "weight", "target",
            "achieved", "direction", "scoring_method", "scoring_config", "range_low", "range_high",
        ).order_by("agency__code", "code")
    )
    quarters_qs = QuarterReport.objects.filter(indicator__in=indicators)
    quarters_qs = quarters_qs.published() if public else quarters_qs.exclude(status=QuarterReport.Status.NOT_STARTED)
    quarters: dict[int, list[scoring.QuarterInput]] = defaultdict(list)
    for q in quarters_qs.values("indicator_id", "quarter", "planned_target", "result").order_by("quarter"):
        quarters[q["indicator_id"]].append(scoring.QuarterInput(q["quarter"], q["planned_target"], q["result"]))
    levels: dict[int, list[scoring.Level]] = defaultdict(list)
    for lv in MilestoneLevel.objects.filter(indicator__in=indicators).values("indicator_id", "level", "percent", "points"):
        levels[lv["indicator_id"]].append(scoring.Level(lv["level"], lv["percent"], lv["points"]))
    through = Indicator.strategy_nodes.through
    area_paths: dict[int, set[str]] = defaultdict(set)
    for link in through.objects.filter(indicator__in=indicators, strategynode__plan__is_primary=True).values(
        "indicator_id", "strategynode__path"
    ):
        area_paths[link["indicator_id"]].add(link["strategynode__path"].split(".")[0])
    areas = list(
        StrategyNode.objects.filter(plan__is_primary=True, depth=1)
        .values("id", "path", "heading_prefix", "title")
        .order_by("sort_key")
    )
    area_id_by_path = {a["path"]: a["id"] for a in areas}
    kpis = []
    for r in rows:
        rule = scoring.rule_from_config(
            r["scoring_method"], r["scoring_config"], target=r["target"], direction=r["direction"],
            range_low=r["range_low"], range_high=r["range_high"], levels=levels.get(r["id"], ()),
        )
        qs = quarters.get(r["id"], [])
        kpis.append(KpiRow(
            id=r["id"], code=r["code"], name=r["name"], agency_code=r["agency__code"],
            agency_name=r["agency__name_th"], unit=r["unit__name_th"] or "", weight=r["weight"], quarters=qs,
            evaluation=scoring.evaluate(rule, qs, r["achieved"], thresholds),
            area_ids=[area_id_by_path[p] for p in sorted(area_paths.get(r["id"], ())) if p in area_id_by_path],
        ))
    return Overview(year=year, kpis=kpis, areas=areas, thresholds=thresholds)


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


def timeliness(fiscal_year: FiscalYear, agency_ids: set[int] | None = None) -> list[tuple[str, str, list[TimelinessCell]]]:
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
        .annotate(errors=Count("id", filter=Q(severity="error")), warnings=Count("id", filter=Q(severity="warning")))
        .order_by("rule")
    )
