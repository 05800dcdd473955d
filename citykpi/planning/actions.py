"""Every write of fiscal-year setup: templates and their assignment to agencies, carrying
a year forward, targets / quarterly plans / weights, and the proposal -> approval
negotiation with its freeze and reopen.

Each function checks permission (the agency acts only for itself; only the central
evaluator creates templates, assigns, counter-proposes, approves and reopens), runs in
one transaction and leaves audit rows. Pages, the API and commands call these functions.
The permission rules and value parsing they share live in citykpi.planning.rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.audit.log import snapshot as audit_snapshot
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel
from citykpi.lib.errors import ActionError, ConflictError, PermissionDenied
from citykpi.planning import checks, versions
from citykpi.planning.models import DefinitionVersion, KpiTemplate, Setup

# The shared rules; the public ones (is_agency_member, can_edit_setup, fiscal_year_of,
# setup_of) stay reachable as actions.<name> for the pages, the API and the tests.
from citykpi.planning.rules import (  # noqa: F401
    QUARTERS,
    _bump_definition,
    _check_may_edit,
    _choice,
    _ensure_unit,
    _frozen_error,
    _milestone_rows,
    _new_code,
    _next_codes,
    _number,
    _parse_plan,
    _parse_weight,
    _plan_dict,
    _require_authenticated,
    _require_editor,
    _require_evaluator,
    _require_scope,
    _set_milestones,
    _set_plan,
    _state_label,
    can_edit_setup,
    fiscal_year_of,
    is_agency_member,
    setup_of,
)

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
    actor,
    *,
    strategy_nodes: Iterable = (),
    milestone_levels: Iterable[dict] = (),
    source: str = "web",
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
    actor,
    template: KpiTemplate,
    *,
    version: int | None = None,
    strategy_nodes: Iterable | None = None,
    milestone_levels: Iterable[dict] | None = None,
    source: str = "web",
    **values: Any,
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
        assignments = (
            Indicator.objects.select_for_update(of=("self",))
            .filter(template=template)
            .select_related("agency")
        )
        for indicator in assignments.order_by("code"):
            if (indicator.agency_id, indicator.fiscal_year_id) in approved:
                change.frozen.append(indicator.code)
                continue
            if _apply_template(actor, template, indicator, node_ids, source=source):
                change.updated.append(indicator.code)
    return change


def _apply_template(
    actor, template: KpiTemplate, indicator: Indicator, node_ids: list[int], *, source: str
) -> bool:
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
    record(
        actor,
        "kpi.template_change",
        indicator,
        before=before,
        after=versions.snapshot(indicator),
        indicator_code=indicator.code,
        source=source,
    )
    return True


def _same_definition(before: dict, after: dict) -> bool:
    return {k: v for k, v in before.items() if k != "version"} == {
        k: v for k, v in after.items() if k != "version"
    }


def assign_template(
    actor,
    template: KpiTemplate,
    *,
    fiscal_year: FiscalYear | int,
    agencies: Iterable[Agency],
    target=None,
    plan: dict | Sequence | None = None,
    weight=None,
    skip_existing: bool = False,
    source: str = "web",
) -> list[Indicator]:
    """Assign a template to many agencies at once: one new KPI per agency, each with its
    own code, target, quarterly plan and weight (the values given here, to be adjusted
    per agency afterwards).

    An agency that already carries the template in that year is refused, or with
    skip_existing left out (cascading to "all districts" when a dozen have it already
    from last year); the KPIs created are returned."""
    _require_evaluator(actor)
    year = fiscal_year_of(fiscal_year)
    agencies = sorted({a.pk: a for a in agencies}.values(), key=lambda a: a.code)
    if not agencies:
        raise ActionError("เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน", "Choose at least one agency", field="agencies")
    target_value = _number(target, "target", "ค่าเป้าหมาย", "Target")
    plan_values = _parse_plan(plan)
    weight_value = _parse_weight(weight)
    with transaction.atomic():
        # Locked so that a deactivation cannot slip in between the check and the assignment.
        template = KpiTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
        if not template.is_active:
            raise _inactive_error(template)
        already = set(
            Indicator.objects.filter(template=template, fiscal_year=year, agency__in=agencies).values_list(
                "agency__code", flat=True
            )
        )
        if already and skip_existing:
            agencies = [a for a in agencies if a.code not in already]
        if already and (not skip_existing or not agencies):
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
                f"ตัวชี้วัดปีงบประมาณ {year.pk} ของหน่วยงาน {codes} ได้รับอนุมัติแล้ว ต้องให้ สยป. เปิดให้แก้ไขก่อนเพิ่มตัวชี้วัด",
                f"The fiscal year {year.pk} KPIs of {codes} are approved; reopen them before adding a KPI",
                field="agencies",
            )
        serials = _next_codes(agencies)
        node_ids = list(template.strategy_nodes.values_list("pk", flat=True))
        # The new KPI comes last in each agency's list ("6." after five KPIs).
        carried = Counter(
            Indicator.objects.filter(fiscal_year=year, agency__in=agencies).values_list(
                "agency_id", flat=True
            )
        )
        created = []
        for agency in agencies:
            setup_of(agency, year)
            indicator = Indicator.objects.create(
                code=_new_code(agency, serials),
                list_label=f"{carried[agency.pk] + 1}.",
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
            record(
                actor,
                "kpi.assign",
                indicator,
                after=versions.snapshot(indicator),
                indicator_code=indicator.code,
                source=source,
                reason=f"template {template.pk}",
            )
            created.append(indicator)
        record(
            actor,
            "template.assign",
            template,
            after={"fiscal_year": year.pk, "codes": [i.code for i in created]},
            source=source,
        )
    return created


def set_template_active(
    actor, template: KpiTemplate, *, active: bool, reason: str = "", source: str = "web"
) -> KpiTemplate:
    """Deactivate a template (it can no longer be assigned or carried forward as a
    template) or bring it back. Its existing assignments are not touched."""
    _require_evaluator(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        template = KpiTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
        if template.is_active == active:
            return template  # already so: no version bump, no audit row
        before = {"is_active": template.is_active, "version": template.version}
        template.is_active = active
        template.version += 1
        template.save(update_fields=["is_active", "version", "updated_at"])
        record(
            actor,
            "template.activate" if active else "template.deactivate",
            template,
            before=before,
            after={"is_active": template.is_active, "version": template.version},
            reason=reason,
            source=source,
        )
    return template


def _inactive_error(template: KpiTemplate) -> ActionError:
    return ActionError(
        f"ตัวชี้วัดต้นแบบ “{template.name[:60]}” ถูกยกเลิกการใช้งานแล้ว จึงมอบหมายไม่ได้ (เปิดใช้งานอีกครั้งที่หน้าตัวชี้วัดต้นแบบ)",
        f"The template “{template.name_en or template.name[:60]}” is deactivated and cannot be assigned "
        "(activate it again on the template's page)",
        field="template",
    )


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
    actor,
    indicator: Indicator,
    *,
    target=_UNSET,
    plan: dict | Sequence | None = None,
    weight=_UNSET,
    version: int | None = None,
    note: str = "",
    source: str = "web",
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
        counter = (
            access.is_evaluator(actor)
            and not is_agency_member(actor, indicator.agency_id)
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
            _set_state(
                actor,
                setup,
                Setup.State.COUNTER_PROPOSED,
                action="setup.counter_propose",
                reason=note or f"{indicator.code}",
                source=source,
            )
    return indicator


def _dec(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


def update_definition(
    actor,
    indicator: Indicator,
    *,
    version: int | None = None,
    milestone_levels: Iterable[dict] | None = None,
    source: str = "web",
    **values: Any,
) -> Indicator:
    """Change a KPI's own definition (name, unit, direction, method texts, levels)."""
    _require_editor(actor, indicator.agency_id)
    unknown = set(values) - set(EDITABLE_DEFINITION_FIELDS)
    if unknown:
        raise ActionError(
            "มีช่องข้อมูลที่แก้ไขไม่ได้",
            f"Fields that cannot be changed: {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
        )
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
            _set_milestones(indicator, rows)
        after = versions.snapshot(indicator)
        if _same_definition(before, after):
            return indicator
        _bump_definition(indicator)
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


# ---------------------------------------------------------------- the negotiation


def _set_state(
    actor,
    setup: Setup,
    state: str,
    *,
    action: str,
    reason: str = "",
    source: str,
    extra_fields: Sequence[str] = (),
) -> Setup:
    before = {"state": setup.state, "version": setup.version}
    setup.state = state
    setup.version += 1
    if reason:
        setup.last_note = reason
    setup.save(update_fields=["state", "version", "last_note", "updated_at", *extra_fields])
    record(
        actor,
        action,
        setup,
        before=before,
        after={"state": setup.state, "version": setup.version},
        reason=reason,
        source=source,
    )
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
        _set_state(
            actor,
            setup,
            Setup.State.PROPOSED,
            action="setup.propose",
            source=source,
            extra_fields=["proposed_at", "proposed_by"],
        )
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
            _set_state(
                actor, setup, Setup.State.COMMENTED, action="setup.comment", reason=text, source=source
            )
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
                indicator=indicator,
                version=indicator.definition_version,
                snapshot=versions.snapshot(indicator),
                approved_by=actor,
            )
            record(
                actor,
                "definition.approve",
                frozen,
                after={"version": frozen.version},
                indicator_code=indicator.code,
                source=source,
            )
        setup.approved_at = timezone.now()
        setup.approved_by = actor
        _set_state(
            actor,
            setup,
            Setup.State.APPROVED,
            action="setup.approve",
            source=source,
            extra_fields=["approved_at", "approved_by"],
        )
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
        for code in Indicator.objects.filter(
            agency=setup.agency, fiscal_year_id=setup.fiscal_year_id
        ).values_list("code", flat=True):
            record(actor, "kpi.reopen", setup, reason=reason, indicator_code=code, source=source)
    return setup


# ---------------------------------------------------------------- carry forward


@dataclass
class CarryResult:
    fiscal_year: FiscalYear
    created: list[Indicator] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # codes already carried forward
    dry_run: bool = False  # True: nothing was kept


def propose_target(previous: Indicator) -> Decimal | None:
    """Next year's target from last year: at least last year's target, raised to the last
    reported result for higher-is-better (lowered to it for lower-is-better)."""
    last_target = previous.target
    result = checks.last_result(previous)
    if (
        previous.scoring_method == Indicator.Method.MILESTONE
        or previous.direction == Indicator.Direction.RANGE
    ):
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
    actor,
    *,
    from_year: FiscalYear | int,
    to_year: int,
    agencies: Iterable[Agency] | None = None,
    template: KpiTemplate | None = None,
    dry_run: bool = False,
    source: str = "web",
) -> CarryResult:
    """Start `to_year` from `from_year`: every KPI of the agencies (or of the template,
    across agencies) gets a new KPI with a new code, its definition, milestone levels
    and strategy links copied, and a target and plan proposed from last year's results.
    Nothing of `from_year` is changed; KPIs already carried forward are skipped.

    actor None is the system (the `citykpi carry-forward` command, run by whoever holds
    the server). dry_run does all the work and checks, then rolls it back: the result
    says what would be created."""
    if actor is not None:
        _require_authenticated(actor)
    previous_year = fiscal_year_of(from_year)
    agencies = list(agencies) if agencies is not None else None
    if actor is not None and not access.is_evaluator(actor):
        # An agency may start its own next year; the citywide and template modes are the evaluator's.
        if template is not None or not agencies or any(not is_agency_member(actor, a) for a in agencies):
            raise PermissionDenied(
                "เฉพาะ สยป. หรือหน่วยงานเจ้าของตัวชี้วัดเท่านั้น / Only the evaluator or the agency itself"
            )
    if template is not None:
        template = KpiTemplate.objects.get(pk=template.pk)
        if not template.is_active:
            raise _inactive_error(template)
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
    inactive_templates = set(KpiTemplate.objects.filter(is_active=False).values_list("pk", flat=True))
    with transaction.atomic():
        year, made = FiscalYear.objects.get_or_create(pk=int(target_year), defaults={"is_published": False})
        if made:
            record(actor, "fiscal_year.create", year, after={"year": year.pk}, source=source)
        result = CarryResult(year)
        items = list(sources)
        done = set(
            Indicator.objects.filter(fiscal_year=year, carried_from__in=items).values_list(
                "carried_from_id", flat=True
            )
        )
        todo = [i for i in items if i.pk not in done]
        result.skipped = [i.code for i in items if i.pk in done]
        frozen = set(
            Setup.objects.filter(
                fiscal_year=year, state=Setup.State.APPROVED, agency__in={i.agency_id for i in todo}
            ).values_list("agency__code", flat=True)
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
            "list_label",
            "name",
            "name_en",
            "unit",
            "target_text",
            "direction",
            "range_low",
            "range_high",
            "kpi_type",
            "result_level",
            "definition",
            "calculation_method",
            "scoring_method",
            "scoring_config",
            "data_collection",
            "weight",
            "dimension_id",
            "is_negotiated",
            "template",
            "is_published",
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
            if indicator.template_id in inactive_templates:
                # A deactivated template is not assigned again: the copy stands on its own.
                indicator.template = None
                indicator.save(update_fields=["template"])
            indicator.strategy_nodes.set(list(previous.strategy_nodes.all()))
            MilestoneLevel.objects.bulk_create(
                MilestoneLevel(
                    indicator=indicator,
                    level=m.level,
                    description=m.description,
                    percent=m.percent,
                    points=m.points,
                )
                for m in previous.milestone_levels.all()
            )
            _set_plan(indicator, propose_plan(previous, target))
            record(
                actor,
                "kpi.carry_forward",
                indicator,
                after=versions.snapshot(indicator),
                reason=f"from {previous.code}",
                indicator_code=indicator.code,
                source=source,
            )
            result.created.append(indicator)
        if dry_run:
            transaction.set_rollback(True)
            result.dry_run = True
    return result


# ---------------------------------------------------------------- publishing a fiscal year


@dataclass
class YearReadiness:
    """Where the setups of a fiscal year stand: the agencies with KPIs in it, and those
    of them whose setup is not approved yet."""

    fiscal_year: FiscalYear
    agencies: int = 0
    unapproved: list[str] = field(default_factory=list)  # agency codes

    @property
    def ready(self) -> bool:
        return self.agencies > 0 and not self.unapproved


def year_readiness(fiscal_year: FiscalYear | int) -> YearReadiness:
    """Two queries: the agencies carrying KPIs in the year and the approved setups."""
    year = fiscal_year_of(fiscal_year)
    carrying = dict(
        Indicator.objects.filter(fiscal_year=year)
        .order_by()
        .values_list("agency_id", "agency__code")
        .distinct()
    )
    approved = set(
        Setup.objects.filter(fiscal_year=year, state=Setup.State.APPROVED).values_list("agency_id", flat=True)
    )
    return YearReadiness(
        year, len(carrying), sorted(code for pk, code in carrying.items() if pk not in approved)
    )


def publish_fiscal_year(
    actor, fiscal_year: FiscalYear | int, *, override_reason: str = "", source: str = "web"
) -> YearReadiness:
    """The evaluator publishes a fiscal year: its KPIs appear on the public pages, the
    open data and the dashboards. Every agency's setup must be approved first, unless
    the evaluator overrides with a reason (recorded with the agencies still open)."""
    _require_evaluator(actor)
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        year = FiscalYear.objects.select_for_update().get(pk=fiscal_year_of(fiscal_year).pk)
        if year.is_published:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} เผยแพร่แล้ว",
                f"Fiscal year {year.pk} is already published",
                field="fiscal_year",
            )
        readiness = year_readiness(year)
        if readiness.agencies == 0:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} ยังไม่มีตัวชี้วัด จึงยังไม่เผยแพร่",
                f"Fiscal year {year.pk} has no KPIs yet; there is nothing to publish",
                field="fiscal_year",
            )
        if readiness.unapproved and not override_reason:
            shown = ", ".join(readiness.unapproved[:10])
            more = len(readiness.unapproved) - 10
            raise ActionError(
                f"ยังเผยแพร่ไม่ได้: การตั้งค่าของ {len(readiness.unapproved)} หน่วยงานยังไม่ได้รับอนุมัติ "
                f"({shown}{f' และอีก {more} หน่วยงาน' if more > 0 else ''}) "
                "อนุมัติให้ครบ หรือระบุเหตุผลเพื่อเผยแพร่โดยไม่รอ",
                f"Cannot publish yet: the setup of {len(readiness.unapproved)} agencies is not approved "
                f"({shown}{f' and {more} more' if more > 0 else ''}); approve them all, or give a reason "
                "to publish without waiting",
                field="override_reason",
                unapproved=readiness.unapproved,
            )
        year.is_published = True
        year.save(update_fields=["is_published"])
        record(
            actor,
            "fiscal_year.publish",
            year,
            before={"is_published": False},
            after={"is_published": True, "agencies": readiness.agencies, "unapproved": readiness.unapproved},
            reason=override_reason,
            source=source,
        )
    return readiness


def unpublish_fiscal_year(actor, fiscal_year: FiscalYear | int, *, source: str = "web") -> FiscalYear:
    """The undo of publishing: the evaluator takes a fiscal year off the public pages, only
    while none of its quarters is published (nothing the public has read disappears)."""
    from citykpi.reporting.models import QuarterReport

    _require_evaluator(actor)
    with transaction.atomic():
        year = FiscalYear.objects.select_for_update().get(pk=fiscal_year_of(fiscal_year).pk)
        if not year.is_published:
            raise ActionError(
                f"ปีงบประมาณ {year.pk} ยังไม่ได้เผยแพร่",
                f"Fiscal year {year.pk} is not published",
                field="fiscal_year",
            )
        published = QuarterReport.objects.published().filter(indicator__fiscal_year=year).count()
        if published:
            raise ActionError(
                f"ยกเลิกการเผยแพร่ปีงบประมาณ {year.pk} ไม่ได้: มีรายงานรายไตรมาสที่เผยแพร่แล้ว {published} รายการ",
                f"Fiscal year {year.pk} cannot be unpublished: {published} quarterly reports are already published",
                field="fiscal_year",
            )
        year.is_published = False
        year.save(update_fields=["is_published"])
        record(
            actor,
            "fiscal_year.unpublish",
            year,
            before={"is_published": True},
            after={"is_published": False},
            source=source,
        )
    return year
