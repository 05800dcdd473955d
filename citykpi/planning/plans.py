"""A KPI's own target, planned cumulative targets per quarter, weight and definition
(name, unit, direction, method texts, milestone levels), as its agency sets them before
approval and the evaluator counter-proposes them; with the parsing and writing of those
values that templates and carry-forward reuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.audit.log import record
from citykpi.audit.log import snapshot as audit_snapshot
from citykpi.indicators.models import Indicator, MilestoneLevel, Unit
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.thai import format_number
from citykpi.lib.users import Actor
from citykpi.planning import versions
from citykpi.planning.models import Setup
from citykpi.planning.negotiation import check_may_edit, set_state, setup_of
from citykpi.planning.parsing import number_of
from citykpi.planning.versions import bump_definition
from citykpi.reporting.actions import get_quarter
from citykpi.reporting.models import QuarterReport

# Definition fields a template holds and pushes down to its assignments.
TEMPLATE_FIELDS = [
    "name",
    "name_en",
    "unit",
    "direction",
    "kpi_type",
    "result_level",
    "scoring_method",
    "definition",
    "calculation_method",
    "data_collection",
]
# Definition fields of one KPI that its agency or the evaluator may edit before approval.
EDITABLE_DEFINITION_FIELDS = [
    "list_label",
    "name",
    "name_en",
    "unit",
    "direction",
    "range_low",
    "range_high",
    "kpi_type",
    "result_level",
    "scoring_method",
    "definition",
    "calculation_method",
    "data_collection",
]
PLAN_AUDIT_FIELDS = ["target", "weight", "plan_version", "definition_version"]
_UNSET: Any = object()


def set_plan(indicator: Indicator, plan: dict[int, Decimal | None]) -> None:
    existing = {q.quarter: q for q in QuarterReport.objects.filter(indicator=indicator)}
    for quarter in QUARTERS:
        if quarter not in plan:
            continue
        report = existing.get(quarter) or get_quarter(indicator, quarter)
        if report.planned_target != plan[quarter]:
            report.planned_target = plan[quarter]
            report.save(update_fields=["planned_target"])


def _plan_dict(indicator: Indicator) -> dict[str, str | None]:
    found = {q.quarter: q.planned_target for q in QuarterReport.objects.filter(indicator=indicator)}
    return {str(q): (str(found[q]) if found.get(q) is not None else None) for q in QUARTERS}


def parse_plan(plan: dict | Sequence | None) -> dict[int, Decimal | None]:
    if plan is None:
        return {}
    if not isinstance(plan, dict):
        plan = dict(zip(QUARTERS, plan, strict=False))
    parsed: dict[int, Decimal | None] = {}
    for key, value in plan.items():
        quarter = int(str(key).lstrip("qQ"))
        if quarter not in QUARTERS:
            raise ActionError("ไตรมาสต้องเป็น 1-4", "A quarter must be 1-4", field="plan")
        parsed[quarter] = number_of(
            value, f"plan_q{quarter}", f"เป้าหมายสะสมไตรมาสที่ {quarter}", f"Quarter {quarter} plan"
        )
    return parsed


def parse_weight(value: Any) -> Decimal | None:
    weight = number_of(value, "weight", "น้ำหนัก", "Weight")
    if weight is not None and not (Decimal("0") <= weight <= Decimal("100")):
        raise ActionError(
            f"น้ำหนักต้องอยู่ระหว่าง 0 ถึง 100 (ได้รับ {format_number(weight)})",
            f"The weight must be between 0 and 100 (got {format_number(weight)})",
            field="weight",
        )
    return weight


def milestone_rows(levels: Iterable[dict]) -> list[dict]:
    rows = []
    seen = set()
    for raw in levels or []:
        level = number_of(raw.get("level"), "milestone_levels", "ระดับ", "Level")
        percent = number_of(raw.get("percent"), "milestone_levels", "ร้อยละ", "Percent")
        points = number_of(raw.get("points", 0), "milestone_levels", "คะแนน", "Points")
        if level is None or not (1 <= level <= 10) or level != level.to_integral_value():
            raise ActionError(
                "ระดับต้องเป็นจำนวนเต็ม 1-10", "A level must be a whole number 1-10", field="milestone_levels"
            )
        if percent is None or not (0 <= percent <= 100):
            raise ActionError(
                f"ระดับ {level}: ร้อยละต้องอยู่ระหว่าง 0-100",
                f"Level {level}: the percent must be 0-100",
                field="milestone_levels",
            )
        if int(level) in seen:
            raise ActionError(f"ระดับ {level} ซ้ำ", f"Level {level} appears twice", field="milestone_levels")
        seen.add(int(level))
        rows.append(
            {
                "level": int(level),
                "percent": str(percent),
                "points": str(points or 0),
                "description": str(raw.get("description", "")).strip(),
            }
        )
    return sorted(rows, key=lambda r: r["level"])


def set_milestones(indicator: Indicator, rows: list[dict]) -> None:
    indicator.milestone_levels.all().delete()
    MilestoneLevel.objects.bulk_create(
        MilestoneLevel(
            indicator=indicator,
            level=r["level"],
            description=r["description"],
            percent=Decimal(r["percent"]),
            points=Decimal(r["points"]),
        )
        for r in rows
    )


def _ensure_unit(unit: Unit) -> Unit | None:
    if unit is None or unit == "" or isinstance(unit, Unit):
        return unit or None
    try:
        return Unit.objects.get(pk=int(unit))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise ActionError("ไม่พบหน่วยนับนี้", "Unknown unit", field="unit") from None


def _choice(value: Any, choices: Any, field_name: str, label_th: str, label_en: str) -> str:
    if value not in choices.values:
        raise ActionError(
            f"{label_th}: ค่า “{value}” ไม่ถูกต้อง", f"{label_en}: “{value}” is not allowed", field=field_name
        )
    return value


def clean_template_fields(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in TEMPLATE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "unit":
            value = _ensure_unit(value)
        elif name == "direction":
            value = _choice(value, Indicator.Direction, name, "ทิศทาง", "Direction")
        elif name == "kpi_type":
            value = _choice(value, Indicator.Type, name, "ประเภทตัวชี้วัด", "KPI type")
        elif name == "result_level":
            value = _choice(value, Indicator.Level, name, "ระดับตัวชี้วัด", "Result level")
        elif name == "scoring_method":
            value = _choice(value, Indicator.Method, name, "วิธีให้คะแนน", "Scoring method")
        else:
            value = (value or "").strip()
        cleaned[name] = value
    if "name" in cleaned and not cleaned["name"]:
        raise ActionError("ต้องระบุชื่อตัวชี้วัด", "The KPI name is required", field="name")
    return cleaned


def same_definition(before: dict, after: dict) -> bool:
    return {k: v for k, v in before.items() if k != "version"} == {
        k: v for k, v in after.items() if k != "version"
    }


def _plan_state(indicator: Indicator) -> dict[str, Any]:
    data = audit_snapshot(indicator, PLAN_AUDIT_FIELDS)
    data["plan"] = _plan_dict(indicator)
    return data


def _lock_indicator(indicator: Indicator) -> Indicator:
    return (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("agency", "fiscal_year", "unit")
        .get(pk=indicator.pk)
    )


def update_plan(
    actor: Actor,
    indicator: Indicator,
    *,
    target: Any = _UNSET,
    plan: dict | Sequence | None = None,
    weight: Any = _UNSET,
    version: int | str | None = None,
    note: str = "",
    source: str = "web",
) -> Indicator:
    """Set a KPI's annual target, planned cumulative targets per quarter and weight.

    The agency changes its own KPIs while the setup is open to it; the evaluator's change
    to a proposal is a counter-proposal (recorded, and the setup state says so)."""
    access.check(actor, indicator.agency, Capability.EDIT_SETUP, "agency")
    target_value = number_of(target, "target", "ค่าเป้าหมาย", "Target") if target is not _UNSET else _UNSET
    plan_values = parse_plan(plan)
    weight_value = parse_weight(weight) if weight is not _UNSET else _UNSET
    with transaction.atomic():
        indicator = _lock_indicator(indicator)
        setup = setup_of(indicator.agency, indicator.fiscal_year, lock=True)
        check_may_edit(actor, setup)
        if version is not None and int(version) != indicator.plan_version:
            raise ConflictError(current={**_plan_state(indicator), "code": indicator.code})
        before = _plan_state(indicator)
        if target_value is not _UNSET:
            indicator.target = target_value
        if weight_value is not _UNSET:
            indicator.weight = weight_value
        changed_plan = {q: v for q, v in plan_values.items()}
        current_plan = {int(k): (Decimal(v) if v is not None else None) for k, v in before["plan"].items()}
        if (
            indicator.target == _dec(before["target"])
            and indicator.weight == _dec(before["weight"])
            and all(current_plan.get(q) == v for q, v in changed_plan.items())
        ):
            return indicator  # nothing changed: no version bump, no audit row
        bump_definition(indicator)
        indicator.plan_version += 1
        indicator.save(update_fields=["target", "weight", "plan_version", "definition_version", "updated_at"])
        set_plan(indicator, changed_plan)
        indicator.refresh_from_db(fields=["target", "weight"])  # stored precision in the audit row
        counter = (
            access.is_evaluator(actor)
            and not access.allows(actor, Capability.PROPOSE_SETUP, indicator.agency)
            and (setup.state in (Setup.State.PROPOSED, Setup.State.COMMENTED, Setup.State.COUNTER_PROPOSED))
        )
        action = "plan.counter_propose" if counter else "plan.update"
        record(
            actor,
            action,
            indicator,
            before=before,
            after=_plan_state(indicator),
            reason=note,
            indicator_code=indicator.code,
            source=source,
        )
        if counter and setup.state != Setup.State.COUNTER_PROPOSED:
            set_state(
                actor,
                setup,
                Setup.State.COUNTER_PROPOSED,
                action="setup.counter_propose",
                reason=note or f"{indicator.code}",
                source=source,
            )
    return indicator


def _dec(value: Any) -> Decimal | None:
    return Decimal(value) if value is not None else None


def update_definition(
    actor: Actor,
    indicator: Indicator,
    *,
    version: int | str | None = None,
    milestone_levels: Iterable[dict] | None = None,
    source: str = "web",
    **values: Any,
) -> Indicator:
    """Change a KPI's own definition (name, unit, direction, method texts, levels)."""
    access.check(actor, indicator.agency, Capability.EDIT_SETUP, "agency")
    unknown = set(values) - set(EDITABLE_DEFINITION_FIELDS)
    if unknown:
        raise ActionError(
            "มีช่องข้อมูลที่แก้ไขไม่ได้",
            f"Fields that cannot be changed: {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
        )
    template_values = {k: v for k, v in values.items() if k in TEMPLATE_FIELDS}
    cleaned = clean_template_fields(template_values)
    for name in ("list_label",):
        if name in values:
            cleaned[name] = (values[name] or "").strip()
    for name in ("range_low", "range_high"):
        if name in values:
            cleaned[name] = number_of(values[name], name, "ช่วงค่า", "Range")
    rows = milestone_rows(milestone_levels) if milestone_levels is not None else None
    with transaction.atomic():
        indicator = _lock_indicator(indicator)
        setup = setup_of(indicator.agency, indicator.fiscal_year, lock=True)
        check_may_edit(actor, setup)
        if version is not None and int(version) != indicator.plan_version:
            raise ConflictError(
                current={**versions.snapshot(indicator), "plan_version": indicator.plan_version}
            )
        before = versions.snapshot(indicator)
        for name, value in cleaned.items():
            setattr(indicator, name, value)
        if indicator.direction == Indicator.Direction.RANGE and (
            indicator.range_low is None or indicator.range_high is None
        ):
            raise ActionError(
                "ตัวชี้วัดแบบช่วงต้องระบุค่าต่ำสุดและสูงสุด",
                "A range KPI needs its low and high values",
                field="range_low",
            )
        if rows is not None:
            set_milestones(indicator, rows)
        after = versions.snapshot(indicator)
        if same_definition(before, after):
            return indicator
        bump_definition(indicator)
        indicator.plan_version += 1
        indicator.save(update_fields=list(cleaned) + ["plan_version", "definition_version", "updated_at"])
        record(
            actor,
            "kpi.definition_update",
            indicator,
            before=before,
            after=versions.snapshot(indicator),
            indicator_code=indicator.code,
            source=source,
        )
    return indicator
