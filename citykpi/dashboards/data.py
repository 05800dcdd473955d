"""The numbers behind the dashboards, aggregated in the database.

No KPI is scored here: every write stores each KPI's standing (citykpi.quality.standing),
and the database keeps summary rows of them by triggers (citykpi.quality.summaries): per
year, reading, agency and evaluation dimension, and per year, reading, strategy node and
agency (a KPI counts once for each node it is linked to or under). A fiscal year's
dashboard adds those rows up, a few per agency whatever the number of KPIs: by agency group
(its kind: departments, district offices...; the status counts are their sum), by
evaluation dimension, by strategy node; and the ten worst KPIs with their quarters. Its
size does not grow with the number of agencies.

The drill-down pages read one group at a time: the agencies of a group, of a parent, of
a strategy node or of a dimension with their roll-ups (one GROUP BY over the summary rows,
ranked by the weighted score per agency, never per KPI), and one agency's KPIs ranked in
the database (paginated: a page of rows and a count). Weighted scores are
aggregated as sums (quality.scoring.WeightSums) and turned into scores by
quality.scoring.weighted_score, the same rule as agency_score. Counts of submissions and
findings are aggregated in the database too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from citykpi.agencies.history import children_query
from citykpi.agencies.models import Agency
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator
from citykpi.lib.i18n import is_english
from citykpi.publicdata import versions
from citykpi.quality import scoring
from citykpi.quality.models import AgencySummary, FindingRecord, NodeSummary, QualitySettings
from citykpi.quality.standing import RULE_FIELDS, levels_of, rule_of
from citykpi.reporting import commitments
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
    unit_th: str
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
    unit_en: str = ""

    @property
    def unit(self) -> str:
        """The unit in the reader's language (Unit.label's rule): the row is cached for
        both languages, so the choice is made when the page is drawn."""
        return self.unit_en if self.unit_en and is_english() else self.unit_th

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
    # The agencies with KPIs in the group, when asked for (the overview's agency kinds).
    agencies: int = 0

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
    with the number of KPIs or agencies (only with agency kinds, nodes and dimensions)."""

    year: int
    thresholds: scoring.Thresholds
    total: int
    statuses: Counter
    # Agency kind (Agency.Kind) -> Rollup, and how many agencies of that kind have KPIs.
    groups: dict[str, Rollup]
    group_agencies: dict[str, int]
    # The primary plan's areas and their dimensions (depth 1 and 2), in plan order.
    nodes: Sequence[Mapping[str, Any]]
    node_rollups: dict[int, Rollup]
    # The evaluation dimensions (มิติที่ 1 ...), in number order.
    dimensions: Sequence[Mapping[str, Any]]
    dimension_rollups: dict[int, Rollup]
    without_dimension: int
    # The worst KPIs (off track, then at risk; lowest score first), at most AT_RISK_KEPT.
    worst: list[KpiRow]

    @property
    def areas(self) -> list[Mapping[str, Any]]:
        return [n for n in self.nodes if n["depth"] == 1]

    def status_counts(self) -> Counter:
        return self.statuses

    def by_area(self) -> list[tuple[Mapping[str, Any], Counter]]:
        return [
            (area, self.node_rollups[area["id"]].counts)
            for area in self.areas
            if area["id"] in self.node_rollups
        ]

    def group_rollup(self) -> list[dict[str, Any]]:
        """Per agency kind present this year (in Agency.Kind order): its weighted score,
        KPIs by status and number of agencies."""
        return [
            {
                "kind": kind,
                "agencies": self.group_agencies.get(kind, 0),
                "score": self.groups[kind].score,
                "counts": self.groups[kind].counts,
                "total": self.groups[kind].total,
            }
            for kind in Agency.Kind.values
            if kind in self.groups
        ]

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
    decimal: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=6)
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


def _grouped(
    indicators: QuerySet[Indicator],
    keys: list[str],
    status: str,
    current: str,
    *,
    count_agencies: bool = False,
) -> dict[tuple, Rollup]:
    """Roll-ups per value of `keys`: one GROUP BY over the stored standings, a row per
    group (its KPIs by status as conditional counts; no standing or "no data" is no data;
    with count_agencies, how many agencies have KPIs in the group)."""
    status_column = f"standing__{status}"
    scored = [code for code in scoring.STATUSES if code != scoring.NO_DATA]
    by_status = {f"n_{code}": Count("id", filter=Q(**{status_column: code})) for code in scored}
    if count_agencies:
        by_status["agencies"] = Count("agency_id", distinct=True)
    out: dict[tuple, Rollup] = {}
    for row in (
        indicators.order_by()
        .values(*keys)
        .annotate(**_aggregates(status, current), **by_status)
        .order_by(*keys)
    ):
        rollup = Rollup(sums=_sums(row), agencies=row.get("agencies", 0))
        for code in scored:
            if row[f"n_{code}"]:
                rollup.counts[code] = row[f"n_{code}"]
        if no_data := row["rows"] - sum(row[f"n_{code}"] for code in scored):
            rollup.counts[scoring.NO_DATA] = no_data
        out[tuple(row[k] for k in keys)] = rollup
    return out


def _summed(
    rows: QuerySet[Any],
    year: int,
    keys: list[str],
    *,
    public: bool,
    agency_ids: set[int] | None,
    count_agencies: bool = False,
) -> dict[tuple, Rollup]:
    """Roll-ups per value of `keys` from the summary rows the database keeps
    (quality.AgencySummary or quality.NodeSummary, citykpi.quality.summaries): one GROUP BY
    over a few rows per agency, whatever the number of KPIs. The same Rollup as `_grouped`
    over the KPIs gives (the public reading: published KPIs of a published year)."""
    rows = rows.filter(fiscal_year_id=year, public=public)
    if public:
        rows = rows.filter(fiscal_year__is_published=True)
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
    totals: dict[str, Any] = {
        name: Sum(name)
        for name in (
            "kpis",
            "on_track",
            "at_risk",
            "off_track",
            "weighted",
            "weight_total",
            "scored",
            "score_sum",
            "product_sum",
            "scored_weight",
        )
    }
    if count_agencies:
        totals["agencies"] = Count("agency_id", distinct=True)
    scored = [code for code in scoring.STATUSES if code != scoring.NO_DATA]
    out: dict[tuple, Rollup] = {}
    for row in rows.order_by().values(*keys).annotate(**totals).order_by(*keys):
        row["rows"] = row["kpis"]
        rollup = Rollup(sums=_sums(row), agencies=row.get("agencies", 0))
        for code in scored:
            if row[code]:
                rollup.counts[code] = row[code]
        if no_data := row["kpis"] - sum(row[code] for code in scored):
            rollup.counts[scoring.NO_DATA] = no_data
        out[tuple(row[k] for k in keys)] = rollup
    return out


def _dimension_rollups(
    year: int, *, public: bool, agency_ids: set[int] | None, agency_id: int | None = None
) -> dict[int | None, Rollup]:
    """Per evaluation dimension (None: KPIs without one), from the agency summary rows."""
    rows = AgencySummary.objects.all()
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    grouped = _summed(rows, year, ["dimension"], public=public, agency_ids=agency_ids)
    return {(key[0] or None): rollup for key, rollup in grouped.items()}


def _node_rollups(
    year: int, node_ids: list[int], *, public: bool, agency_ids: set[int] | None
) -> dict[int, Rollup]:
    """Roll-ups per strategy node, from the node summary rows: a KPI counts once for each
    node it is linked to or linked under (a descendant's path starts with the node's path
    and a dot), as the triggers that keep the rows count it."""
    if not node_ids:
        return {}
    rows = NodeSummary.objects.filter(node_id__in=node_ids)
    grouped = _summed(rows, year, ["node_id"], public=public, agency_ids=agency_ids)
    return {key[0]: rollup for key, rollup in grouped.items()}


def _worst(indicators: QuerySet[Indicator], status: str, current: str) -> list[KpiRow]:
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
        "indicator__unit__name_en",
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
            unit_th=r["unit__name_th"] or "",
            unit_en=r["unit__name_en"] or "",
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
    groups = {
        key[0]: rollup
        for key, rollup in _summed(
            AgencySummary.objects.all(),
            year,
            ["agency__kind"],
            public=public,
            agency_ids=agency_ids,
            count_agencies=True,
        ).items()
    }
    statuses: Counter = Counter()
    for rollup in groups.values():
        statuses.update(rollup.counts)
    group_agencies = {kind: rollup.agencies for kind, rollup in groups.items()}
    nodes = list(
        StrategyNode.objects.filter(plan__is_primary=True, depth__lte=2)
        .values("id", "path", "depth", "heading_prefix", "title")
        .order_by("sort_key")
    )
    dimensions = list(
        EvaluationDimension.objects.values("id", "number", "name_th", "name_en").order_by("number")
    )
    by_dimension = _dimension_rollups(year, public=public, agency_ids=agency_ids)
    without = by_dimension.pop(None, None)
    return Overview(
        year=year,
        thresholds=thresholds,
        total=sum(statuses.values()),
        statuses=statuses,
        groups=groups,
        group_agencies=group_agencies,
        nodes=nodes,
        node_rollups=_node_rollups(year, [n["id"] for n in nodes], public=public, agency_ids=agency_ids),
        dimensions=dimensions,
        dimension_rollups={key: rollup for key, rollup in by_dimension.items() if key is not None},
        without_dimension=without.total if without else 0,
        worst=_worst(indicators, status, current),
    )


# --- drill-down: one group of agencies, one node, one agency ------------------------------

SORTS = ("best", "worst", "name", "code")
# The KPI list of an agency: the rank of each status when sorting worst first.
_RISK_RANK = {scoring.OFF_TRACK: 0, scoring.AT_RISK: 1, scoring.ON_TRACK: 2}
_BEST_RANK = {scoring.ON_TRACK: 0, scoring.AT_RISK: 1, scoring.OFF_TRACK: 2}


@dataclass
class AgencyRollup:
    """One agency's KPIs by status and weighted score, within what was asked for (a year,
    and perhaps one strategy node or dimension)."""

    code: str
    name: str
    kind: str
    rollup: Rollup
    score: scoring.WeightedScore = field(init=False)
    # Its place when ranked by score, highest first (None without a score).
    rank: int | None = None

    def __post_init__(self) -> None:
        self.score = self.rollup.score


def kpis_under(node: StrategyNode) -> QuerySet[Any, Any]:
    """The ids of the KPIs linked to `node` or to a node under it (a subquery)."""
    links = Indicator.strategy_nodes.through.objects.filter(strategynode__plan_id=node.plan_id)
    return links.filter(
        Q(strategynode__path=node.path) | Q(strategynode__path__startswith=f"{node.path}.")
    ).values("indicator_id")


def agency_rollups(
    year: int,
    *,
    public: bool = True,
    agency_ids: set[int] | None = None,
    kind: str | None = None,
    parent_id: int | None = None,
    node: StrategyNode | None = None,
    dimension_id: int | None = None,
) -> list[AgencyRollup]:
    """The agencies with KPIs in `year` (of one kind, under one parent, with KPIs under
    one strategy node or in one dimension), each with its roll-up: one GROUP BY per agency
    over the summary rows (over the KPIs and their standings for a node and a dimension
    together, which no summary row holds). Ranked by score, highest first (see rank_agencies)."""
    indicators = _year_kpis(year, public=public, agency_ids=agency_ids)
    if kind is not None:
        indicators = indicators.filter(agency__kind=kind)
    if parent_id is not None:
        # The agencies under the parent as the tree was in `year` (a later move or merge
        # does not change an old year's roll-up): citykpi.agencies.history.
        indicators = indicators.filter(agency_id__in=children_query(parent_id, year))
    if node is not None:
        indicators = indicators.filter(id__in=kpis_under(node))
    if dimension_id is not None:
        indicators = indicators.filter(dimension_id=dimension_id)
    keys = ["agency__code", "agency__name_th", "agency__kind"]
    if node is not None and dimension_id is not None:
        # The summary rows of a node are not kept per dimension: the KPIs themselves.
        status, current = _reading(public)
        grouped = _grouped(indicators, keys, status, current)
    else:
        grouped = _summed(
            _agency_summaries(
                kind=kind, parent_id=parent_id, node=node, dimension_id=dimension_id, year=year
            ),
            year,
            keys,
            public=public,
            agency_ids=agency_ids,
        )
    rows = [AgencyRollup(code, name, kind, rollup) for (code, name, kind), rollup in grouped.items()]
    best = sorted(
        (r for r in rows if r.score.value is not None), key=lambda r: (-(r.score.value or 0), r.code)
    )
    for place, row in enumerate(best, start=1):
        row.rank = place
    return rank_agencies(rows, "best")


def _agency_summaries(
    *, year: int, kind: str | None, parent_id: int | None, node: StrategyNode | None, dimension_id: int | None
) -> QuerySet[Any]:
    """The summary rows agency_rollups adds up: a node's, else the agencies' (of one kind,
    under one parent as the tree was in `year`, in one dimension)."""
    rows: QuerySet[Any] = (
        NodeSummary.objects.filter(node_id=node.pk) if node is not None else AgencySummary.objects.all()
    )
    if kind is not None:
        rows = rows.filter(agency__kind=kind)
    if parent_id is not None:
        rows = rows.filter(agency_id__in=children_query(parent_id, year))
    if dimension_id is not None:
        rows = rows.filter(dimension=dimension_id)
    return rows


def rank_agencies(rows: list[AgencyRollup], sort: str) -> list[AgencyRollup]:
    """`rows` in the order `sort` asks for: "best" (highest score first, as the dashboard
    always ranked), "worst" (lowest first), "name" or "code". Agencies without a score
    come last when sorting by score."""
    if sort == "name":
        return sorted(rows, key=lambda r: (r.name, r.code))
    if sort == "code":
        return sorted(rows, key=lambda r: r.code)
    sign = 1 if sort == "worst" else -1
    return sorted(rows, key=lambda r: (r.score.value is None, sign * (r.score.value or Decimal(0)), r.code))


def node_rollups(
    year: int, nodes: list[int], *, public: bool = True, agency_ids: set[int] | None = None
) -> dict[int, Rollup]:
    """Roll-ups of a few strategy nodes (a node and its children): the overview's query."""
    return _node_rollups(year, nodes, public=public, agency_ids=agency_ids)


def dimension_rollups(
    year: int, *, public: bool = True, agency_ids: set[int] | None = None, agency_id: int | None = None
) -> dict[int | None, Rollup]:
    """Roll-ups per evaluation dimension (None: KPIs without one), of one agency or all."""
    return _dimension_rollups(year, public=public, agency_ids=agency_ids, agency_id=agency_id)


def agency_kpis(
    year: int, agency_id: int, sort: str, *, public: bool = True
) -> QuerySet[Indicator, dict[str, Any]]:
    """One agency's KPIs of `year` with their stored status and current score, ordered in
    the database by `sort` ("worst": off track, at risk, on track, no data, lowest score
    first; "best": the reverse; "name"; "code", the default): a queryset of dicts that a
    Paginator cuts into pages (a count and one page of rows)."""
    status, current = _reading(public)
    ranks = _BEST_RANK if sort == "best" else _RISK_RANK
    risk = Case(
        *[When(**{f"standing__{status}": code}, then=Value(rank)) for code, rank in ranks.items()],
        default=Value(len(ranks)),  # no data last
        output_field=IntegerField(),
    )
    indicators = (
        _year_kpis(year, public=public, agency_ids=None)
        .filter(agency_id=agency_id)
        .annotate(risk=risk, status=F(f"standing__{status}"), current=F(f"standing__{current}"))
        .values("code", "name", "weight", "status", "current", "risk")
    )
    if sort == "worst":
        return indicators.order_by("risk", F("current").asc(nulls_last=True), "code")
    if sort == "best":
        return indicators.order_by("risk", F("current").desc(nulls_last=True), "code")
    if sort == "name":
        return indicators.order_by("name", "code")
    return indicators.order_by("code")


def unbalanced_weights(
    year: int, *, public: bool = False, agency_ids: set[int] | None = None, limit: int = 10
) -> tuple[int, list[dict[str, Any]]]:
    """The agencies whose KPI weights of `year` do not add up to 100 (or are not set): how
    many, and the first `limit` by code with their KPIs, weighted KPIs and weight total.
    Two queries, whatever the number of agencies."""
    per_agency = (
        _year_kpis(year, public=public, agency_ids=agency_ids)
        .order_by()
        .values("agency__code", "agency__name_th")
        .annotate(rows=Count("id"), weighted=Count("weight"), weight_total=Sum("weight"))
        .filter(Q(weighted=0) | ~Q(weight_total=scoring.HUNDRED))
    )
    return per_agency.count(), list(per_agency.order_by("agency__code")[:limit])


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
    fiscal_year: FiscalYear,
    agency_ids: set[int] | None = None,
    *,
    by_kind: bool = False,
    agency_codes: list[str] | None = None,
) -> list[tuple[str, str, list[TimelinessCell]]]:
    """Per agency (or per agency kind: by_kind, the name left empty) and quarter: KPIs,
    and quarters submitted on time, late (≤ 7 days), very late. `agency_codes` keeps only
    those agencies (a drill-down page's rows).

    Two queries: KPIs per group, and submissions per group and quarter counted against
    the year's deadlines with conditional aggregates.
    """
    indicators = Indicator.objects.filter(fiscal_year=fiscal_year)
    if agency_ids is not None:
        indicators = indicators.filter(agency_id__in=agency_ids)
    if agency_codes is not None:
        indicators = indicators.filter(agency__code__in=agency_codes)
    keys = ["agency__kind"] if by_kind else ["agency__code", "agency__name_th"]
    kpi_counts = {
        (r[keys[0]], r[keys[-1]] if not by_kind else ""): r["n"]
        for r in indicators.order_by().values(*keys).annotate(n=Count("id"))
    }
    deadlines = {q: fiscal_year.deadline(q) for q in (1, 2, 3, 4)}
    on_time = Q()
    late = Q()
    for q, day in deadlines.items():
        end = _deadline_end(day)
        on_time |= Q(quarter=q, submitted_at__lt=end)
        late |= Q(quarter=q, submitted_at__gte=end, submitted_at__lt=end + dt.timedelta(days=7))
    group = f"indicator__{keys[0]}"
    counts = {
        (r[group], r["quarter"]): r
        for r in QuarterReport.objects.filter(indicator__in=indicators, submitted_at__isnull=False)
        .order_by()
        .values(group, "quarter")
        .annotate(
            on_time=Count("id", filter=on_time),
            late=Count("id", filter=late),
            submitted=Count("id"),
        )
    }
    out = []
    order = {kind: n for n, kind in enumerate(Agency.Kind.values)} if by_kind else {}
    for (code, name), total in sorted(
        kpi_counts.items(), key=lambda item: (order.get(item[0][0], 0), item[0])
    ):
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


def commitment_counts(
    agency_ids: set[int] | None, today: dt.date, limit: int = 10
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Open and overdue corrective actions (reporting.commitments) per agency, whatever the
    year they were made in (they stay open across years): (totals, the agencies with the
    most overdue, then open, first, at most `limit`). One query."""
    counts = commitments.counts_by_agency(agency_ids, today)
    totals = {
        "open": sum(c["open"] for c in counts.values()),
        "overdue": sum(c["overdue"] for c in counts.values()),
        "agencies": len(counts),
    }
    worst = sorted(counts.values(), key=lambda c: (-c["overdue"], -c["open"], c["code"]))[:limit]
    return totals, worst
