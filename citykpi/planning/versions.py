"""Versioned KPI definitions: the snapshot of a definition, and the definition a KPI had
at a given version.

Approval freezes each KPI's definition as a DefinitionVersion (JSON of the definition
fields, the quarterly plan and the milestone levels). A change after reopening bumps
Indicator.definition_version; reports and assessments store the version they were made
under, so a page of an earlier report reads `definition_at(indicator, report.definition_version)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from django.db.models import Prefetch, QuerySet

from citykpi.audit.log import _jsonable
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.planning.models import DefinitionVersion
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode

# The fields of an Indicator that make up its definition (what approval freezes).
DEFINITION_FIELDS = [
    "list_label",
    "name",
    "name_en",
    "target",
    "target_text",
    "direction",
    "range_low",
    "range_high",
    "kpi_type",
    "result_level",
    "scoring_method",
    "scoring_config",
    "definition",
    "calculation_method",
    "data_collection",
    "weight",
]
# The other columns of an Indicator a snapshot reads.
SNAPSHOT_COLUMNS = ["unit_id", "template_id", "definition_version"]


def _plan(planned: dict[int, Any]) -> dict[str, Any]:
    return {str(q): _jsonable(planned.get(q)) for q in (1, 2, 3, 4)}


def _milestone_level(level: int, description: str, percent: Any, points: Any) -> dict[str, Any]:
    return {
        "level": level,
        "description": description,
        "percent": _jsonable(percent),
        "points": _jsonable(points),
    }


def _snapshot(
    values: dict[str, Any],
    unit_name: str,
    plan: dict[str, Any],
    milestone_levels: list[dict[str, Any]],
    strategy_nodes: list[str],
) -> dict[str, Any]:
    """The snapshot of a KPI from its column values (DEFINITION_FIELDS and SNAPSHOT_COLUMNS):
    one builder for `snapshot` and `snapshots_in_bulk`, so that they give the same JSON."""
    data = {name: _jsonable(values[name]) for name in DEFINITION_FIELDS}
    data["unit"] = unit_name
    data["unit_id"] = values["unit_id"]
    data["method"] = values["scoring_method"]
    data["plan"] = plan
    data["milestone_levels"] = milestone_levels
    data["strategy_nodes"] = sorted(strategy_nodes)
    data["template_id"] = values["template_id"]
    data["version"] = values["definition_version"]
    return data


def plan_of(indicator: Indicator) -> dict[str, Any]:
    """The planned cumulative target per quarter {"1": "25", ...} (None when missing)."""
    return _plan({q.quarter: q.planned_target for q in indicator.quarters.all()})


def milestone_levels_of(indicator: Indicator) -> list[dict[str, Any]]:
    return [
        _milestone_level(m.level, m.description, m.percent, m.points)
        for m in indicator.milestone_levels.all()
    ]


def snapshot(indicator: Indicator) -> dict[str, Any]:
    """The definition of `indicator` as it stands now, JSON-ready."""
    values = {name: getattr(indicator, name) for name in DEFINITION_FIELDS + SNAPSHOT_COLUMNS}
    unit_name = indicator.unit.name_th if indicator.unit is not None else ""
    plan = plan_of(indicator)
    levels = milestone_levels_of(indicator)
    prefetched = getattr(indicator, "_prefetched_objects_cache", {})
    nodes = (
        indicator.strategy_nodes.all()
        if "strategy_nodes" in prefetched
        else indicator.strategy_nodes.select_related("plan")
    )
    return _snapshot(values, unit_name, plan, levels, [f"{n.plan.code}:{n.path}" for n in nodes])


def snapshots(
    indicators: QuerySet[Indicator], *, chunk: int = 2000
) -> Iterator[tuple[Indicator, dict[str, Any]]]:
    """(indicator, snapshot) for many KPIs in a few queries per `chunk` of them: the
    same snapshot as `snapshot()` gives one at a time (bulk approval)."""
    ids = list(indicators.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        batch = (
            Indicator.objects.filter(pk__in=ids[start : start + chunk])
            .select_related("unit")
            .prefetch_related(
                Prefetch(
                    "quarters",
                    queryset=QuarterReport.objects.only("indicator_id", "quarter", "planned_target"),
                ),
                "milestone_levels",
                Prefetch("strategy_nodes", queryset=StrategyNode.objects.select_related("plan")),
            )
            .order_by("pk")
        )
        for indicator in batch:
            yield indicator, snapshot(indicator)


class Snapshot(NamedTuple):
    indicator_id: int
    fiscal_year_id: int
    snapshot: dict[str, Any]


def snapshots_in_bulk(indicators: QuerySet[Indicator], *, chunk: int = 5000) -> Iterator[Snapshot]:
    """The snapshot of every KPI of `indicators` (an unsliced queryset), in the order of
    their ids: the same JSON as `snapshot()`, from column values (no model instances), in
    four queries per `chunk` KPIs, each reading a range of ids (the demo generator freezes
    the benchmark's national dataset, a million definitions, with it)."""
    names = ["pk", "fiscal_year_id", "unit__name_th", *DEFINITION_FIELDS, *SNAPSHOT_COLUMNS]
    rows = indicators.order_by("pk").values_list(*names)
    through = Indicator.strategy_nodes.through
    last = None
    while True:
        page = list((rows.filter(pk__gt=last) if last is not None else rows)[:chunk])
        if not page:
            return
        first, last = page[0][0], page[-1][0]
        planned: dict[int, dict[int, Any]] = {row[0]: {} for row in page}
        levels: dict[int, list[dict[str, Any]]] = {pk: [] for pk in planned}
        nodes: dict[int, list[str]] = {pk: [] for pk in planned}
        for kpi, quarter, target in (
            QuarterReport.objects.filter(indicator_id__gte=first, indicator_id__lte=last)
            .order_by()
            .values_list("indicator_id", "quarter", "planned_target")
        ):
            if kpi in planned:
                planned[kpi][quarter] = target
        # In MilestoneLevel's own order, as indicator.milestone_levels.all() gives them.
        for kpi, level, description, percent, points in (
            MilestoneLevel.objects.filter(indicator_id__gte=first, indicator_id__lte=last)
            .order_by("indicator_id", "level", "pk")
            .values_list("indicator_id", "level", "description", "percent", "points")
        ):
            if kpi in levels:
                levels[kpi].append(_milestone_level(level, description, percent, points))
        for kpi, plan_code, path in (
            through.objects.filter(indicator_id__gte=first, indicator_id__lte=last)
            .order_by()
            .values_list("indicator_id", "strategynode__plan__code", "strategynode__path")
        ):
            if kpi in nodes:
                nodes[kpi].append(f"{plan_code}:{path}")
        for row in page:
            pk, year, unit_name = row[0], row[1], row[2]
            values = dict(zip(names[3:], row[3:]))
            unit = "" if values["unit_id"] is None else unit_name
            data = _snapshot(values, unit, _plan(planned[pk]), levels[pk], nodes[pk])
            yield Snapshot(pk, year, data)


def definition_at(indicator: Indicator, version: int) -> dict[str, Any]:
    """The definition `indicator` had at `version`.

    The frozen snapshot when one was approved at that version; the live definition for
    the current version that is not approved yet; for a version older than any snapshot
    (data loaded before setups were approved), the oldest snapshot that exists, else
    the live definition. The result carries "version" and "frozen" (bool).
    """
    stored = {dv.version: dv.snapshot for dv in DefinitionVersion.objects.filter(indicator=indicator)}
    if version in stored:
        return {**stored[version], "version": version, "frozen": True}
    if version >= indicator.definition_version or not stored:
        return {**snapshot(indicator), "frozen": False}
    older = [v for v in stored if v <= version]
    chosen = max(older) if older else min(stored)
    return {**stored[chosen], "version": chosen, "frozen": True}


def bump_definition(indicator: Indicator) -> bool:
    """After a reopen, the first change to an approved definition starts a new version;
    reports made under the approved one keep pointing at its snapshot."""
    if DefinitionVersion.objects.filter(indicator=indicator, version=indicator.definition_version).exists():
        indicator.definition_version += 1
        return True
    return False
