"""What a state change of a quarter reads of its KPI, once per action (the per-action context).

`reporting.actions.changing` locks the quarter's row, then reads the rest of the KPI in ONE
query, `read(row)`: every quarter of the KPI with its assessment, the year's quality
settings (the year's row, else the default row, else the built-in defaults), a milestone
KPI's level table (as one text column, "level:percent:points;..."), whether a linked
strategy node could be flagged as cut short, and, on PostgreSQL, the audit chain's lock
(`citykpi.audit.log.chain_lock`: taken here, after the row lock, so that the audit row
needs no statement of its own for it).

The action then passes these rows down instead of reading them again: the data-quality
write rules (`quality.rules.check_report_write`), the stored scores
(`quality.standing.score_kpi`) and the stored findings (`quality.rules.findings_for`,
`quality.actions.store_findings`) all work on them.

Read after the row lock, in a statement of its own, the rows are the committed state the
lock protects (a statement that waited for a lock would see the others as they were before
the wait).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, TextField
from django.db.models.expressions import RawSQL

from citykpi.audit.log import chain_lock
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.lib.columns import column
from citykpi.quality import scoring
from citykpi.quality.models import QualitySettings
from citykpi.quality.rules import Limits
from citykpi.reporting.models import QuarterReport, has_evidenced_claim
from citykpi.strategy.models import StrategyNode

SETTINGS_FIELDS = ("on_track_percent", "at_risk_percent", "percent_far_limit", "contradiction_gap")
ASSESSMENT = QuarterReport.assessment.related  # the reverse one-to-one (a OneToOneRel)


def _field(model: Any, name: str):
    return model._meta.get_field(name)


@dataclass
class KpiRows:
    """A KPI as one action read it (see the module docstring)."""

    indicator: Indicator
    quarters: list[QuarterReport]  # every stored quarter of the KPI, in quarter order, with its assessment
    settings: QualitySettings
    levels: tuple[scoring.Level, ...]  # the milestone table (empty for other methods)
    may_have_cut_nodes: bool  # a linked strategy node is flagged or has a "%" in its title

    @property
    def limits(self) -> Limits:
        settings = self.settings
        return Limits(settings.percent_far_limit, settings.contradiction_gap, settings.thresholds)

    def with_row(self, row: QuarterReport, *, assessment_changed: bool = False) -> list[QuarterReport]:
        """The KPI's quarters with `row` (the locked, changed copy) in place of its stored
        copy. The row gets the assessment read with its copy unless the action changed it
        (`assessment_changed`: then the row's own, or a fresh read when it has none)."""
        out = []
        for quarter in self.quarters:
            if quarter.pk != row.pk:
                out.append(quarter)
                continue
            if not assessment_changed and not ASSESSMENT.is_cached(row) and ASSESSMENT.is_cached(quarter):
                ASSESSMENT.set_cached_value(row, ASSESSMENT.get_cached_value(quarter))
            if "has_evidenced_claim" in vars(quarter):  # the annotation read with its copy (Q015)
                vars(row)["has_evidenced_claim"] = vars(quarter)["has_evidenced_claim"]
            out.append(row)
        if all(q.pk != row.pk for q in self.quarters):
            out.append(row)
            out.sort(key=lambda q: q.quarter)
        return out

    def nodes(self) -> list[Any]:
        """The strategy nodes the title rule (Q009) reads: none to read when no linked node
        could be flagged (the rule would find nothing in them)."""
        if not self.may_have_cut_nodes:
            return []
        return list(self.indicator.strategy_nodes.all())


_CENTS = Decimal("0.01")  # MilestoneLevel.percent and points have two decimal places


def _levels(text: str | None) -> tuple[scoring.Level, ...]:
    """The level table from its text ("1:20.00:2.00;2:40.00:4.00"), in level order, as the
    ORM reads the rows (percent and points to two places)."""
    if not text:
        return ()
    levels = []
    for item in text.split(";"):
        level, percent, points = item.split(":")
        levels.append(
            scoring.Level(int(level), Decimal(percent).quantize(_CENTS), Decimal(points).quantize(_CENTS))
        )
    return tuple(sorted(levels, key=lambda lv: lv.level))


@functools.cache
def _column_sql(vendor: str) -> dict[str, str]:
    """The SQL of the extra columns of `read` (plain subqueries both databases speak: they
    cost nothing to compile, which counts in a ten-query write)."""
    qn = connection.ops.quote_name
    settings_table = qn(QualitySettings._meta.db_table)
    year = qn(QualitySettings._meta.get_field("fiscal_year").column)
    sql = {
        # The year's row, else the default row (no year); none: the built-in defaults.
        f"settings_{name}": (
            f"SELECT {qn(column(QualitySettings._meta, name))} FROM {settings_table} "
            f"WHERE {year} = %s OR {year} IS NULL ORDER BY CASE WHEN {year} IS NULL THEN 1 ELSE 0 END LIMIT 1"
        )
        for name in SETTINGS_FIELDS
    }
    through = Indicator.strategy_nodes.through._meta
    node = StrategyNode._meta
    sql["may_have_cut_nodes"] = (
        f"SELECT COUNT(*) > 0 FROM {qn(through.db_table)} l JOIN {qn(node.db_table)} n "
        f"ON n.{qn(node.pk.column)} = l.{qn(through.get_field('strategynode').column)} "
        f"WHERE l.{qn(through.get_field('indicator').column)} = %s "
        f"AND (n.{qn(node.get_field('title_truncated').column)} OR n.{qn(node.get_field('title').column)} "
        f"LIKE %s ESCAPE '!')"
    )
    levels = MilestoneLevel._meta
    joined = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    text = " || ':' || ".join(
        f"CAST({qn(column(levels, name))} AS TEXT)" for name in ("level", "percent", "points")
    )
    sql["level_table"] = (
        f"SELECT {joined}({text}, ';') FROM {qn(levels.db_table)} "
        f"WHERE {qn(levels.get_field('indicator').column)} = %s"
    )
    return sql


def read(row: QuarterReport, *, with_chain_lock: bool = True) -> KpiRows:
    """The KPI of the locked `row` (which carries its indicator, agency, year and unit), in
    one query. `with_chain_lock`: take the audit chain's lock in the same query (the caller
    then records with chain_locked=True)."""
    indicator = row.indicator
    sql = _column_sql(connection.vendor)
    year = indicator.fiscal_year_id
    annotations: dict[str, Any] = {
        f"settings_{name}": RawSQL(
            sql[f"settings_{name}"], [year], output_field=_field(QualitySettings, name)
        )
        for name in SETTINGS_FIELDS
    }
    annotations["may_have_cut_nodes"] = RawSQL(
        sql["may_have_cut_nodes"], [indicator.pk, "%!%%"], output_field=BooleanField()
    )
    milestone = indicator.scoring_method == scoring.MILESTONE
    if milestone:
        annotations["level_table"] = RawSQL(sql["level_table"], [indicator.pk], output_field=TextField())
    # Whether each quarter cites evidence for its claim (quality.rules, Q015).
    annotations["has_evidenced_claim"] = has_evidenced_claim()
    if with_chain_lock:
        annotations["chain_locked"] = chain_lock()
    quarters = list(
        QuarterReport.objects.filter(indicator_id=indicator.pk)
        .select_related("assessment")
        .annotate(**annotations)
        .order_by("quarter")
    )
    first = quarters[0] if quarters else None  # never empty: the locked row is among them
    values = {name: getattr(first, f"settings_{name}", None) for name in SETTINGS_FIELDS}
    settings = QualitySettings(**values) if values["on_track_percent"] is not None else QualitySettings()
    levels = _levels(getattr(first, "level_table", None)) if milestone else ()
    for quarter in quarters:
        # The rows share the caller's KPI object (no second copy of it).
        QuarterReport.indicator.field.set_cached_value(quarter, indicator)
    return KpiRows(
        indicator=indicator,
        quarters=quarters,
        settings=settings,
        levels=levels,
        may_have_cut_nodes=bool(getattr(first, "may_have_cut_nodes", False)),
    )
