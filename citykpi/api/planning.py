"""Fiscal-year setup over the API: templates, their assignment, a KPI's target / quarterly
plan / weight, and the proposal -> approval negotiation. The same actions as the pages
(citykpi.planning.actions); errors are JSON in Thai and English naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.api.auth import caller, session_or_token
from citykpi.api.errors import action_error_response, error_json, permission_denied_response, responses
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError
from citykpi.planning import actions, checks
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.strategy.models import StrategyNode

router = Router(tags=["planning"], auth=session_or_token)

Number = Decimal | str | None


# What every operation may answer besides its success (the bodies are api.errors.ErrorOut):
# 400 a refused value or bad bytes, 401 no credentials, 403 a role that may not act, 404
# outside the caller's agencies, 422 a body or path that does not fit the schema.
ERRORS = responses(400, 401, 403, 404, 422)
# Ids and years in a path: bounded, so that a huge number is a 422, not a database overflow.
TemplateId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Year = Annotated[int, Path(ge=1, le=9999)]
# Row ids in a body: within the database's range (SQLite cannot bind a number past 2**63).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class MilestoneLevelIn(Schema):
    level: int | str
    percent: Decimal | str
    points: Decimal | str = "0"
    description: str = ""


class TemplateIn(Schema):
    name: str
    name_en: str = ""
    unit_id: RowId | None = None
    direction: str = "higher"
    kpi_type: str = "strategic"
    result_level: str = "output"
    scoring_method: str = "percent_of_target"
    definition: str = ""
    calculation_method: str = ""
    data_collection: str = ""
    strategy_node_ids: list[RowId] = []
    milestone_levels: list[MilestoneLevelIn] = []


class AssignmentOut(Schema):
    code: str
    agency: str
    fiscal_year: int
    state: str
    target: Decimal | None
    weight: Decimal | None
    plan: dict[str, Decimal | None]
    definition_version: int


class TemplateOut(Schema):
    id: int
    name: str
    name_en: str
    unit: str | None
    direction: str
    kpi_type: str
    result_level: str
    scoring_method: str
    definition: str
    calculation_method: str
    data_collection: str
    milestone_levels: list[dict]
    strategy_nodes: list[str]
    version: int
    is_active: bool
    assignments: list[AssignmentOut] | None = None


class AssignIn(Schema):
    fiscal_year: int
    agencies: list[str] = []
    all_districts: bool = False
    target: Number = None
    plan: list[Number] | None = None
    weight: Number = None
    skip_existing: bool = False  # agencies already carrying the template that year are left out


class PlanIn(Schema):
    target: Number = None
    plan: dict[str, Number] | list[Number] | None = None
    weight: Number = None
    version: int | None = None
    note: str = ""


class PlanOut(Schema):
    code: str
    agency: str
    fiscal_year: int
    target: Decimal | None
    plan: dict[str, Decimal | None]
    weight: Decimal | None
    version: int
    definition_version: int
    state: str


class FindingOut(Schema):
    id: str
    severity: str
    code: str
    field: str
    message: str
    message_th: str
    message_en: str


class SetupOut(Schema):
    agency: str
    fiscal_year: int
    state: str
    version: int
    last_note: str
    findings: list[FindingOut]


class ReasonIn(Schema):
    reason: str


class CommentIn(Schema):
    text: str


class ActiveIn(Schema):
    reason: str = ""


class PublishIn(Schema):
    override_reason: str = ""


class YearOut(Schema):
    fiscal_year: int
    is_published: bool
    agencies: int
    unapproved: list[str]


def _guarded(view: Callable) -> Callable:
    """Turn refusals from the actions into JSON answers with the right status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ActionError as error:
            return action_error_response(request, error)
        except PermissionDenied as error:
            return permission_denied_response(request, error)
        except Http404:
            return error_json("ไม่พบข้อมูล", "Not found", 404)

    return wrapper


def _user(request: HttpRequest) -> User:
    return caller(request)


def _plan_out(indicator: Indicator) -> dict[str, Any]:
    setup = Setup.objects.filter(
        agency_id=indicator.agency_id, fiscal_year_id=indicator.fiscal_year_id
    ).first()
    plan = checks.plan_values(indicator)
    return {
        "code": indicator.code,
        "agency": indicator.agency.code,
        "fiscal_year": indicator.fiscal_year_id,
        "target": indicator.target,
        "weight": indicator.weight,
        "plan": {str(q): v for q, v in plan.items()},
        "version": indicator.plan_version,
        "definition_version": indicator.definition_version,
        "state": setup.state if setup else Setup.State.DRAFT,
    }


def _template_out(template: KpiTemplate, user: User, *, with_assignments: bool = False) -> dict[str, Any]:
    data = {
        "id": template.pk,
        "name": template.name,
        "name_en": template.name_en,
        "unit": template.unit.name_th if template.unit is not None else None,
        "direction": template.direction,
        "kpi_type": template.kpi_type,
        "result_level": template.result_level,
        "scoring_method": template.scoring_method,
        "definition": template.definition,
        "calculation_method": template.calculation_method,
        "data_collection": template.data_collection,
        "milestone_levels": template.milestone_levels,
        "strategy_nodes": [f"{n.plan.code}:{n.path}" for n in template.strategy_nodes.select_related("plan")],
        "version": template.version,
        "is_active": template.is_active,
    }
    if with_assignments:
        rows = list(
            access.visible_indicators(user, template.assignments.all())
            .select_related("agency")
            .prefetch_related("quarters")
            .order_by("-fiscal_year_id", "agency__code")
        )
        states = {
            (s.agency_id, s.fiscal_year_id): s.state
            for s in Setup.objects.filter(
                agency_id__in={r.agency_id for r in rows}, fiscal_year_id__in={r.fiscal_year_id for r in rows}
            )
        }
        data["assignments"] = [
            {
                "code": r.code,
                "agency": r.agency.code,
                "fiscal_year": r.fiscal_year_id,
                "state": states.get((r.agency_id, r.fiscal_year_id), Setup.State.DRAFT),
                "target": r.target,
                "weight": r.weight,
                "definition_version": r.definition_version,
                "plan": {str(q): v for q, v in checks.plan_values(r).items()},
            }
            for r in rows
        ]
    return data


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="ตัวชี้วัดต้นแบบ / KPI templates")
@_guarded
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    access.require(_user(request), access.Capability.STAFF)
    return [_template_out(t, _user(request)) for t in KpiTemplate.objects.select_related("unit")]


def _strategy_nodes(ids: list[int]) -> list[StrategyNode]:
    # The ids are checked here: an unknown one would fail only at commit (deferred foreign key).
    found = {node.pk: node for node in StrategyNode.objects.filter(pk__in=set(ids))}
    unknown = sorted(set(ids) - set(found))
    if unknown:
        listed = ", ".join(map(str, unknown))
        raise ActionError(
            f"ไม่พบหมุดยุทธศาสตร์ {listed}", f"Unknown strategy nodes {listed}", field="strategy_node_ids"
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


@router.post(
    "/templates",
    response={201: TemplateOut, **ERRORS},
    summary="สร้างตัวชี้วัดต้นแบบ / Create a template (evaluator)",
)
@_guarded
def create_template(request: HttpRequest, payload: TemplateIn) -> Status:
    if not access.is_evaluator(_user(request)):
        raise PermissionDenied  # before looking at the ids: a role that may not act learns nothing
    data = payload.model_dump()
    nodes = _strategy_nodes(data.pop("strategy_node_ids"))
    levels = data.pop("milestone_levels")
    data["unit"] = data.pop("unit_id")
    template = actions.create_template(
        _user(request), strategy_nodes=nodes, milestone_levels=levels, source="api", **data
    )
    return Status(201, _template_out(template, _user(request)))


@router.get(
    "/templates/{template_id}",
    response={200: TemplateOut, **ERRORS},
    summary="ตัวชี้วัดต้นแบบและหน่วยงานที่ได้รับ / A template with its assignments",
)
@_guarded
def get_template(request: HttpRequest, template_id: TemplateId) -> dict[str, Any]:
    access.require(_user(request), access.Capability.STAFF)
    template = get_object_or_404(KpiTemplate, pk=template_id)
    return _template_out(template, _user(request), with_assignments=True)


@router.post(
    "/templates/{template_id}/assign",
    response={201: list[PlanOut], **ERRORS},
    summary="มอบหมายให้หลายหน่วยงาน / Assign to many agencies (evaluator)",
)
@_guarded
def assign_template(request: HttpRequest, template_id: TemplateId, payload: AssignIn) -> Status:
    template = get_object_or_404(KpiTemplate, pk=template_id)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=payload.agencies)}
    unknown = sorted(set(payload.agencies) - set(agencies))
    if unknown:
        raise ActionError(
            f"ไม่พบหน่วยงาน {', '.join(unknown)}", f"Unknown agencies {', '.join(unknown)}", field="agencies"
        )
    chosen = list(agencies.values())
    if payload.all_districts:
        chosen += list(Agency.objects.active().filter(kind=Agency.Kind.DISTRICT))
    created = actions.assign_template(
        _user(request),
        template,
        fiscal_year=payload.fiscal_year,
        agencies=chosen,
        target=payload.target,
        plan=payload.plan,
        weight=payload.weight,
        skip_existing=payload.skip_existing,
        source="api",
    )
    return Status(201, [_plan_out(i) for i in created])


@router.post(
    "/templates/{template_id}/deactivate",
    response={200: TemplateOut, **ERRORS},
    summary="ยกเลิกการใช้งานตัวชี้วัดต้นแบบ / Deactivate a template (evaluator)",
)
@_guarded
def deactivate_template(
    request: HttpRequest, template_id: TemplateId, payload: ActiveIn | None = None
) -> dict[str, Any]:
    template = get_object_or_404(KpiTemplate, pk=template_id)
    reason = payload.reason if payload else ""
    template = actions.set_template_active(
        _user(request), template, active=False, reason=reason, source="api"
    )
    return _template_out(template, _user(request))


@router.post(
    "/templates/{template_id}/activate",
    response={200: TemplateOut, **ERRORS},
    summary="เปิดใช้งานตัวชี้วัดต้นแบบอีกครั้ง / Activate a template again (evaluator)",
)
@_guarded
def activate_template(
    request: HttpRequest, template_id: TemplateId, payload: ActiveIn | None = None
) -> dict[str, Any]:
    template = get_object_or_404(KpiTemplate, pk=template_id)
    reason = payload.reason if payload else ""
    template = actions.set_template_active(_user(request), template, active=True, reason=reason, source="api")
    return _template_out(template, _user(request))


@router.get(
    "/kpis/{code}/plan",
    response={200: PlanOut, **ERRORS},
    summary="ค่าเป้าหมาย แผนรายไตรมาส และน้ำหนัก / Target, quarterly plan and weight",
)
@_guarded
def get_plan(request: HttpRequest, code: str) -> dict[str, Any]:
    indicator = access.indicator_for(_user(request), code)
    return _plan_out(indicator)


@router.put(
    "/kpis/{code}/plan",
    response={200: PlanOut, **ERRORS, **responses(409)},
    summary="ตั้งค่าเป้าหมาย แผน และน้ำหนัก / Set target, plan and weight (409 when stale)",
)
@_guarded
def put_plan(request: HttpRequest, code: str, payload: PlanIn) -> dict[str, Any]:
    indicator = access.indicator_for(_user(request), code)
    given = payload.model_dump(exclude_unset=True)
    kwargs: dict[str, Any] = {k: given[k] for k in ("target", "weight") if k in given}
    indicator = actions.update_plan(
        _user(request),
        indicator,
        plan=given.get("plan"),
        version=payload.version,
        note=payload.note,
        source="api",
        **kwargs,
    )
    indicator.refresh_from_db()
    return _plan_out(indicator)


def _setup(request: HttpRequest, agency: str, year: int) -> Setup:
    found = access.agency_for(_user(request), agency)
    return actions.setup_of(found, actions.fiscal_year_of(year))


def _setup_out(setup: Setup) -> dict[str, Any]:
    setup.refresh_from_db()
    return {
        "agency": setup.agency.code,
        "fiscal_year": setup.fiscal_year_id,
        "state": setup.state,
        "version": setup.version,
        "last_note": setup.last_note,
        "findings": [f.as_dict() for f in checks.check_setup(setup.agency, setup.fiscal_year_id)],
    }


@router.get(
    "/setups/{agency}/{year}",
    response={200: SetupOut, **ERRORS},
    summary="สถานะการตั้งค่าและผลการตรวจสอบ / Setup state and checks",
)
@_guarded
def get_setup(request: HttpRequest, agency: str, year: Year) -> dict[str, Any]:
    access.require(_user(request), access.Capability.STAFF)
    return _setup_out(_setup(request, agency, year))


@router.post(
    "/setups/{agency}/{year}/propose",
    response={200: SetupOut, **ERRORS},
    summary="หน่วยงานเสนอ / The agency proposes",
)
@_guarded
def propose(request: HttpRequest, agency: str, year: Year) -> dict[str, Any]:
    return _setup_out(actions.propose(_user(request), _setup(request, agency, year), source="api"))


@router.post(
    "/setups/{agency}/{year}/comment",
    response={200: SetupOut, **ERRORS},
    summary="ข้อเสนอแนะ / Comment",
)
@_guarded
def comment(request: HttpRequest, agency: str, year: Year, payload: CommentIn) -> dict[str, Any]:
    setup = _setup(request, agency, year)
    return _setup_out(actions.comment(_user(request), setup, text=payload.text, source="api"))


@router.post(
    "/setups/{agency}/{year}/approve",
    response={200: SetupOut, **ERRORS},
    summary="สยป. อนุมัติ / The evaluator approves",
)
@_guarded
def approve(request: HttpRequest, agency: str, year: Year) -> dict[str, Any]:
    return _setup_out(actions.approve(_user(request), _setup(request, agency, year), source="api"))


@router.post(
    "/setups/{agency}/{year}/reopen",
    response={200: SetupOut, **ERRORS},
    summary="สยป. เปิดให้แก้ไขพร้อมเหตุผล / The evaluator reopens with a reason",
)
@_guarded
def reopen(request: HttpRequest, agency: str, year: Year, payload: ReasonIn) -> dict[str, Any]:
    setup = _setup(request, agency, year)
    return _setup_out(actions.reopen(_user(request), setup, reason=payload.reason, source="api"))


def _year_out(year: int) -> dict[str, Any]:
    readiness = actions.year_readiness(year)
    return {
        "fiscal_year": readiness.fiscal_year.pk,
        "is_published": readiness.fiscal_year.is_published,
        "agencies": readiness.agencies,
        "unapproved": readiness.unapproved,
    }


@router.get(
    "/fiscal-years/{year}/setup",
    response={200: YearOut, **ERRORS},
    summary="ความพร้อมของปีงบประมาณ / Where a fiscal year's setups stand (evaluator)",
)
@_guarded
def year_setup(request: HttpRequest, year: Year) -> dict[str, Any]:
    if not access.is_evaluator(_user(request)):
        raise PermissionDenied
    return _year_out(year)


@router.post(
    "/fiscal-years/{year}/publish",
    response={200: YearOut, **ERRORS},
    summary="เผยแพร่ปีงบประมาณ / Publish a fiscal year (evaluator; every setup approved, "
    "or an override reason)",
)
@_guarded
def publish_year(request: HttpRequest, year: Year, payload: PublishIn | None = None) -> dict[str, Any]:
    actions.publish_fiscal_year(
        _user(request), year, override_reason=payload.override_reason if payload else "", source="api"
    )
    return _year_out(year)
