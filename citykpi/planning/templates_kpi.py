"""KPI templates: a KPI defined once by the central evaluator and cascaded to many
agencies (one new KPI each, with its own code), changed in one place (the change reaches
the assignments whose setup is not approved), deactivated or brought back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.audit.log import snapshot as audit_snapshot
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.users import Actor, user_of
from citykpi.planning import versions
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.planning.negotiation import setup_of
from citykpi.planning.parsing import fiscal_year_of, number_of
from citykpi.planning.plans import (
    TEMPLATE_FIELDS,
    clean_template_fields,
    milestone_rows,
    parse_plan,
    parse_weight,
    same_definition,
    set_milestones,
    set_plan,
)
from citykpi.planning.versions import bump_definition


def _template_state(template: KpiTemplate) -> dict[str, Any]:
    data = audit_snapshot(template, TEMPLATE_FIELDS + ["version"])
    data["milestone_levels"] = template.milestone_levels
    data["strategy_nodes"] = sorted(template.strategy_nodes.values_list("pk", flat=True))
    return data


def create_template(
    actor: Actor,
    *,
    strategy_nodes: Iterable = (),
    milestone_levels: Iterable[dict] = (),
    source: str = "web",
    **values: Any,
) -> KpiTemplate:
    access.require(actor, Capability.DECIDE_SETUP)
    cleaned = clean_template_fields(values)
    if not cleaned.get("name"):
        raise ActionError("ต้องระบุชื่อตัวชี้วัด", "The KPI name is required", field="name")
    rows = milestone_rows(milestone_levels)
    with transaction.atomic():
        template = KpiTemplate.objects.create(created_by=user_of(actor), milestone_levels=rows, **cleaned)
        template.strategy_nodes.set(list(strategy_nodes))
        record(actor, "template.create", template, after=_template_state(template), source=source)
    return template


@dataclass
class TemplateChange:
    template: KpiTemplate
    updated: list[str] = field(default_factory=list)  # codes of assignments that took the change
    frozen: list[str] = field(default_factory=list)  # codes of approved assignments left as they are


def update_template(
    actor: Actor,
    template: KpiTemplate,
    *,
    version: int | str | None = None,
    strategy_nodes: Iterable | None = None,
    milestone_levels: Iterable[dict] | None = None,
    source: str = "web",
    **values: Any,
) -> TemplateChange:
    """Change a template; the change reaches its assignments whose setup is not approved."""
    access.require(actor, Capability.DECIDE_SETUP)
    cleaned = clean_template_fields(values)
    rows = milestone_rows(milestone_levels) if milestone_levels is not None else None
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
    actor: Actor, template: KpiTemplate, indicator: Indicator, node_ids: list[int], *, source: str
) -> bool:
    """Push the template's definition into one assignment; False when it already matched."""
    before = versions.snapshot(indicator)
    for name in TEMPLATE_FIELDS:
        setattr(indicator, name, getattr(template, name))
    indicator.strategy_nodes.set(node_ids)
    set_milestones(indicator, template.milestone_levels)
    after = versions.snapshot(indicator)
    if same_definition(before, after):
        return False
    bump_definition(indicator)
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


def assign_template(
    actor: Actor,
    template: KpiTemplate,
    *,
    fiscal_year: FiscalYear | int,
    agencies: Iterable[Agency],
    target: Any = None,
    plan: dict | Sequence | None = None,
    weight: Any = None,
    skip_existing: bool = False,
    source: str = "web",
) -> list[Indicator]:
    """Assign a template to many agencies at once: one new KPI per agency, each with its
    own code, target, quarterly plan and weight (the values given here, to be adjusted
    per agency afterwards).

    An agency that already carries the template in that year is refused, or with
    skip_existing left out (cascading to "all districts" when a dozen have it already
    from last year); the KPIs created are returned."""
    access.require(actor, Capability.DECIDE_SETUP)
    year = fiscal_year_of(fiscal_year)
    agencies = sorted({a.pk: a for a in agencies}.values(), key=lambda a: a.code)
    if not agencies:
        raise ActionError("เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน", "Choose at least one agency", field="agencies")
    target_value = number_of(target, "target", "ค่าเป้าหมาย", "Target")
    plan_values = parse_plan(plan)
    weight_value = parse_weight(weight)
    with transaction.atomic():
        # Locked so that a deactivation cannot slip in between the check and the assignment.
        template = KpiTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
        if not template.is_active:
            raise inactive_error(template)
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
        serials = next_codes(agencies)
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
                code=new_code(agency, serials),
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
            set_milestones(indicator, template.milestone_levels)
            set_plan(indicator, {q: plan_values.get(q) for q in QUARTERS})
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
    actor: Actor, template: KpiTemplate, *, active: bool, reason: str = "", source: str = "web"
) -> KpiTemplate:
    """Deactivate a template (it can no longer be assigned or carried forward as a
    template) or bring it back. Its existing assignments are not touched."""
    access.require(actor, Capability.DECIDE_SETUP)
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


def inactive_error(template: KpiTemplate) -> ActionError:
    return ActionError(
        f"ตัวชี้วัดต้นแบบ “{template.name[:60]}” ถูกยกเลิกการใช้งานแล้ว จึงมอบหมายไม่ได้ (เปิดใช้งานอีกครั้งที่หน้าตัวชี้วัดต้นแบบ)",
        f"The template “{template.name_en or template.name[:60]}” is deactivated and cannot be assigned "
        "(activate it again on the template's page)",
        field="template",
    )


def next_codes(agencies: Sequence[Agency]) -> dict[int, int]:
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


def new_code(agency: Agency, serials: dict[int, int]) -> str:
    serial = serials[agency.pk]
    serials[agency.pk] = serial + 1
    return f"{agency.code}-{serial:04d}"
