"""The rules every setup action shares: who may act on an agency's setup, and the
parsing of the values the actions take (numbers with Thai digits, quarterly plans,
weights, milestone tables, new KPI codes).

Split out of citykpi.planning.actions, which holds the writes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Q
from django.http import Http404

from citykpi.accounts import access
from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib.errors import ActionError, PermissionDenied
from citykpi.lib.thai import NumberParseError, format_number, parse_number
from citykpi.planning.models import DefinitionVersion, Setup
from citykpi.reporting.actions import get_quarter
from citykpi.reporting.models import QuarterReport

QUARTERS = (1, 2, 3, 4)

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
        raise PermissionDenied("เฉพาะผู้ประเมิน สยป. เท่านั้นที่ทำรายการนี้ได้ / Only the central evaluator may do this")


def _require_scope(actor, agency: Agency | int) -> None:
    """404 outside the actor's agencies (another agency's setup does not even show)."""
    _require_authenticated(actor)
    if not access.can_view_agency(actor, agency if isinstance(agency, int) else agency.pk):
        raise Http404("agency")


def _require_editor(actor, agency: Agency | int) -> None:
    _require_scope(actor, agency)
    if not can_edit_setup(actor, agency):
        raise PermissionDenied("บทบาทของคุณไม่มีสิทธิ์แก้ไขการตั้งค่าตัวชี้วัด / Your role may not change KPI setup")


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
        setup = (
            Setup.objects.select_for_update(of=("self",))
            .select_related("agency", "fiscal_year")
            .get(pk=setup.pk)
        )
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
    return get_quarter(indicator, quarter)


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
    found = {q.quarter: q.planned_target for q in QuarterReport.objects.filter(indicator=indicator)}
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


def _set_milestones(indicator: Indicator, rows: list[dict]) -> None:
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
        raise ActionError(
            f"{label_th}: ค่า “{value}” ไม่ถูกต้อง", f"{label_en}: “{value}” is not allowed", field=field_name
        )
    return value
