"""Every write of fiscal-year setup: templates and their assignment to agencies, carrying
a year forward, targets / quarterly plans / weights, and the proposal -> approval
negotiation with its freeze and reopen.

Each function checks permission (the agency acts only for itself; only the central
evaluator creates templates, assigns, counter-proposes, approves and reopens), runs in
one transaction and leaves audit rows. Pages, the API and commands call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from citykpi.accounts import access
from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.audit.log import record, snapshot as audit_snapshot
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib.errors import ActionError, ConflictError, PermissionDenied
from citykpi.lib.thai import NumberParseError, format_number, parse_number
from citykpi.planning import checks, versions
from citykpi.planning.models import DefinitionVersion, KpiTemplate, Setup
from citykpi.reporting.models import QuarterReport

QUARTERS = (1, 2, 3, 4)
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


# ---------------------------------------------------------------- permissions


def is_agency_member(user, agency: Agency | int) -> bool:
    """A reporter or head of the agency (or of an agency above it)."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return agency_id in access.agency_ids(user, Role.REPORTER, Role.HEAD)


def can_edit_setup(user, agency: Agency | int) -> bool:
    return access.is_evaluator(user) or is_agency_member(user, agency)


def _require_authenticated(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("ต้องเข้าสู่ระบบ / Log in first")


def _require_evaluator(actor) -> None:
    _require_authenticated(actor)
    if not access.is_evaluator(actor):
        raise PermissionDenied(
            "เฉพาะผู้ประเมิน สยป. เท่านั้นที่ทำรายการนี้ได้ / Only the central evaluator may do this"
        )


def _require_scope(actor, agency: Agency | int) -> None:
    """404 outside the actor's agencies (another agency's setup does not even show)."""
    _require_authenticated(actor)
    if not access.can_view_agency(actor, agency if isinstance(agency, int) else agency.pk):
        raise Http404("agency")


def _require_editor(actor, agency: Agency | int) -> None:
    _require_scope(actor, agency)
    if not can_edit_setup(actor, agency):
        raise PermissionDenied(
            "บทบาทของคุณไม่มีสิทธิ์แก้ไขการตั้งค่าตัวชี้วัด / Your role may not change KPI setup"
        )


# ---------------------------------------------------------------- helpers


def _number(value, field_name: str, label_th: str, label_en: str) -> Decimal | None:
    try:
        return parse_number(value)
    except NumberParseError:
        raise ActionError(
            f"{label_th}: “{value}” ไม่ใช่ตัวเลข",
            f"{label_en}: “{value}” is not a number",
            field=field_name,
        ) from None


def fiscal_year_of(year: FiscalYear | int | str) -> FiscalYear:
    if isinstance(year, FiscalYear):
        return year
    number = _number(year, "fiscal_year", "ปีงบประมาณ", "Fiscal year")
    try:
        return FiscalYear.objects.get(pk=int(number))
    except (FiscalYear.DoesNotExist, TypeError):
        raise ActionError(
            f"ไม่พบปีงบประมาณ {year}", f"Fiscal year {year} does not exist", field="fiscal_year"
        ) from None


def setup_of(agency: Agency, fiscal_year: FiscalYear | int, *, lock: bool = False) -> Setup:
    """The setup record of an agency and year, created as a draft when missing."""
    year_id = getattr(fiscal_year, "pk", fiscal_year)
    setup, _ = Setup.objects.get_or_create(agency=agency, fiscal_year_id=year_id)
    if lock:
        setup = Setup.objects.select_for_update(of=("self",)).select_related("agency", "fiscal_year").get(pk=setup.pk)
    return setup


def _frozen_error(setup: Setup) -> ActionError:
    return ActionError(
        f"ตัวชี้วัดของ {setup.agency.code} {setup.agency.name_th} ปีงบประมาณ {setup.fiscal_year_id} "
        "ได้รับอนุมัติแล้ว จึงแก้ไขไม่ได้ การเปลี่ยนแปลงต้องให้ สยป. เปิดให้แก้ไขพร้อมระบุเหตุผลก่อน",
        f"The KPIs of {setup.agency.code} for fiscal year {setup.fiscal_year_id} are approved and "
        "frozen; a change needs the central evaluator to reopen them with a reason first",
        field="state",
        state=setup.state,
    )


def _state_label(state: str) -> str:
    return Setup.State(state).label


def _check_may_edit(actor, setup: Setup) -> None:
    """Refuse a change while approved, or while the proposal is with the evaluator."""
    if setup.state == Setup.State.APPROVED:
        raise _frozen_error(setup)
    if not access.is_evaluator(actor) and setup.state not in Setup.AGENCY_EDITABLE:
        raise ActionError(
            "ได้เสนอค่าเป้าหมายแล้ว รอ สยป. พิจารณา จึงแก้ไขไม่ได้ในขณะนี้",
            "The targets are proposed and with the evaluator; they cannot be changed now",
            field="state",
            state=setup.state,
        )


def _bump_definition(indicator: Indicator) -> bool:
    """After a reopen, the first change to an approved definition starts a new version;
    reports made under the approved one keep pointing at its snapshot."""
    if DefinitionVersion.objects.filter(indicator=indicator, version=indicator.definition_version).exists():
        indicator.definition_version += 1
        return True
    return False


def _quarter(indicator: Indicator, quarter: int) -> QuarterReport:
    try:
        from citykpi.reporting.actions import get_quarter
    except ImportError:  # the workflow's helper is optional here
        get_quarter = None
    if get_quarter is not None:
        return get_quarter(indicator, quarter)
    return QuarterReport.objects.get_or_create(
        indicator=indicator,
        quarter=quarter,
        defaults={"definition_version": indicator.definition_version},
    )[0]


def _set_plan(indicator: Indicator, plan: dict[int, Decimal | None]) -> None:
    existing = {q.quarter: q for q in QuarterReport.objects.filter(indicator=indicator)}
    for quarter in QUARTERS:
        if quarter not in plan:
            continue
        report = existing.get(quarter) or _quarter(indicator, quarter)
        if report.planned_target != plan[quarter]:
            report.planned_target = plan[quarter]
            report.save(update_fields=["planned_target"])


def _plan_dict(indicator: Indicator) -> dict[str, str | None]:
    found = {
        q.quarter: q.planned_target for q in QuarterReport.objects.filter(indicator=indicator)
    }
    return {str(q): (str(found[q]) if found.get(q) is not None else None) for q in QUARTERS}


def _parse_plan(plan: dict | Sequence | None) -> dict[int, Decimal | None]:
    if plan is None:
        return {}
    if not isinstance(plan, dict):
        plan = dict(zip(QUARTERS, plan, strict=False))
    parsed: dict[int, Decimal | None] = {}
    for key, value in plan.items():
        quarter = int(str(key).lstrip("qQ"))
        if quarter not in QUARTERS:
            raise ActionError("ไตรมาสต้องเป็น 1-4", "A quarter must be 1-4", field="plan")
        parsed[quarter] = _number(
            value, f"plan_q{quarter}", f"เป้าหมายสะสมไตรมาสที่ {quarter}", f"Quarter {quarter} plan"
        )
    return parsed


def _parse_weight(value) -> Decimal | None:
    weight = _number(value, "weight", "น้ำหนัก", "Weight")
    if weight is not None and not (Decimal("0") <= weight <= Decimal("100")):
        raise ActionError(
            f"น้ำหนักต้องอยู่ระหว่าง 0 ถึง 100 (ได้รับ {format_number(weight)})",
            f"The weight must be between 0 and 100 (got {format_number(weight)})",
            field="weight",
        )
    return weight


def _milestone_rows(levels: Iterable[dict]) -> list[dict]:
    rows = []
    seen = set()
    for raw in levels or []:
        level = _number(raw.get("level"), "milestone_levels", "ระดับ", "Level")
        percent = _number(raw.get("percent"), "milestone_levels", "ร้อยละ", "Percent")
        points = _number(raw.get("points", 0), "milestone_levels", "คะแนน", "Points")
        if level is None or not (1 <= level <= 10) or level != level.to_integral_value():
            raise ActionError("ระดับต้องเป็นจำนวนเต็ม 1-10", "A level must be a whole number 1-10",
                              field="milestone_levels")
        if percent is None or not (0 <= percent <= 100):
            raise ActionError(f"ระดับ {level}: ร้อยละต้องอยู่ระหว่าง 0-100",
                              f"Level {level}: the percent must be 0-100", field="milestone_levels")
        if int(level) in seen:
            raise ActionError(f"ระดับ {level} ซ้ำ", f"Level {level} appears twice", field="milestone_levels")
        seen.add(int(level))
        rows.append({"level": int(level), "percent": str(percent), "points": str(points or 0),
                     "description": str(raw.get("description", "")).strip()})
    return sorted(rows, key=lambda r: r["level"])


def _set_milestones(indicator: Indicator, rows: list[dict]) -> None:
    indicator.milestone_levels.all().delete()
    MilestoneLevel.objects.bulk_create(
        MilestoneLevel(indicator=indicator, level=r["level"], description=r["description"],
                       percent=Decimal(r["percent"]), points=Decimal(r["points"]))
        for r in rows
    )


def _next_codes(agencies: Sequence[Agency]) -> dict[int, int]:
    """The next free serial per agency: serials are unique across years."""
    if not agencies:
        return {}
    query = Q()
    for agency in agencies:
        query |= Q(code__startswith=f"{agency.code}-")
    highest: dict[str, int] = {}
    for code in Indicator.objects.filter(query).values_list("code", flat=True):
        prefix, _, serial = code.partition("-")
        if serial.isdigit():
            highest[prefix] = max(highest.get(prefix, 0), int(serial))
    return {a.pk: highest.get(a.code, 0) + 1 for a in agencies}


def _new_code(agency: Agency, serials: dict[int, int]) -> str:
    serial = serials[agency.pk]
    serials[agency.pk] = serial + 1
    return f"{agency.code}-{serial:04d}"


def _ensure_unit(unit) -> Unit | None:
    if unit is None or unit == "" or isinstance(unit, Unit):
        return unit or None
    try:
        return Unit.objects.get(pk=int(unit))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise ActionError("ไม่พบหน่วยนับนี้", "Unknown unit", field="unit") from None


def _choice(value, choices, field_name: str, label_th: str, label_en: str) -> str:
    if value not in choices.values:
        raise ActionError(f"{label_th}: ค่า “{value}” ไม่ถูกต้อง", f"{label_en}: “{value}” is not allowed",
                          field=field_name)
    return value


# ---------------------------------------------------------------- templates


def _clean_template_fields(values: dict[str, Any]) -> dict[str, Any]:
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


def _template_state(template: KpiTemplate) -> dict[str, Any]:
    data = audit_snapshot(template, TEMPLATE_FIELDS + ["version"])
    data["milestone_levels"] = template.milestone_levels
    data["strategy_nodes"] = sorted(template.strategy_nodes.values_list("pk", flat=True))
    return data


def create_template(
    actor, *, strategy_nodes: Iterable = (), milestone_levels: Iterable[dict] = (), source: str = "web",
    **values: Any,
) -> KpiTemplate:
    _require_evaluator(actor)
    cleaned = _clean_template_fields(values)
    if not cleaned.get("name"):
        raise ActionError("ต้องระบุชื่อตัวชี้วัด", "The KPI name is required", field="name")
    rows = _milestone_rows(milestone_levels)
    with transaction.atomic():
        template = KpiTemplate.objects.create(created_by=actor, milestone_levels=rows, **cleaned)
        template.strategy_nodes.set(list(strategy_nodes))
        record(actor, "template.create", template, after=_template_state(template), source=source)
    return template


@dataclass
class TemplateChange:
    template: KpiTemplate
    updated: list[str] = field(default_factory=list)  # codes of assignments that took the change
    frozen: list[str] = field(default_factory=list)  # codes of approved assignments left as they are


def update_template(
    actor, template: KpiTemplate, *, version: int | None = None, strategy_nodes: Iterable | None = None,
    milestone_levels: Iterable[dict] | None = None, source: str = "web", **values: Any,
) -> TemplateChange:
    """Change a template; the change reaches its assignments whose setup is not approved."""
    _require_evaluator(actor)
    cleaned = _clean_template_fields(values)
    rows = _milestone_rows(milestone_levels) if milestone_levels is not None else None
    with transaction.atomic():
        template = KpiTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
        if version is not None and int(version) != template.version:
            raise ConflictError(current=_template_state(template))
        before = _template_state(template)
        for name, value in cleaned.items():
            setattr(template, name, value)
        if rows is not None:
            template.milestone_levels = rows
        template.version += 1
        template.save()
        if strategy_nodes is not None:
            template.strategy_nodes.set(list(strategy_nodes))
        after = _template_state(template)
        record(actor, "template.update", template, before=before, after=after, source=source)
        change = TemplateChange(template)
        approved = set(
            Setup.objects.filter(state=Setup.State.APPROVED).values_list("agency_id", "fiscal_year_id")
        )
        node_ids = list(template.strategy_nodes.values_list("pk", flat=True))
        assignments = Indicator.objects.select_for_update(of=("self",)).filter(template=template).select_related("agency")
        for indicator in assignments.order_by("code"):
            if (indicator.agency_id, indicator.fiscal_year_id) in approved:
                change.frozen.append(indicator.code)
                continue
            if _apply_template(actor, template, indicator, node_ids, source=source):
                change.updated.append(indicator.code)
    return change


def _apply_template(actor, template: KpiTemplate, indicator: Indicator, node_ids: list[int], *,
                    source: str) -> bool:
    """Push the template's definition into one assignment; False when it already matched."""
    before = versions.snapshot(indicator)
    for name in TEMPLATE_FIELDS:
        setattr(indicator, name, getattr(template, name))
    indicator.strategy_nodes.set(node_ids)
    _set_milestones(indicator, template.milestone_levels)
    after = versions.snapshot(indicator)
    if _same_definition(before, after):
        return False
    _bump_definition(indicator)
    indicator.plan_version += 1
    indicator.save(update_fields=TEMPLATE_FIELDS + ["definition_version", "plan_version", "updated_at"])
    record(actor, "kpi.template_change", indicator, before=before, after=versions.snapshot(indicator),
           indicator_code=indicator.code, source=source)
    return True


def _same_definition(before: dict, after: dict) -> bool:
    return {k: v for k, v in before.items() if k != "version"} == {
        k: v for k, v in after.items() if k != "version"
    }


def assign_template(
    actor, template: KpiTemplate, *, fiscal_year: FiscalYear | int, agencies: Iterable[Agency],
    target=None, plan: dict | Sequence | None = None, weight=None, source: str = "web",
) -> list[Indicator]:
    """Assign a template to many agencies at once: one new KPI per agency, each with its
    own code, target, quarterly plan and weight (the values given here, to be adjusted
    per agency afterwards)."""
    _require_evaluator(actor)
    year = fiscal_year_of(fiscal_year)
    agencies = sorted({a.pk: a for a in agencies}.values(), key=lambda a: a.code)
    if not agencies:
        raise ActionError("เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน", "Choose at least one agency", field="agencies")
    target_value = _number(target, "target", "ค่าเป้าหมาย", "Target")
    plan_values = _parse_plan(plan)
    weight_value = _parse_weight(weight)
    with transaction.atomic():
        template = KpiTemplate.objects.get(pk=template.pk)
        already = set(
            Indicator.objects.filter(template=template, fiscal_year=year, agency__in=agencies)
            .values_list("agency__code", flat=True)
        )
        if already:
            codes = ", ".join(sorted(already))
            raise ActionError(
                f"หน่วยงาน {codes} ได้รับตัวชี้วัดนี้ในปีงบประมาณ {year.pk} แล้ว",
                f"Agencies {codes} already carry this KPI in fiscal year {year.pk}",
                field="agencies",
            )
        frozen = Setup.objects.filter(fiscal_year=year, agency__in=agencies, state=Setup.State.APPROVED)
        frozen_codes = sorted(s.agency.code for s in frozen.select_related("agency"))
        if frozen_codes:
            codes = ", ".join(frozen_codes)
            raise ActionError(
                f"ตัวชี้วัดปีงบประมาณ {year.pk} ของหน่วยงาน {codes} ได้รับอนุมัติแล้ว "
                "ต้องให้ สยป. เปิดให้แก้ไขก่อนเพิ่มตัวชี้วัด",
                f"The fiscal year {year.pk} KPIs of {codes} are approved; reopen them before adding a KPI",
                field="agencies",
            )
        serials = _next_codes(agencies)
        node_ids = list(template.strategy_nodes.values_list("pk", flat=True))
        created = []
        for agency in agencies:
            setup_of(agency, year)
            indicator = Indicator.objects.create(
                code=_new_code(agency, serials),
                agency=agency,
                fiscal_year=year,
                template=template,
                target=target_value,
                weight=weight_value,
                is_negotiated=True,
                **{name: getattr(template, name) for name in TEMPLATE_FIELDS},
            )
            indicator.strategy_nodes.set(node_ids)
            _set_milestones(indicator, template.milestone_levels)
            _set_plan(indicator, {q: plan_values.get(q) for q in QUARTERS})
            record(actor, "kpi.assign", indicator, after=versions.snapshot(indicator),
                   indicator_code=indicator.code, source=source,
                   reason=f"template {template.pk}")
            created.append(indicator)
        record(actor, "template.assign", template,
               after={"fiscal_year": year.pk, "codes": [i.code for i in created]}, source=source)
    return created


# ---------------------------------------------------------------- targets, plans, weights, definitions


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
    actor, indicator: Indicator, *, target=_UNSET, plan: dict | Sequence | None = None, weight=_UNSET,
    version: int | None = None, note: str = "", source: str = "web",
) -> Indicator:
    """Set a KPI's annual target, planned cumulative targets per quarter and weight.

    The agency changes its own KPIs while the setup is open to it; the evaluator's change
    to a proposal is a counter-proposal (recorded, and the setup state says so)."""
    _require_editor(actor, indicator.agency_id)
    target_value = _number(target, "target", "ค่าเป้าหมาย", "Target") if target is not _UNSET else _UNSET
    plan_values = _parse_plan(plan)
    weight_value = _parse_weight(weight) if weight is not _UNSET else _UNSET
    with transaction.atomic():
        indicator = _lock_indicator(indicator)
        setup = setup_of(indicator.agency, indicator.fiscal_year, lock=True)
        _check_may_edit(actor, setup)
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
        _bump_definition(indicator)
        indicator.plan_version += 1
        indicator.save(update_fields=["target", "weight", "plan_version", "definition_version", "updated_at"])
        _set_plan(indicator, changed_plan)
        indicator.refresh_from_db(fields=["target", "weight"])  # stored precision in the audit row
        counter = access.is_evaluator(actor) and not is_agency_member(actor, indicator.agency_id) and (
            setup.state in (Setup.State.PROPOSED, Setup.State.COMMENTED, Setup.State.COUNTER_PROPOSED)
        )
        action = "plan.counter_propose" if counter else "plan.update"
        record(actor, action, indicator, before=before, after=_plan_state(indicator), reason=note,
               indicator_code=indicator.code, source=source)
        if counter and setup.state != Setup.State.COUNTER_PROPOSED:
            _set_state(actor, setup, Setup.State.COUNTER_PROPOSED, action="setup.counter_propose",
                       reason=note or f"{indicator.code}", source=source)
    return indicator


def _dec(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


def update_definition(
    actor, indicator: Indicator, *, version: int | None = None, milestone_levels: Iterable[dict] | None = None,
    source: str = "web", **values: Any,
) -> Indicator:
    """Change a KPI's own definition (name, unit, direction, method texts, levels)."""
    _require_editor(actor, indicator.agency_id)
    unknown = set(values) - set(EDITABLE_DEFINITION_FIELDS)
    if unknown:
        raise ActionError("มีช่องข้อมูลที่แก้ไขไม่ได้", f"Fields that cannot be changed: {', '.join(sorted(unknown))}",
                          field=sorted(unknown)[0])
    template_values = {k: v for k, v in values.items() if k in TEMPLATE_FIELDS}
    cleaned = _clean_template_fields(template_values)
    for name in ("list_label",):
        if name in values:
            cleaned[name] = (values[name] or "").strip()
    for name in ("range_low", "range_high"):
        if name in values:
            cleaned[name] = _number(values[name], name, "ช่วงค่า", "Range")
    rows = _milestone_rows(milestone_levels) if milestone_levels is not None else None
    with transaction.atomic():
        indicator = _lock_indicator(indicator)
        setup = setup_of(indicator.agency, indicator.fiscal_year, lock=True)
        _check_may_edit(actor, setup)
        if version is not None and int(version) != indicator.plan_version:
            raise ConflictError(current={**versions.snapshot(indicator), "plan_version": indicator.plan_version})
        before = versions.snapshot(indicator)
        for name, value in cleaned.items():
            setattr(indicator, name, value)
        if indicator.direction == Indicator.Direction.RANGE and (
            indicator.range_low is None or indicator.range_high is None
        ):
            raise ActionError("ตัวชี้วัดแบบช่วงต้องระบุค่าต่ำสุดและสูงสุด",
                              "A range KPI needs its low and high values", field="range_low")
        if rows is not None:
            _set_milestones(indicator, rows)
        after = versions.snapshot(indicator)
        if _same_definition(before, after):
            return indicator
        _bump_definition(indicator)
        indicator.plan_version += 1
        indicator.save(update_fields=list(cleaned) + ["plan_version", "definition_version", "updated_at"])
        record(actor, "kpi.definition_update", indicator, before=before, after=versions.snapshot(indicator),
               indicator_code=indicator.code, source=source)
    return indicator


# ---------------------------------------------------------------- the negotiation


def _set_state(actor, setup: Setup, state: str, *, action: str, reason: str = "", source: str,
               extra_fields: Sequence[str] = ()) -> Setup:
    before = {"state": setup.state, "version": setup.version}
    setup.state = state
    setup.version += 1
    if reason:
        setup.last_note = reason
    setup.save(update_fields=["state", "version", "last_note", "updated_at", *extra_fields])
    record(actor, action, setup, before=before, after={"state": setup.state, "version": setup.version},
           reason=reason, source=source)
    return setup


def _blocking(setup: Setup, verb_th: str, verb_en: str) -> None:
    findings = checks.check_setup(setup.agency, setup.fiscal_year_id)
    errors = checks.errors(findings)
    if not Indicator.objects.filter(agency=setup.agency, fiscal_year_id=setup.fiscal_year_id).exists():
        raise ActionError(
            f"{setup.agency.code} ยังไม่มีตัวชี้วัดในปีงบประมาณ {setup.fiscal_year_id}",
            f"{setup.agency.code} has no KPIs in fiscal year {setup.fiscal_year_id}",
            field="indicators",
        )
    if errors:
        first = errors[0]
        raise ActionError(
            f"{verb_th}ไม่ได้: พบข้อผิดพลาด {len(errors)} รายการ เช่น {first.message_th}",
            f"Cannot {verb_en}: {len(errors)} errors, e.g. {first.message_en}",
            field=first.field or None,
            findings=[f.as_dict() for f in errors],
        )


def propose(actor, setup: Setup, *, source: str = "web") -> Setup:
    """The agency proposes its targets, plans and weights to the evaluator."""
    _require_scope(actor, setup.agency_id)
    if not is_agency_member(actor, setup.agency_id):
        raise PermissionDenied(
            "เฉพาะผู้รายงานผลหรือผู้บริหารของหน่วยงานนี้เท่านั้นที่เสนอได้ / "
            "Only this agency's reporters and head may propose"
        )
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state not in Setup.PROPOSABLE:
            if setup.state == Setup.State.APPROVED:
                raise _frozen_error(setup)
            raise ActionError(
                f"เสนอไม่ได้ในสถานะ “{_state_label(setup.state)}”",
                f"Cannot propose in state “{_state_label(setup.state)}”",
                field="state",
            )
        _blocking(setup, "เสนอ", "propose")
        setup.proposed_at = timezone.now()
        setup.proposed_by = actor
        _set_state(actor, setup, Setup.State.PROPOSED, action="setup.propose", source=source,
                   extra_fields=["proposed_at", "proposed_by"])
    return setup


def comment(actor, setup: Setup, *, text: str, source: str = "web") -> Setup:
    """A comment in the negotiation; the evaluator's comment on a proposal sends it back."""
    _require_editor(actor, setup.agency_id)
    text = (text or "").strip()
    if not text:
        raise ActionError("ต้องระบุข้อความ", "The comment is empty", field="text")
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        evaluator = access.is_evaluator(actor)
        if evaluator and setup.state in (Setup.State.PROPOSED, Setup.State.COUNTER_PROPOSED):
            _set_state(actor, setup, Setup.State.COMMENTED, action="setup.comment", reason=text, source=source)
        else:
            setup.last_note = text
            setup.save(update_fields=["last_note", "updated_at"])
            record(actor, "setup.comment", setup, reason=text, after={"state": setup.state}, source=source)
    return setup


def approve(actor, setup: Setup, *, source: str = "web") -> Setup:
    """The evaluator approves: each KPI's definition is frozen as a DefinitionVersion."""
    _require_evaluator(actor)
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state not in Setup.APPROVABLE:
            raise ActionError(
                f"อนุมัติไม่ได้ในสถานะ “{_state_label(setup.state)}” (หน่วยงานต้องเสนอก่อน)",
                f"Cannot approve in state “{_state_label(setup.state)}” (the agency proposes first)",
                field="state",
            )
        _blocking(setup, "อนุมัติ", "approve")
        indicators = (
            Indicator.objects.select_for_update(of=("self",))
            .filter(agency=setup.agency, fiscal_year_id=setup.fiscal_year_id)
            .select_related("unit")
            .order_by("code")
        )
        have = set(
            DefinitionVersion.objects.filter(indicator__in=indicators).values_list("indicator_id", "version")
        )
        for indicator in indicators:
            if (indicator.pk, indicator.definition_version) in have:
                continue  # reopened and approved again without a change: the same version stands
            frozen = DefinitionVersion.objects.create(
                indicator=indicator, version=indicator.definition_version,
                snapshot=versions.snapshot(indicator), approved_by=actor,
            )
            record(actor, "definition.approve", frozen, after={"version": frozen.version},
                   indicator_code=indicator.code, source=source)
        setup.approved_at = timezone.now()
        setup.approved_by = actor
        _set_state(actor, setup, Setup.State.APPROVED, action="setup.approve", source=source,
                   extra_fields=["approved_at", "approved_by"])
    return setup


def reopen(actor, setup: Setup, *, reason: str, source: str = "web") -> Setup:
    """The evaluator reopens an approved setup, with a reason, so that it may change."""
    _require_evaluator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("ต้องระบุเหตุผลในการเปิดให้แก้ไข", "A reason for reopening is required", field="reason")
    with transaction.atomic():
        setup = setup_of(setup.agency, setup.fiscal_year_id, lock=True)
        if setup.state != Setup.State.APPROVED:
            raise ActionError(
                f"เปิดให้แก้ไขได้เฉพาะที่อนุมัติแล้ว (สถานะปัจจุบัน “{_state_label(setup.state)}”)",
                f"Only an approved setup can be reopened (it is “{_state_label(setup.state)}”)",
                field="state",
            )
        _set_state(actor, setup, Setup.State.REOPENED, action="setup.reopen", reason=reason, source=source)
        for code in Indicator.objects.filter(agency=setup.agency, fiscal_year_id=setup.fiscal_year_id).values_list(
            "code", flat=True
        ):
            record(actor, "kpi.reopen", setup, reason=reason, indicator_code=code, source=source)
    return setup


# ---------------------------------------------------------------- carry forward


@dataclass
class CarryResult:
    fiscal_year: FiscalYear
    created: list[Indicator] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # codes already carried forward


def propose_target(previous: Indicator) -> Decimal | None:
    """Next year's target from last year: at least last year's target, raised to the last
    reported result for higher-is-better (lowered to it for lower-is-better)."""
    last_target = previous.target
    result = checks.last_result(previous)
    if previous.scoring_method == Indicator.Method.MILESTONE or previous.direction == Indicator.Direction.RANGE:
        return last_target
    if result is None:
        return last_target
    if last_target is None:
        return result
    if previous.direction == Indicator.Direction.LOWER:
        return min(last_target, result)
    return max(last_target, result)


def propose_plan(previous: Indicator, target: Decimal | None) -> dict[int, Decimal | None]:
    """Quarterly plan for the new target: last year's shape scaled, else an even rise."""
    if target is None:
        return {q: None for q in QUARTERS}
    old = checks.plan_values(previous)
    cent = Decimal("0.01")
    if all(v is not None for v in old.values()) and previous.target and old[4] == previous.target:
        ratio = target / previous.target
        plan = {q: (old[q] * ratio).quantize(cent) for q in (1, 2, 3)}
    elif previous.direction == Indicator.Direction.HIGHER:
        plan = {q: (target * q / 4).quantize(cent) for q in (1, 2, 3)}
    else:
        plan = {q: target for q in (1, 2, 3)}
    plan[4] = target
    return plan


def carry_forward(
    actor, *, from_year: FiscalYear | int, to_year: int, agencies: Iterable[Agency] | None = None,
    template: KpiTemplate | None = None, source: str = "web",
) -> CarryResult:
    """Start `to_year` from `from_year`: every KPI of the agencies (or of the template,
    across agencies) gets a new KPI with a new code, its definition, milestone levels
    and strategy links copied, and a target and plan proposed from last year's results.
    Nothing of `from_year` is changed; KPIs already carried forward are skipped."""
    _require_authenticated(actor)
    previous_year = fiscal_year_of(from_year)
    agencies = list(agencies) if agencies is not None else None
    if not access.is_evaluator(actor):
        # An agency may start its own next year; the citywide and template modes are the evaluator's.
        if template is not None or not agencies or any(not is_agency_member(actor, a) for a in agencies):
            raise PermissionDenied(
                "เฉพาะ สยป. หรือหน่วยงานเจ้าของตัวชี้วัดเท่านั้น / Only the evaluator or the agency itself"
            )
    target_year = _number(to_year, "to_year", "ปีงบประมาณใหม่", "New fiscal year")
    if target_year is None or int(target_year) <= previous_year.pk:
        raise ActionError(
            f"ปีงบประมาณใหม่ต้องมากกว่า {previous_year.pk}",
            f"The new fiscal year must be after {previous_year.pk}",
            field="to_year",
        )
    sources = Indicator.objects.filter(fiscal_year=previous_year)
    if agencies is not None:
        sources = sources.filter(agency__in=agencies)
    if template is not None:
        sources = sources.filter(template=template)
    sources = (
        sources.select_related("agency", "unit", "template")
        .prefetch_related("quarters", "milestone_levels", "strategy_nodes")
        .order_by("agency__code", "code")
    )
    with transaction.atomic():
        year, made = FiscalYear.objects.get_or_create(
            pk=int(target_year), defaults={"is_published": False}
        )
        if made:
            record(actor, "fiscal_year.create", year, after={"year": year.pk}, source=source)
        result = CarryResult(year)
        items = list(sources)
        done = set(
            Indicator.objects.filter(fiscal_year=year, carried_from__in=items).values_list("carried_from_id", flat=True)
        )
        todo = [i for i in items if i.pk not in done]
        result.skipped = [i.code for i in items if i.pk in done]
        frozen = set(
            Setup.objects.filter(fiscal_year=year, state=Setup.State.APPROVED,
                                 agency__in={i.agency_id for i in todo}).values_list("agency__code", flat=True)
        )
        if frozen:
            codes = ", ".join(sorted(frozen))
            raise ActionError(
                f"ตัวชี้วัดปีงบประมาณ {year.pk} ของหน่วยงาน {codes} ได้รับอนุมัติแล้ว",
                f"The fiscal year {year.pk} KPIs of {codes} are already approved",
                field="agencies",
            )
        serials = _next_codes(list({i.agency_id: i.agency for i in todo}.values()))
        copied = [
            "list_label", "name", "name_en", "unit", "target_text", "direction", "range_low", "range_high",
            "kpi_type", "result_level", "definition", "calculation_method", "scoring_method", "scoring_config",
            "data_collection", "weight", "dimension_id", "is_negotiated", "template", "is_published",
        ]
        for previous in todo:
            setup_of(previous.agency, year)
            target = propose_target(previous)
            indicator = Indicator.objects.create(
                code=_new_code(previous.agency, serials),
                agency=previous.agency,
                fiscal_year=year,
                carried_from=previous,
                target=target,
                **{name: getattr(previous, name) for name in copied},
            )
            indicator.strategy_nodes.set(list(previous.strategy_nodes.all()))
            MilestoneLevel.objects.bulk_create(
                MilestoneLevel(indicator=indicator, level=m.level, description=m.description,
                               percent=m.percent, points=m.points)
                for m in previous.milestone_levels.all()
            )
            _set_plan(indicator, propose_plan(previous, target))
            record(actor, "kpi.carry_forward", indicator, after=versions.snapshot(indicator),
                   reason=f"from {previous.code}", indicator_code=indicator.code, source=source)
            result.created.append(indicator)
    return result
