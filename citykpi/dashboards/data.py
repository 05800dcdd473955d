"""The numbers behind the dashboards, aggregated in the database.

No KPI is scored here: every write stores each KPI's standing (citykpi.quality.standing),
and a fiscal year's dashboard is a fixed number of GROUP BY queries over the KPIs joined
to their standings, whatever the number of KPIs: by agency (the status counts are their
sum), by evaluation dimension, by strategy node (a KPI counts once for each node it is
linked to or under), and the ten worst KPIs with their quarters. Weighted scores are
aggregated as sums (quality.scoring.WeightSums) and turned into scores by
quality.scoring.weighted_score, the same rule as agency_score. Counts of submissions and
findings are aggregated in the database too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator
from citykpi.publicdata import versions
from citykpi.quality import scoring
from citykpi.quality.models import FindingRecord, KpiStanding, QualitySettings
from citykpi.quality.standing import RULE_FIELDS, levels_of, rule_of
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode


@dataclass
class KpiRow:
    """One KPI a dashboard details (the at-risk list): its quarters for the chart, its
    stored status and current score, and its rule for the projection."""

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
    # The KPI's rule fields and levels, for the projection.
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
class Rollup:
    """KPIs by status and their weighted score, for one group (an agency, a node...)."""

    counts: Counter = field(default_factory=Counter)
    sums: scoring.WeightSums = field(default_factory=scoring.WeightSums)

    @property
    def score(self) -> scoring.WeightedScore:
        return scoring.weighted_score(self.sums)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Overview:
    """A fiscal year's dashboard numbers: counts and roll-ups aggregated in the database
    over the stored standings, and the few KPIs shown in detail. Its size does not grow
    with the number of KPIs (only with agencies, nodes and dimensions)."""

    year: int
    thresholds: scoring.Thresholds
    total: int
    statuses: Counter
    # (code, name) -> Rollup, in code order
    agencies: dict[tuple[str, str], Rollup]
    # The primary plan's areas and their dimensions (depth 1 and 2), in plan order.
    nodes: list[dict[str, Any]]
    node_rollups: dict[int, Rollup]
    # The evaluation dimensions (มิติที่ 1 ...), in number order.
    dimensions: list[dict[str, Any]]
    dimension_rollups: dict[int, Rollup]
    without_dimension: int
    # The worst KPIs (off track, then at risk; lowest score first), at most AT_RISK_KEPT.
    worst: list[KpiRow]

    @property
    def areas(self) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n["depth"] == 1]

    def status_counts(self) -> Counter:
        return self.statuses

    def by_agency(self) -> list[tuple[str, str, Counter]]:
        return [(code, name, rollup.counts) for (code, name), rollup in self.agencies.items()]

    def by_area(self) -> list[tuple[dict[str, Any], Counter]]:
        return [
            (area, self.node_rollups[area["id"]].counts)
            for area in self.areas
            if area["id"] in self.node_rollups
        ]

    def ranked_agencies(self) -> list[tuple[str, str, scoring.WeightedScore]]:
        ranked = [(code, name, rollup.score) for (code, name), rollup in self.agencies.items()]
        ranked = [r for r in ranked if r[2].value is not None]
        return sorted(ranked, key=lambda r: (-r[2].value, r[0]))

    def node_rollup(self) -> list[dict[str, Any]]:
        """Per strategy area, its weighted score and KPIs by status, with its dimensions
        (x.y) one level down under "children". A KPI counts for its nodes and all their
        ancestors, once each (as the home page's node filter lists it)."""
        areas: list[dict[str, Any]] = []
        by_path: dict[str, dict[str, Any]] = {}
        for node in self.nodes:  # plan order: an area comes before its dimensions
            rollup = self.node_rollups.get(node["id"])
            if rollup is None:
                continue
            entry = {
                **node,
                "score": rollup.score,
                "counts": rollup.counts,
                "total": rollup.total,
                "children": [],
            }
            if node["depth"] == 1:
                areas.append(entry)
                by_path[node["path"]] = entry
            elif node["path"].split(".")[0] in by_path:
                by_path[node["path"].split(".")[0]]["children"].append(entry)
        return areas

    def dimension_rollup(self) -> tuple[list[dict[str, Any]], int]:
        """Per evaluation dimension, its weighted score and KPIs by status; and the number
        of KPIs without a dimension."""
        rows = [
            {
                **dim,
                "score": self.dimension_rollups[dim["id"]].score,
                "counts": self.dimension_rollups[dim["id"]].counts,
                "total": self.dimension_rollups[dim["id"]].total,
            }
            for dim in self.dimensions
            if dim["id"] in self.dimension_rollups
        ]
        return rows, self.without_dimension

    def at_risk(self) -> list[KpiRow]:
        """The worst KPIs, at most AT_RISK_KEPT; at_risk_total counts them all."""
        return self.worst

    @property
    def at_risk_total(self) -> int:
        return self.statuses.get(scoring.OFF_TRACK, 0) + self.statuses.get(scoring.AT_RISK, 0)


AT_RISK_KEPT = 10


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


def _year_kpis(year: int, *, public: bool, agency_ids: set[int] | None):
    indicators = Indicator.objects.filter(fiscal_year_id=year)
    if public:
        indicators = indicators.published()
    if agency_ids is not None:
        indicators = indicators.filter(agency_id__in=agency_ids)
    return indicators


def _reading(public: bool) -> tuple[str, str]:
    """The stored standing's status and current-score columns for this reading."""
    prefix = "public" if public else "staff"
    return f"{prefix}_status", f"{prefix}_current"


def _aggregates(status: str, current: str) -> dict[str, Any]:
    """Per group of KPIs and status: the counts and sums of scoring.WeightSums."""
    decimal = DecimalField(max_digits=30, decimal_places=6)
    weight = Coalesce(F("weight"), Value(Decimal(0)), output_field=decimal)
    score = F(f"standing__{current}")
    return {
        "rows": Count("id"),
        "weighted": Count("weight"),
        "weight_total": Sum("weight", output_field=decimal),
        "scored": Count(f"standing__{current}"),
        "score_sum": Sum(score, output_field=decimal),
        "product_sum": Sum(ExpressionWrapper(score * weight, output_field=decimal), output_field=decimal),
        "scored_weight": Sum(
            Case(When(**{f"standing__{current}__isnull": False}, then=weight), default=Value(Decimal(0))),
            output_field=decimal,
        ),
    }


def _sums(row: dict[str, Any]) -> scoring.WeightSums:
    def dec(name: str) -> Decimal:
        return Decimal(row[name] or 0)

    return scoring.WeightSums(
        rows=row["rows"],
        weighted=row["weighted"],
        weight_total=dec("weight_total"),
        scored=row["scored"],
        score_sum=dec("score_sum"),
        product_sum=dec("product_sum"),
        scored_weight=dec("scored_weight"),
    )


def _grouped(indicators, keys: list[str], status: str, current: str) -> dict[tuple, Rollup]:
    """Roll-ups per value of `keys`: one GROUP BY (keys, status) over the stored standings."""
    status_column = f"standing__{status}"
    out: dict[tuple, Rollup] = {}
    for row in (
        indicators.order_by()
        .values(*keys, status_column)
        .annotate(**_aggregates(status, current))
        .order_by(*keys)
    ):
        key = tuple(row[k] for k in keys)
        rollup = out.setdefault(key, Rollup())
        rollup.counts[row[status_column] or scoring.NO_DATA] += row["rows"]
        rollup.sums = rollup.sums + _sums(row)
    return out


def _node_rollups(indicators, node_ids: list[int], status: str, current: str) -> dict[int, Rollup]:
    """Roll-ups per strategy node: a KPI counts once for each node it is linked to or
    linked under (a descendant's path starts with the node's path and a dot). One query:
    the ORM cannot join on a path prefix, so it is written in SQL both databases speak."""
    if not node_ids:
        return {}
    node_table = StrategyNode._meta.db_table
    link_table = Indicator.strategy_nodes.through._meta.db_table
    indicator_table = Indicator._meta.db_table
    standing_table = KpiStanding._meta.db_table
    indicator_sql, indicator_params = indicators.order_by().values("id").query.sql_with_params()
    placeholders = ", ".join(["%s"] * len(node_ids))
    sql = f"""
        SELECT p.node_id, s.{status}, COUNT(*), COUNT(k.weight), SUM(k.weight),
               COUNT(s.{current}), SUM(s.{current}), SUM(s.{current} * COALESCE(k.weight, 0)),
               SUM(CASE WHEN s.{current} IS NOT NULL THEN COALESCE(k.weight, 0) ELSE 0 END)
        FROM (
            SELECT DISTINCT n.id AS node_id, l.indicator_id AS indicator_id
            FROM {node_table} n
            JOIN {node_table} ln ON ln.plan_id = n.plan_id AND (ln.path = n.path OR ln.path LIKE n.path || '.%%')
            JOIN {link_table} l ON l.strategynode_id = ln.id
            WHERE n.id IN ({placeholders}) AND l.indicator_id IN ({indicator_sql})
        ) p
        JOIN {indicator_table} k ON k.id = p.indicator_id
        LEFT JOIN {standing_table} s ON s.indicator_id = k.id
        GROUP BY p.node_id, s.{status}
    """

    def dec(value: Any) -> Decimal:
        return Decimal(str(value)) if value is not None else Decimal(0)

    out: dict[int, Rollup] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*node_ids, *indicator_params])
        for (
            node_id,
            code,
            rows,
            weighted,
            weight_total,
            scored,
            score_sum,
            product_sum,
            scored_weight,
        ) in cursor:
            rollup = out.setdefault(node_id, Rollup())
            rollup.counts[code or scoring.NO_DATA] += rows
            rollup.sums = rollup.sums + scoring.WeightSums(
                rows,
                weighted,
                dec(weight_total),
                scored,
                dec(score_sum),
                dec(product_sum),
                dec(scored_weight),
            )
    return out


def _worst(indicators, status: str, current: str) -> list[KpiRow]:
    """The AT_RISK_KEPT worst KPIs (off track first, then at risk; lowest score first),
    chosen in the database, with their quarters: one query (a worst KPI has a quarter
    with a result, so it has quarter rows), plus the level tables of milestone KPIs."""
    order = Case(
        When(**{f"standing__{status}": scoring.OFF_TRACK}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    worst_ids = (
        indicators.filter(**{f"standing__{status}__in": [scoring.OFF_TRACK, scoring.AT_RISK]})
        .annotate(risk_order=order, score_order=Coalesce(F(f"standing__{current}"), Value(Decimal(0))))
        .order_by("risk_order", "score_order", "code")
        .values("id")[:AT_RISK_KEPT]
    )
    reported = QuarterReport.objects.filter(indicator_id__in=worst_ids)
    reported = (
        reported.published()
        if status.startswith("public")
        else reported.exclude(status=QuarterReport.Status.NOT_STARTED)
    )
    kpi_fields = [f"indicator__{name}" for name in RULE_FIELDS if name != "id"]
    rows: dict[int, dict[str, Any]] = {}
    quarters: dict[int, list[scoring.QuarterInput]] = defaultdict(list)
    for q in reported.values(
        "indicator_id",
        "quarter",
        "planned_target",
        "result",
        *kpi_fields,
        "indicator__code",
        "indicator__name",
        "indicator__agency__code",
        "indicator__agency__name_th",
        "indicator__unit__name_th",
        f"indicator__standing__{status}",
        f"indicator__standing__{current}",
    ).order_by("quarter"):
        rows.setdefault(q["indicator_id"], {k.removeprefix("indicator__"): v for k, v in q.items()})
        quarters[q["indicator_id"]].append(
            scoring.QuarterInput(q["quarter"], q["planned_target"], q["result"])
        )
    levels = levels_of({**r, "id": kpi_id} for kpi_id, r in rows.items())
    kept = [
        KpiRow(
            id=kpi_id,
            code=r["code"],
            name=r["name"],
            agency_code=r["agency__code"],
            agency_name=r["agency__name_th"],
            unit=r["unit__name_th"] or "",
            weight=r["weight"],
            quarters=quarters[kpi_id],
            status=r[f"standing__{status}"],
            current_score=r[f"standing__{current}"],
            rule_fields={**r, "id": kpi_id},
            levels=tuple(levels.get(kpi_id, ())),
        )
        for kpi_id, r in rows.items()
    ]
    rank = {scoring.OFF_TRACK: 0, scoring.AT_RISK: 1}
    return sorted(kept, key=lambda k: (rank.get(k.status, 2), k.current_score or Decimal(0), k.code))


def _score_year(year: int, *, public: bool, agency_ids: set[int] | None) -> Overview:
    """The year's dashboard numbers from the stored standings (no scoring here): a fixed
    number of aggregate queries whatever the number of KPIs."""
    thresholds = QualitySettings.for_year(year).thresholds
    indicators = _year_kpis(year, public=public, agency_ids=agency_ids)
    status, current = _reading(public)
    agencies = {
        (code, name): rollup
        for (code, name), rollup in _grouped(
            indicators, ["agency__code", "agency__name_th"], status, current
        ).items()
    }
    statuses: Counter = Counter()
    for rollup in agencies.values():
        statuses.update(rollup.counts)
    nodes = list(
        StrategyNode.objects.filter(plan__is_primary=True, depth__lte=2)
        .values("id", "path", "depth", "heading_prefix", "title")
        .order_by("sort_key")
    )
    dimensions = list(
        EvaluationDimension.objects.values("id", "number", "name_th", "name_en").order_by("number")
    )
    by_dimension = _grouped(indicators, ["dimension_id"], status, current)
    without = by_dimension.pop((None,), None)
    return Overview(
        year=year,
        thresholds=thresholds,
        total=sum(statuses.values()),
        statuses=statuses,
        agencies=agencies,
        nodes=nodes,
        node_rollups=_node_rollups(indicators, [n["id"] for n in nodes], status, current),
        dimensions=dimensions,
        dimension_rollups={key[0]: rollup for key, rollup in by_dimension.items()},
        without_dimension=without.total if without else 0,
        worst=_worst(indicators, status, current),
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
