"""The bridge between the models and the pure scoring module.

`rule_for(indicator)` reads Indicator.scoring_method, scoring_config, direction, target
and the MilestoneLevel rows; `score_indicator(indicator, quarters)` scores a KPI's
quarters (QuarterReport rows, or plain QuarterInput values) and its year.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from citykpi.quality import scoring
from citykpi.quality.models import QualitySettings

if TYPE_CHECKING:
    from citykpi.indicators.models import Indicator


def _levels_of(indicator: Indicator) -> tuple[scoring.Level, ...]:
    # Use prefetched rows when the caller prefetched them (list and dashboard pages).
    cache = getattr(indicator, "_prefetched_objects_cache", {})
    rows = cache["milestone_levels"] if "milestone_levels" in cache else None
    if rows is None:
        if indicator.scoring_method != scoring.MILESTONE or not indicator.pk:
            return ()
        rows = indicator.milestone_levels.all()
    return tuple(scoring.Level(row.level, row.percent, row.points) for row in rows)


def rule_for(indicator: Indicator, levels: Iterable[scoring.Level] | None = None) -> scoring.Rule:
    """The scoring rule of a KPI (`levels` given saves the MilestoneLevel query)."""
    return scoring.rule_from_config(
        indicator.scoring_method,
        indicator.scoring_config,
        target=indicator.target,
        direction=indicator.direction,
        range_low=indicator.range_low,
        range_high=indicator.range_high,
        levels=_levels_of(indicator) if levels is None else levels,
    )


def quarter_inputs(quarters: Iterable[Any]) -> list[scoring.QuarterInput]:
    """QuarterReport rows (or dicts with quarter/planned_target/result) as QuarterInput."""
    out = []
    for q in quarters:
        if isinstance(q, scoring.QuarterInput):
            out.append(q)
        elif isinstance(q, dict):
            out.append(scoring.QuarterInput(q["quarter"], q.get("planned_target"), q.get("result")))
        else:
            out.append(scoring.QuarterInput(q.quarter, q.planned_target, q.result))
    return out


def score_indicator(
    indicator: Indicator,
    quarters: Iterable[Any] | None = None,
    thresholds: scoring.Thresholds | None = None,
) -> scoring.KpiEvaluation:
    """Score a KPI: each quarter, the year, its status and projection.

    `quarters` defaults to all its QuarterReport rows; pass the published ones for the
    public pages. Never raises for bad data: results that cannot be scored are listed in
    `problems` (and the data-quality rules explain them).
    """
    if quarters is None:
        quarters = indicator.quarters.all()
    if thresholds is None:
        thresholds = QualitySettings.for_year(indicator.fiscal_year_id).thresholds
    return scoring.evaluate(rule_for(indicator), quarter_inputs(quarters), indicator.achieved, thresholds)


def level_limit(indicator: Indicator, rule: scoring.Rule | None = None) -> Decimal:
    """The highest value a level-scale KPI can take: its top milestone level, else the
    unit's scale maximum, else 5."""
    rule = rule or rule_for(indicator)
    if indicator.scoring_method == scoring.MILESTONE:
        return Decimal(rule.max_level)
    unit = indicator.unit if indicator.unit_id else None
    if unit is not None and unit.scale_max is not None:
        return unit.scale_max
    return Decimal(rule.max_level)
