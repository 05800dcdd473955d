"""Versioned KPI definitions: the snapshot of a definition, and the definition a KPI had
at a given version.

Approval freezes each KPI's definition as a DefinitionVersion (JSON of the definition
fields, the quarterly plan and the milestone levels). A change after reopening bumps
Indicator.definition_version; reports and assessments store the version they were made
under, so a page of an earlier report reads `definition_at(indicator, report.definition_version)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from citykpi.audit.log import _jsonable
from citykpi.indicators.models import Indicator
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


def plan_of(indicator: Indicator) -> dict[str, Any]:
    """The planned cumulative target per quarter {"1": "25", ...} (None when missing)."""
    quarters = {q.quarter: q.planned_target for q in indicator.quarters.all()}
    return {str(q): _jsonable(quarters.get(q)) for q in (1, 2, 3, 4)}


def milestone_levels_of(indicator: Indicator) -> list[dict[str, Any]]:
    return [
        {
            "level": m.level,
            "description": m.description,
            "percent": _jsonable(m.percent),
            "points": _jsonable(m.points),
        }
        for m in indicator.milestone_levels.all()
    ]


def snapshot(indicator: Indicator) -> dict[str, Any]:
    """The definition of `indicator` as it stands now, JSON-ready."""
    data = {name: _jsonable(getattr(indicator, name)) for name in DEFINITION_FIELDS}
    data["unit"] = indicator.unit.name_th if indicator.unit is not None else ""
    data["unit_id"] = indicator.unit_id
    data["method"] = indicator.scoring_method
    data["plan"] = plan_of(indicator)
    data["milestone_levels"] = milestone_levels_of(indicator)
    prefetched = getattr(indicator, "_prefetched_objects_cache", {})
    nodes = (
        indicator.strategy_nodes.all()
        if "strategy_nodes" in prefetched
        else indicator.strategy_nodes.select_related("plan")
    )
    data["strategy_nodes"] = sorted(f"{n.plan.code}:{n.path}" for n in nodes)
    data["template_id"] = indicator.template_id
    data["version"] = indicator.definition_version
    return data


def snapshots(
    indicators: QuerySet[Indicator], *, chunk: int = 2000
) -> Iterator[tuple[Indicator, dict[str, Any]]]:
    """(indicator, snapshot) for many KPIs in a few queries per `chunk` of them: the
    same snapshot as `snapshot()` gives one at a time (bulk approval, the demo)."""
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
