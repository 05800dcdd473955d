"""Every write the legacy importer makes: KPIs with their quarters and assessments,
projects, city indicators, agencies (placeholders), units, strategy nodes, provenance.

Each `import_*` function takes a parsed page (citykpi.exchange.legacy.parse), checks
that the actor may import (the system actor None, or an administrator), writes inside
`transaction.atomic()` and leaves one audit row per record it created or changed
(source="legacy"). A page that changes nothing writes nothing, so importing twice is
the same as importing once. Lookups go through an ImportContext that caches agencies,
units, fiscal years and the strategy tree for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.cityindicators.models import CityIndicator
from citykpi.evaluation.models import Assessment
from citykpi.exchange.legacy import parse as P
from citykpi.exchange.models import Provenance
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib.users import Actor
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.quality.actions import refresh_indicators
from citykpi.quality.rules import Limits, findings_for
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

SOURCE = "legacy"
PRIMARY_PLAN_CODE = "bma-20y"
Status = QuarterReport.Status

# Units the legacy pages use, with what we know about them when we first meet them.
KNOWN_UNITS: dict[str, dict[str, Any]] = {
    "ระดับ": {"name_en": "level", "kind": Unit.Kind.LEVEL, "scale_min": 0, "scale_max": 5},
    "ร้อยละ": {"name_en": "percent", "kind": Unit.Kind.PERCENT, "scale_min": 0, "scale_max": 100},
}


@dataclass
class Outcome:
    """What happened to one record."""

    kind: str  # indicator, project, city_indicator, agency, strategy_node, ...
    key: str
    action: str  # created, updated, unchanged, skipped
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reason: str = ""


@dataclass
class Finding:
    rule: str
    key: str
    message: str


class ImportContext:
    """Caches for one import run. `reset()` after a file fails: its rows were rolled back."""

    def __init__(self, actor: Actor | None = None) -> None:
        self.actor = actor
        self.now = timezone.now()
        self.findings: list[Finding] = []
        self.placeholders: list[str] = []
        # KPIs written since the last flush_findings(): {pk: code}. The data-quality rules
        # run once per KPI at the end of a batch, not after every write (a KPI can be on
        # several pages, and the rules read all of it at once there).
        self.pending_findings: dict[int, str] = {}
        self.reset()

    def reset(self) -> None:
        self._agencies: dict[str, Agency] | None = None
        self._units: dict[str, Unit] | None = None
        self._years: dict[int, FiscalYear] | None = None
        self._plan: StrategyPlan | None = None
        self._nodes: dict[str, StrategyNode] | None = None
        self._content_types: dict[type, ContentType] = {}
        self._indicators: dict[str, Indicator | None] = {}

    # lookups ------------------------------------------------------------------------------
    def agency(self, code: str, name: str = "", outcomes: list[Outcome] | None = None) -> Agency:
        if self._agencies is None:
            self._agencies = {a.code: a for a in Agency.objects.all()}
        agency = self._agencies.get(code)
        if agency is None:
            agency = Agency(
                code=code,
                long_code=Agency.long_code_for(code),
                name_th=name or code,
                kind=Agency.Kind.DISTRICT if code.startswith("50") else Agency.Kind.DEPARTMENT,
                is_placeholder=True,
            )
            agency.save()
            record(
                self.actor,
                "agency.create_placeholder",
                agency,
                after={"code": code, "name_th": agency.name_th},
                reason="unknown agency code in a legacy page",
                source=SOURCE,
            )
            self._agencies[code] = agency
            self.placeholders.append(code)
            if outcomes is not None:
                outcomes.append(
                    Outcome(
                        "agency", code, "created", {"name_th": (None, agency.name_th)}, reason="placeholder"
                    )
                )
        elif agency.is_placeholder and name and agency.name_th == agency.code:
            agency.name_th = name
            agency.save(update_fields=["name_th"])
            record(
                self.actor,
                "agency.name_from_legacy",
                agency,
                before={"name_th": code},
                after={"name_th": name},
                source=SOURCE,
            )
        return agency

    def unit(self, name: str) -> Unit | None:
        name = " ".join(name.split())
        if not name:
            return None
        if self._units is None:
            self._units = {u.name_th: u for u in Unit.objects.all()}
        unit = self._units.get(name)
        if unit is None:
            defaults = KNOWN_UNITS.get(name, {"kind": Unit.Kind.CUSTOM})
            unit, created = Unit.objects.get_or_create(name_th=name[:120], defaults=defaults)
            if created:
                record(
                    self.actor,
                    "unit.create",
                    unit,
                    after={"name_th": unit.name_th, "kind": unit.kind},
                    source=SOURCE,
                )
            self._units[name] = unit
        return unit

    def fiscal_year(self, year: int) -> FiscalYear:
        if self._years is None:
            self._years = {y.year: y for y in FiscalYear.objects.all()}
        found = self._years.get(year)
        if found is None:
            found = FiscalYear.objects.create(year=year)
            record(self.actor, "fiscal_year.create", found, after={"year": year}, source=SOURCE)
            self._years[year] = found
        return found

    def plan(self) -> StrategyPlan:
        if self._plan is None:
            plan = StrategyPlan.objects.filter(is_primary=True).first()
            if plan is None:
                plan, created = StrategyPlan.objects.get_or_create(
                    code=PRIMARY_PLAN_CODE,
                    defaults={
                        "name_th": "แผนพัฒนากรุงเทพมหานครระยะ 20 ปี (พ.ศ. 2561-2580)",
                        "name_en": "BMA 20-year development plan (2018-2037)",
                        "level_names": ["ด้าน", "มิติ", "เป้าหมาย", "ตัวชี้วัดย่อย"],
                        "start_year": 2561,
                        "end_year": 2580,
                        "is_primary": True,
                    },
                )
                if created:
                    record(self.actor, "strategy_plan.create", plan, after={"code": plan.code}, source=SOURCE)
            self._plan = plan
        return self._plan

    def nodes(self) -> dict[str, StrategyNode]:
        if self._nodes is None:
            self._nodes = {n.path: n for n in StrategyNode.objects.filter(plan=self.plan())}
        return self._nodes

    def content_type(self, model: Any) -> ContentType:
        if model not in self._content_types:
            self._content_types[model] = ContentType.objects.get_for_model(model)
        return self._content_types[model]

    def finding(self, rule: str, key: str, message: str) -> None:
        self.findings.append(Finding(rule, key, message))

    def prefetch_indicators(self, codes: Any) -> None:
        """Read the KPIs of a batch of pages in one query (None: not in the database yet)."""
        wanted = {c for c in codes if c and c not in self._indicators}
        found = {i.code: i for i in Indicator.objects.filter(code__in=wanted)} if wanted else {}
        for code in wanted:
            self._indicators[code] = found.get(code)

    def indicator(self, code: str) -> Indicator | None:
        if code not in self._indicators:
            self._indicators[code] = Indicator.objects.filter(code=code).first()
        return self._indicators[code]

    def remember(self, indicator: Indicator) -> None:
        self._indicators[indicator.code] = indicator


def check_permission(actor: Actor) -> None:
    """The system (a management command) or an administrator may import legacy pages."""
    # Not a table row: Capability.ADMINISTER read through access, plus the system, with a message naming the import.
    if actor is None or access.is_admin(actor):
        return
    raise PermissionDenied("เฉพาะผู้ดูแลระบบนำเข้าข้อมูลระบบเดิมได้ / Only administrators may import legacy data")


# ------------------------------------------------------------------------------ helpers


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is new
        return Decimal(old) == Decimal(new)
    return old == new


def _show(value: Any) -> Any:
    if hasattr(value, "pk") and hasattr(value, "_meta"):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def apply(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set `values` on `obj`; return {field: (before, after)} of what differs."""
    changes = {}
    for name, new in values.items():
        if hasattr(new, "_meta"):
            old_id = getattr(obj, f"{name}_id")
            if old_id == new.pk:
                continue
            old = getattr(obj, name) if old_id is not None else None
        else:
            old = getattr(obj, name)
            if _same(old, new):
                continue
        changes[name] = (_show(old) if obj.pk else None, _show(new))
        setattr(obj, name, new)
    return changes


def _audit(
    ctx: ImportContext, action: str, obj: Any, changes: dict, *, code: str = "", reason: str = ""
) -> None:
    record(
        ctx.actor,
        action,
        obj,
        before={k: v[0] for k, v in changes.items()},
        after={k: v[1] for k, v in changes.items()},
        indicator_code=code,
        reason=reason,
        source=SOURCE,
    )


def save_provenance(
    ctx: ImportContext, obj: Any, key: str, page: P.ParsedPage, source_file: str, created: bool = False
) -> None:
    ct = ctx.content_type(type(obj))
    existing = None if created else Provenance.objects.filter(record_type=ct, record_id=str(obj.pk)).first()
    values = {
        "record_key": key,
        "source_file": source_file[:500],
        "address": page.address[:500],
        "page_type": page.page_type,
        "raw_text": page.raw_text,
        "warnings": page.warnings,
        "cells": page.source_cells(),
    }
    if existing is None:
        Provenance.objects.create(record_type=ct, record_id=str(obj.pk), imported_at=ctx.now, **values)
        return
    # The same page read again: nothing to record, so a second import changes nothing.
    if all(getattr(existing, k) == v for k, v in values.items()):
        return
    for k, v in values.items():
        setattr(existing, k, v)
    existing.imported_at = ctx.now
    existing.save()


def strategy_nodes(
    ctx: ImportContext, lines: list[P.ParsedStrategyLine], key: str, outcomes: list[Outcome]
) -> list[StrategyNode]:
    """The nodes of the primary plan for these lines, created or repaired; returns the leaves."""
    nodes = ctx.nodes()
    touched: list[StrategyNode] = []
    for line in lines:
        node = nodes.get(line.path)
        title, truncated = line.title, line.truncated
        if truncated:
            # Repair a cut title from the tree: the same node, or the one node that starts so.
            if node is not None and node.title.startswith(title) and not node.title_truncated:
                title, truncated = node.title, False
            else:
                matches = [
                    n
                    for n in nodes.values()
                    if n.title.startswith(title) and not n.title_truncated and len(n.title) > len(title)
                ]
                if len(matches) == 1:
                    title, truncated = matches[0].title, False
        if truncated:
            ctx.finding(
                "strategy.title_truncated",
                key,
                f"ชื่อยุทธศาสตร์ {line.display_number} ถูกตัดท้าย / strategy title {line.path} is cut short",
            )
        parent_path = line.path.rsplit(".", 1)[0] if "." in line.path else None
        parent = nodes.get(parent_path) if parent_path else None
        title_en = ""
        if " : " in title and title.rsplit(" : ", 1)[1].isascii():
            title_en = title.rsplit(" : ", 1)[1].strip()
        if node is None:
            node = StrategyNode(
                plan=ctx.plan(),
                parent=parent,
                path=line.path,
                display_number=line.display_number,
                heading_prefix=line.heading_prefix[:80],
                title=title,
                title_en=title_en,
                title_truncated=truncated,
            )
            node.save()
            nodes[line.path] = node
            _audit(ctx, "strategy_node.create", node, {"path": (None, line.path), "title": (None, title)})
            outcomes.append(Outcome("strategy_node", line.path, "created", {"title": (None, title)}))
        else:
            values: dict[str, Any] = {}
            # Never replace a whole title by a cut one; a whole title repairs a cut one.
            if not truncated and (node.title != title):
                values["title"] = title
                values["title_truncated"] = False
            elif truncated and node.title_truncated and len(title) > len(node.title):
                values["title"] = title
            if parent is not None and node.parent_id is None:
                values["parent"] = parent
            if not node.heading_prefix or node.heading_prefix == node.display_number:
                values["heading_prefix"] = line.heading_prefix[:80]
            if title_en and not node.title_en:
                values["title_en"] = title_en
            changes = apply(node, values)
            if changes:
                node.save()
                _audit(ctx, "strategy_node.update", node, changes)
                outcomes.append(Outcome("strategy_node", line.path, "updated", changes))
        touched.append(node)
    paths = [n.path for n in touched]
    return [n for n in touched if not any(p.startswith(n.path + ".") for p in paths)]


def _set_nodes(relation: Any, leaves: list[StrategyNode], created: bool = False) -> tuple[Any, Any] | None:
    if created:
        # A new record has no links yet: one insert into the link table, no read.
        through = relation.through
        source, target = relation.source_field_name, relation.target_field_name
        through.objects.bulk_create(
            [
                through(**{f"{source}_id": relation.instance.pk, f"{target}_id": n.pk})
                for n in {n.pk: n for n in leaves}.values()
            ]
        )
        return [], sorted(n.path for n in leaves)
    current = {n.pk: n.path for n in relation.all()}
    wanted = {n.pk: n.path for n in leaves}
    if set(current) == set(wanted):
        return None
    relation.set(list(wanted))
    return sorted(current.values()), sorted(wanted.values())


def flush_findings(ctx: ImportContext) -> None:
    """The data-quality rules' findings (citykpi.quality.rules.findings_for) on every KPI
    written since the last flush, each KPI once, read in a few queries for all of them."""
    pending, ctx.pending_findings = ctx.pending_findings, {}
    ids = list(pending)
    # Stored for the /quality/ report and the dashboards, inside the import's transaction.

    refresh_indicators(ids, ctx.actor, source="legacy")
    limits: dict[int, Limits] = {}
    for start in range(0, len(ids), 500):
        batch = (
            Indicator.objects.filter(pk__in=ids[start : start + 500])
            .select_related("unit")
            .prefetch_related(
                "milestone_levels",
                "strategy_nodes",
                Prefetch(
                    "quarters",
                    queryset=QuarterReport.objects.select_related("assessment").order_by("quarter"),
                ),
            )
        )
        by_pk = {indicator.pk: indicator for indicator in batch}
        for pk in ids[start : start + 500]:
            indicator = by_pk.get(pk)
            if indicator is None:
                continue
            year = indicator.fiscal_year_id
            if year not in limits:
                limits[year] = Limits.for_year(year)
            try:
                found = findings_for(
                    indicator,
                    list(indicator.quarters.all()),
                    limits=limits[year],
                    nodes=list(indicator.strategy_nodes.all()),
                )
            except Exception as exc:  # noqa: BLE001 - a report on the data must not undo the import
                ctx.finding(
                    "quality.not_checked",
                    indicator.code,
                    f"ตรวจคุณภาพข้อมูลไม่ได้ / the data-quality rules failed: {type(exc).__name__}: {exc}",
                )
                continue
            for finding in found:
                ctx.finding(finding.rule, indicator.code, finding.message)


# ------------------------------------------------------------------------------ the records


def import_kpi(
    ctx: ImportContext, page: P.ParsedKpi, *, fiscal_year: int | None, source_file: str
) -> list[Outcome]:
    check_permission(ctx.actor)
    outcomes: list[Outcome] = []
    if not page.code or not P.KPI_CODE_RE.fullmatch(page.code):
        return [
            Outcome(
                "indicator",
                page.code or "?",
                "skipped",
                reason="ไม่พบรหัสตัวชี้วัด / no KPI code on the page or in its address",
            )
        ]
    existing = ctx.indicator(page.code)
    year = page.fiscal_year or fiscal_year or (existing.fiscal_year_id if existing is not None else None)
    if not year and getattr(page, "inferred_fiscal_year", None):
        year = page.inferred_fiscal_year
        page.warn(
            f"หน้าไม่ระบุปีงบประมาณ ใช้ปี {year} ตามวันที่ที่อ้างในรายงานผล (“{page.inferred_from}”) "
            f"โปรดยืนยันด้วย --fiscal-year",
            f"the page states no fiscal year; {year} was taken from the dates its narratives cite "
            f"(“{page.inferred_from}”); confirm with --fiscal-year",
        )
    if not year:
        return [
            Outcome(
                "indicator",
                page.code,
                "skipped",
                reason="หน้าไม่ระบุปีงบประมาณ ไม่มีวันที่ในรายงานผลให้อนุมาน และไม่ได้ให้ --fiscal-year / "
                "the page states no fiscal year, its narratives cite no date, "
                "and --fiscal-year was not given",
            )
        ]
    # Joins the caller's transaction: import_paths gives every file its own savepoint.
    with transaction.atomic(savepoint=False):
        agency = ctx.agency(page.agency_code, outcomes=outcomes)
        created = existing is None
        indicator = Indicator(code=page.code) if existing is None else existing
        values: dict[str, Any] = {"agency": agency, "fiscal_year": ctx.fiscal_year(year)}
        # Only what the page states: a compact or cut page never erases what a full one gave.
        if page.name is not None:
            values["list_label"] = page.name.list_label[:40]
            values["name"] = page.name.title
        elif created:
            values["name"] = ""
            ctx.finding("indicator.no_name", page.code, "หน้าไม่มีชื่อตัวชี้วัด / the page has no KPI name")
        unit = ctx.unit(page.unit_name or page.achieved_unit_name or page.table_unit)
        if unit is not None:
            values["unit"] = unit
        if page.target is not None or page.target_text:
            values["target"] = page.target
            values["target_text"] = page.target_text[:255]
        if page.achieved is not None:
            values["achieved"] = page.achieved
        if page.kpi_type:
            values["kpi_type"] = page.kpi_type
        if page.result_level:
            values["result_level"] = page.result_level
        if page.legacy_counter:
            values["legacy_counter"] = page.legacy_counter
        for name in ("definition", "calculation_method", "data_collection", "annual_summary"):
            if getattr(page, name):
                values[name] = getattr(page, name)
        if page.milestones:
            values["scoring_method"] = Indicator.Method.MILESTONE
        changes = apply(indicator, values)
        if changes:
            indicator.save()
            ctx.remember(indicator)
        leaves = strategy_nodes(ctx, page.strategy, page.code, outcomes) if page.strategy else None
        if leaves is not None:
            node_change = _set_nodes(indicator.strategy_nodes, leaves, created)
            if node_change:
                changes["strategy_nodes"] = (None if created else node_change[0], node_change[1])
        changes.update(_milestones(indicator, page.milestones, created))
        changes.update(_quarters(indicator, page, created))
        if changes:
            _audit(
                ctx,
                "kpi.import" if created else "kpi.update_from_legacy",
                indicator,
                changes,
                code=indicator.code,
            )
        save_provenance(ctx, indicator, page.code, page, source_file, created)
        if page.unit_name and page.achieved_unit_name and page.unit_name != page.achieved_unit_name:
            ctx.finding(
                "indicator.unit_mismatch",
                page.code,
                f"หน่วยของเป้าหมาย ({page.unit_name}) ต่างจากผลงาน ({page.achieved_unit_name}) / "
                "the target and the achieved value use different units",
            )
        ctx.pending_findings[indicator.pk] = indicator.code
    outcomes.append(
        Outcome(
            "indicator", page.code, "created" if created else ("updated" if changes else "unchanged"), changes
        )
    )
    return outcomes


def _milestones(indicator: Indicator, levels: list[P.ParsedMilestone], created: bool) -> dict:
    if not levels:
        return {}
    current = {m.level: m for m in (() if created else indicator.milestone_levels.all())}
    wanted = {m.level: m for m in levels}
    before = {lv: (m.description, m.percent, m.points) for lv, m in current.items()}
    after = {lv: (m.description, m.percent, m.points) for lv, m in wanted.items()}
    if before.keys() == after.keys() and all(
        before[k][0] == after[k][0] and _same(before[k][1], after[k][1]) and _same(before[k][2], after[k][2])
        for k in after
    ):
        return {}
    if current:
        indicator.milestone_levels.all().delete()
    MilestoneLevel.objects.bulk_create(
        MilestoneLevel(
            indicator=indicator, level=m.level, description=m.description, percent=m.percent, points=m.points
        )
        for m in levels
    )
    show = lambda d: {str(k): f"{_show(v[1])}% {_show(v[2])}" for k, v in sorted(d.items())}  # noqa: E731
    return {"milestone_levels": (show(before) if current else None, show(after))}


def _quarter_plan(page: P.ParsedKpi) -> dict[int, tuple[str, dict | None]]:
    """Status and assessment of each quarter, so that the derived headline stays the page's.

    Up to and including the headline's quarter, a scored quarter is assessed. Beyond it,
    scores are kept as assessments on submitted quarters, except "0 / 0" with a 0 score,
    which means "not assessed yet".
    """
    plan: dict[int, tuple[str, dict | None]] = {}
    headline = page.headline_quarter
    for q, row in sorted(page.quarters.items()):
        has_report = row.result is not None or bool(row.narrative)
        unassessed = (
            row.score is not None and row.score == 0 and all(Decimal(v) == 0 for v in row.components.values())
        )
        assessment = {"score": row.score, "components": row.components} if row.score is not None else None
        if headline is None or q <= headline:
            if headline is None and unassessed:
                assessment = None
            if assessment is not None:
                plan[q] = (Status.ASSESSED, assessment)
            else:
                plan[q] = (Status.SUBMITTED if has_report else Status.NOT_STARTED, None)
        else:
            if unassessed:
                assessment = None
            plan[q] = (Status.SUBMITTED if has_report or assessment else Status.NOT_STARTED, assessment)
    return plan


def _quarters(indicator: Indicator, page: P.ParsedKpi, created: bool) -> dict:
    plan = _quarter_plan(page)
    if not plan:
        return {}
    existing = (
        {}
        if created
        else {
            r.quarter: r
            for r in QuarterReport.objects.filter(indicator=indicator).select_related("assessment")
        }
    )
    changes: dict[str, tuple[Any, Any]] = {}
    # New rows are inserted together at the end (one INSERT each for reports and assessments).
    new_reports: list[QuarterReport] = []
    new_assessments: list[tuple[QuarterReport, dict]] = []
    for q, (status, assessment) in plan.items():
        row = page.quarters[q]
        stored = existing.get(q)
        is_new = stored is None
        report = (
            QuarterReport(indicator=indicator, quarter=q, definition_version=indicator.definition_version)
            if stored is None
            else stored
        )
        values: dict[str, Any] = {"status": status}
        if row.result is not None:
            values["result"] = row.result
        if row.narrative:
            values["narrative"] = row.narrative
        diff = apply(report, values)
        if is_new:
            new_reports.append(report)
        elif diff:
            report.version += 1
            report.save()
        for name, pair in diff.items():
            changes[f"q{q}.{name}"] = pair
        current = None if is_new else getattr(report, "assessment", None)
        if assessment is not None:
            if current is None:
                new_assessments.append((report, assessment))
                changes[f"q{q}.score"] = (None, _show(assessment["score"]))
            else:
                diff = apply(current, {"score": assessment["score"], "components": assessment["components"]})
                if diff:
                    current.save(update_fields=list(diff))
                    for name, pair in diff.items():
                        changes[f"q{q}.{name}"] = pair
    if new_reports:
        QuarterReport.objects.bulk_create(new_reports)
    if new_assessments:
        Assessment.objects.bulk_create(
            Assessment(
                quarter_report=report,
                score=assessment["score"],
                components=assessment["components"],
                definition_version=indicator.definition_version,
            )
            for report, assessment in new_assessments
        )
    return changes


def import_city_indicator(
    ctx: ImportContext, page: P.ParsedCityIndicator, *, source_file: str
) -> list[Outcome]:
    check_permission(ctx.actor)
    if page.pid is None:
        return [
            Outcome(
                "city_indicator",
                "?",
                "skipped",
                reason="ไม่พบรหัสตัวชี้วัดเมือง / no city indicator id on the page or in its address",
            )
        ]
    outcomes: list[Outcome] = []
    key = str(page.pid)
    # Joins the caller's transaction: import_paths gives every file its own savepoint.
    with transaction.atomic(savepoint=False):
        found = CityIndicator.objects.filter(pk=page.pid).first()
        created = found is None
        item = CityIndicator(id=page.pid) if found is None else found
        values: dict[str, Any] = {}
        if page.name is not None:
            values.update(list_label=page.name.list_label[:40], name=page.name.title)
        elif created:
            values["name"] = ""
        for name in ("catalogue", "data_kind", "definition", "calculation_method", "target_text"):
            if getattr(page, name):
                values[name] = (
                    getattr(page, name)[:255] if name in ("catalogue", "target_text") else getattr(page, name)
                )
        if page.target_value is not None:
            values["target_value"] = page.target_value
        unit = ctx.unit(page.unit_name)
        if unit is not None:
            values["unit"] = unit
        changes = apply(item, values)
        if changes or created:
            item.save()
        if page.strategy:
            leaves = strategy_nodes(ctx, page.strategy, f"city-{key}", outcomes)
            node_change = _set_nodes(item.strategy_nodes, leaves)
            if node_change:
                changes["strategy_nodes"] = (None if created else node_change[0], node_change[1])
        if changes:
            _audit(
                ctx,
                "city_indicator.import" if created else "city_indicator.update_from_legacy",
                item,
                changes,
            )
        save_provenance(ctx, item, key, page, source_file)
    outcomes.append(
        Outcome(
            "city_indicator", key, "created" if created else ("updated" if changes else "unchanged"), changes
        )
    )
    return outcomes


def import_project(
    ctx: ImportContext, page: P.ParsedProject, *, fiscal_year: int | None, source_file: str
) -> list[Outcome]:
    check_permission(ctx.actor)
    if not page.code:
        return [Outcome("project", "?", "skipped", reason="ไม่พบรหัสโครงการ / no project code")]
    year = page.fiscal_year or fiscal_year
    if not year:
        return [
            Outcome(
                "project",
                page.code,
                "skipped",
                reason="หน้าไม่ระบุปีงบประมาณ และไม่ได้ให้ --fiscal-year / "
                "the page states no fiscal year and --fiscal-year was not given",
            )
        ]
    outcomes: list[Outcome] = []
    # Joins the caller's transaction: import_paths gives every file its own savepoint.
    with transaction.atomic(savepoint=False):
        agency = ctx.agency(page.agency_code, page.agency_name, outcomes=outcomes)
        found_project = Project.objects.filter(code=page.code).first()
        created = found_project is None
        project = Project(code=page.code) if found_project is None else found_project
        values: dict[str, Any] = {"agency": agency, "fiscal_year": ctx.fiscal_year(year)}
        if page.name or created:
            values["name"] = page.name
        if page.progress is not None:
            values["progress"] = page.progress
        if page.officers:
            values["officers"] = "\n".join(page.officers)
        if page.rationale:
            values["rationale"] = page.rationale
        if page.objectives:
            values["objectives"] = page.objectives
        changes = apply(project, values)
        if changes:
            project.save()
        current = {} if created else {s.quarter: s for s in project.quarter_scores.all()}
        for q, score in page.scores.items():
            existing = current.get(q)
            if existing is None:
                ProjectQuarterScore.objects.create(project=project, quarter=q, score=score)
                changes[f"q{q}.score"] = (None, _show(score))
            elif not _same(existing.score, score):
                changes[f"q{q}.score"] = (_show(existing.score), _show(score))
                existing.score = score
                existing.save(update_fields=["score"])
        if changes:
            _audit(ctx, "project.import" if created else "project.update_from_legacy", project, changes)
        save_provenance(ctx, project, page.code, page, source_file)
    outcomes.append(
        Outcome(
            "project", page.code, "created" if created else ("updated" if changes else "unchanged"), changes
        )
    )
    return outcomes


def import_agency_page(
    ctx: ImportContext, page: P.ParsedAgencyPage, *, fiscal_year: int | None, source_file: str
) -> list[Outcome]:
    """An agency's annual page: the agency itself, its evaluation dimensions, and for each
    KPI listed (they carry no code) the dimension and negotiated tag of the KPI of that
    agency with the same name, when one exists."""
    check_permission(ctx.actor)
    if not page.long_code:
        return [Outcome("agency", "?", "skipped", reason="ไม่พบรหัสหน่วยงาน / no agency code")]
    outcomes: list[Outcome] = []
    # Joins the caller's transaction: import_paths gives every file its own savepoint.
    with transaction.atomic(savepoint=False):
        agency = ctx.agency(page.agency_code, outcomes=outcomes)
        dimensions = {
            d.number: d for d in EvaluationDimension.objects.filter(number__in=list(page.dimensions))
        }
        for number, name in page.dimensions.items():
            if number not in dimensions:
                dimensions[number] = EvaluationDimension.objects.create(number=number, name_th=name[:255])
                _audit(ctx, "dimension.create", dimensions[number], {"name_th": (None, name)})
                outcomes.append(Outcome("dimension", str(number), "created", {"name_th": (None, name)}))
        year = page.fiscal_year or fiscal_year
        candidates = Indicator.objects.filter(agency=agency)
        if year:
            candidates = candidates.filter(fiscal_year_id=year)
        by_name = {" ".join(i.name.split()): i for i in candidates}
        for item in page.kpis:
            indicator = by_name.get(" ".join(item.name.split()))
            if indicator is None:
                outcomes.append(
                    Outcome(
                        "indicator",
                        f"{page.agency_code} {item.number}",
                        "skipped",
                        reason=f"หน้าหน่วยงานไม่มีรหัสตัวชี้วัด และไม่พบตัวชี้วัดชื่อ “{item.name[:60]}” / "
                        "the agency page gives no KPI code and no KPI of that name exists",
                    )
                )
                continue
            values: dict[str, Any] = {"is_negotiated": item.negotiated}
            if item.dimension in dimensions:
                values["dimension"] = dimensions[item.dimension]
            changes = apply(indicator, values)
            if changes:
                indicator.save(update_fields=list(changes))
                _audit(ctx, "kpi.update_from_legacy", indicator, changes, code=indicator.code)
            outcomes.append(
                Outcome("indicator", indicator.code, "updated" if changes else "unchanged", changes)
            )
        save_provenance(ctx, agency, page.long_code, page, source_file)
    if not any(o.kind == "agency" for o in outcomes):
        outcomes.append(Outcome("agency", page.agency_code, "unchanged"))
    return outcomes
