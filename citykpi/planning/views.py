"""Staff pages of fiscal-year setup, under /setup/: the evaluator's overview, an agency's
setup page (targets, plans, weights, checks, the negotiation), KPI definitions with their
versions, templates (list, create, edit, assign) and carry forward.

Every write goes through citykpi.planning.actions; these views only parse, call and show.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.audit import catalogue
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.jobs import actions as jobs
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.i18n import tr
from citykpi.lib.thai import to_arabic_digits
from citykpi.planning import actions, checks, forms, preview, versions
from citykpi.planning import jobs as planning_jobs
from citykpi.planning.models import DefinitionVersion, KpiTemplate, Setup
from citykpi.reporting.models import QuarterReport

QUARTERS = (1, 2, 3, 4)


def _error(request: HttpRequest, error: ActionError) -> None:
    messages.error(request, error.message)


def _year_param(request: HttpRequest) -> FiscalYear | None:
    raw = request.GET.get("year")
    years = FiscalYear.objects.all()
    if raw:
        try:
            return years.get(pk=int(raw))
        except (ValueError, FiscalYear.DoesNotExist):
            raise Http404("year") from None
    return years.first()


# ---------------------------------------------------------------- overview


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    year = _year_param(request)
    rows: list[dict[str, Any]] = []
    if year is not None:
        scope = access.visible_agency_ids(request.user)
        indicators = Indicator.objects.filter(fiscal_year=year)
        if scope is not None:
            indicators = indicators.filter(agency_id__in=scope)
        items = checks.indicators_for_checks(indicators)
        findings = checks.check_indicators(items)
        by_agency: dict[int, list[Indicator]] = defaultdict(list)
        for item in items:
            by_agency[item.agency_id].append(item)
        counts: dict[int, dict[str, int]] = defaultdict(lambda: {"error": 0, "warning": 0})
        for finding in findings:
            counts[finding.agency_id][finding.severity] += 1
        setups = {s.agency_id: s for s in Setup.objects.filter(fiscal_year=year)}
        for agency_id, kpis in by_agency.items():
            agency = kpis[0].agency
            rows.append(
                {
                    "agency": agency,
                    "setup": setups.get(agency_id),
                    "kpis": len(kpis),
                    "weight_sum": sum((k.weight or Decimal("0") for k in kpis), Decimal("0")),
                    "errors": counts[agency_id]["error"],
                    "warnings": counts[agency_id]["warning"],
                }
            )
        rows.sort(key=lambda r: r["agency"].code)
    state_filter = request.GET.get("state", "")
    if state_filter:
        rows = [r for r in rows if (r["setup"].state if r["setup"] else "draft") == state_filter]
    totals: defaultdict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["setup"].state if row["setup"] else "draft"] += 1
    evaluator = access.is_evaluator(request.user)
    readiness = actions.year_readiness(year) if year is not None and evaluator else None
    return render(
        request,
        "planning/overview.html",
        {
            "year": year,
            "years": FiscalYear.objects.all(),
            "rows": rows,
            "states": Setup.State.choices,
            "state_filter": state_filter,
            "totals": dict(totals),
            "is_evaluator": evaluator,
            "readiness": readiness,
        },
    )


@login_required
@require_POST
def publish_year(request: HttpRequest, year: int) -> HttpResponse:
    """The evaluator publishes a fiscal year from the overview (with an override reason
    when some setups are not approved yet)."""
    access.require(request.user, access.Capability.EVALUATE)
    fiscal_year = get_object_or_404(FiscalYear, pk=year)
    override_reason = request.POST.get("override_reason", "")
    if request.POST.get("confirm") != "1":
        # Nothing goes public on one click: the first post shows what would (the publish
        # is tried and rolled back, so a refusal reads as it would on the real one).
        try:
            counted = preview.publish_preview(
                fiscal_year, override_reason=override_reason, actor=request.user
            )
        except ActionError as error:
            _error(request, error)
            return redirect(reverse("planning:overview") + f"?year={year}")
        return render(
            request,
            "planning/confirm_publish.html",
            {"year": fiscal_year, "preview": counted, "override_reason": override_reason},
        )
    try:
        readiness = actions.publish_fiscal_year(request.user, fiscal_year, override_reason=override_reason)
    except ActionError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            tr(
                f"เผยแพร่ปีงบประมาณ {year} แล้ว ตัวชี้วัดของ {readiness.agencies} หน่วยงานแสดงบนหน้าสาธารณะ",
                f"Fiscal year {year} is published; the KPIs of {readiness.agencies} agencies are on the public pages",
            ),
        )
    return redirect(reverse("planning:overview") + f"?year={year}")


@login_required
@require_POST
def unpublish_year(request: HttpRequest, year: int) -> HttpResponse:
    """The evaluator takes a fiscal year off the public pages while none of its quarters is published."""
    access.require(request.user, access.Capability.EVALUATE)
    fiscal_year = get_object_or_404(FiscalYear, pk=year)
    try:
        actions.unpublish_fiscal_year(request.user, fiscal_year)
    except ActionError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            tr(f"ยกเลิกการเผยแพร่ปีงบประมาณ {year} แล้ว", f"Fiscal year {year} is no longer published"),
        )
    return redirect(reverse("planning:overview") + f"?year={year}")


# ---------------------------------------------------------------- an agency's setup


def _save_rows(request: HttpRequest, kpis: list[Indicator]) -> None:
    """Save the bulk form: all rows or none."""
    with transaction.atomic():
        for kpi in kpis:
            prefix = f"k{kpi.pk}-"
            if f"{prefix}target" not in request.POST:
                continue
            actions.update_plan(
                request.user,
                kpi,
                target=request.POST.get(f"{prefix}target", ""),
                plan={q: request.POST.get(f"{prefix}q{q}", "") for q in QUARTERS},
                weight=request.POST.get(f"{prefix}weight", ""),
                version=request.POST.get(f"{prefix}version") or None,
                note=request.POST.get("note", ""),
            )


@login_required
@require_http_methods(["GET", "POST"])
def agency_setup(request: HttpRequest, agency_code: str, year: int) -> HttpResponse:
    agency = access.agency_for(request.user, agency_code)
    fiscal_year = get_object_or_404(FiscalYear, pk=year)
    kpis = checks.indicators_for_checks(Indicator.objects.filter(agency=agency, fiscal_year=fiscal_year))
    setup = Setup.objects.filter(agency=agency, fiscal_year=fiscal_year).first()
    status = 200
    if request.method == "POST":
        if not access.allows(request.user, access.Capability.EDIT_SETUP, agency):
            raise PermissionDenied(tr("บทบาทของคุณแก้ไขไม่ได้", "Your role may not change this"))
        try:
            _save_rows(request, kpis)
        except ConflictError as error:
            messages.error(request, f"{error.message}: {error.current}")
            status = 409
        except ActionError as error:
            _error(request, error)
            status = 400
        else:
            messages.success(request, tr("บันทึกแล้ว", "Saved"))
            return redirect("planning:agency", agency_code=agency.code, year=fiscal_year.pk)
    findings = checks.check_indicators(kpis)
    by_code: dict[str, list] = defaultdict(list)
    for finding in findings:
        by_code[finding.code].append(finding)
    posted = request.POST if request.method == "POST" else None
    rows = [
        {
            "kpi": k,
            "plan": checks.plan_values(k),
            "findings": by_code.get(k.code, []),
            "last_result": checks.last_result(k.carried_from),
            "values": _row_values(k, posted),
        }
        for k in kpis
    ]
    history = (
        list(
            AuditEvent.objects.filter(object_type="planning.setup", object_id=str(setup.pk)).order_by(
                "-created_at"
            )[:50]
        )
        if setup
        else []
    )
    state = setup.state if setup else Setup.State.DRAFT
    user = request.user
    member = access.allows(user, access.Capability.PROPOSE_SETUP, agency)
    evaluator = access.is_evaluator(user)
    editable = (evaluator and state != Setup.State.APPROVED) or (member and state in Setup.AGENCY_EDITABLE)
    return render(
        request,
        "planning/agency_setup.html",
        {
            "agency": agency,
            "fiscal_year": fiscal_year,
            "setup": setup,
            "state": state,
            "state_label": Setup.State(state).label,
            "rows": rows,
            "findings": findings,
            "agency_findings": by_code.get("", []),
            "errors": checks.errors(findings),
            "weight_sum": sum((k.weight or Decimal("0") for k in kpis), Decimal("0")),
            "history": [_history_row(e) for e in history],
            "editable": editable,
            "may_propose": member and state in Setup.PROPOSABLE,
            "may_approve": evaluator and state in Setup.APPROVABLE,
            "may_reopen": evaluator and state == Setup.State.APPROVED,
            "may_comment": evaluator or member,
            "is_evaluator": evaluator,
            "quarters": QUARTERS,
        },
        status=status,
    )


def _history_row(event: AuditEvent) -> dict:
    before, after = (event.before or {}).get("state"), (event.after or {}).get("state")
    states = dict(Setup.State.choices)
    return {
        "event": event,
        "label": tr(*catalogue.label(event.action)),
        "change": (forms.side(states.get(before, before)), forms.side(states.get(after, after)))
        if before and after and before != after
        else None,
    }


def _row_values(kpi: Indicator, posted: Any) -> dict[str, str]:
    """The inputs of one row: what the user typed when a save was refused, else the stored values."""
    prefix = f"k{kpi.pk}-"
    if posted is not None and f"{prefix}target" in posted:
        return {
            name: posted.get(prefix + name, "") for name in ("target", "q1", "q2", "q3", "q4", "weight")
        } | {"version": str(kpi.plan_version)}
    plan = checks.plan_values(kpi)
    fmt = _plain
    return {
        "target": fmt(kpi.target),
        "weight": fmt(kpi.weight),
        "version": str(kpi.plan_version),
        **{f"q{q}": fmt(plan[q]) for q in QUARTERS},
    }


def _plain(value: Any) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


@login_required
@require_POST
def setup_action(request: HttpRequest, agency_code: str, year: int, verb: str) -> HttpResponse:
    agency = access.agency_for(request.user, agency_code)
    fiscal_year = get_object_or_404(FiscalYear, pk=year)
    setup = actions.setup_of(agency, fiscal_year)
    try:
        if verb == "propose":
            actions.propose(request.user, setup)
            messages.success(request, tr("เสนอค่าเป้าหมายแล้ว", "Proposed"))
        elif verb == "approve":
            actions.approve(request.user, setup)
            messages.success(
                request, tr("อนุมัติแล้ว นิยามตัวชี้วัดถูกบันทึกเป็นฉบับที่อนุมัติ", "Approved; the KPI definitions are frozen")
            )
        elif verb == "reopen":
            actions.reopen(request.user, setup, reason=request.POST.get("reason", ""))
            messages.success(request, tr("เปิดให้แก้ไขแล้ว", "Reopened"))
        elif verb == "comment":
            actions.comment(request.user, setup, text=request.POST.get("text", ""))
            messages.success(request, tr("บันทึกข้อเสนอแนะแล้ว", "Comment saved"))
        else:
            raise Http404(verb)
    except ActionError as error:
        _error(request, error)
    return redirect("planning:agency", agency_code=agency.code, year=fiscal_year.pk)


# ---------------------------------------------------------------- one KPI's definition


@login_required
@require_http_methods(["GET", "POST"])
def kpi_definition(request: HttpRequest, code: str) -> HttpResponse:
    indicator = access.indicator_for(request.user, code)
    status = 200
    if request.method == "POST":
        if not access.allows(request.user, access.Capability.EDIT_SETUP, indicator.agency):
            raise PermissionDenied(tr("บทบาทของคุณแก้ไขไม่ได้", "Your role may not change this"))
        form = forms.KpiDefinitionForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                levels = forms.parse_levels(data.pop("milestone_levels"))
                actions.update_definition(
                    request.user, indicator, version=version, milestone_levels=levels, **data
                )
            except ActionError as error:
                _error(request, error)
                status = 409 if isinstance(error, ConflictError) else 400
            else:
                messages.success(request, tr("บันทึกนิยามแล้ว", "Definition saved"))
                return redirect("planning:kpi", code=indicator.code)
        else:
            status = 400
    else:
        current = versions.snapshot(indicator)
        form = forms.KpiDefinitionForm(
            initial={
                **{
                    name: getattr(indicator, name)
                    for name in actions.EDITABLE_DEFINITION_FIELDS
                    if name not in ("range_low", "range_high")
                },
                "unit": indicator.unit_id,
                "version": indicator.plan_version,
                "milestone_levels": forms.levels_text(current["milestone_levels"]),
            }
        )
    requested = request.GET.get("version")
    shown = None
    if requested and requested.isdecimal():
        shown = versions.definition_at(indicator, int(requested))
    setup = Setup.objects.filter(
        agency_id=indicator.agency_id, fiscal_year_id=indicator.fiscal_year_id
    ).first()
    return render(
        request,
        "planning/kpi_definition.html",
        {
            "kpi": indicator,
            "form": form,
            "shown": shown,
            "setup": setup,
            "frozen": bool(setup and setup.is_approved),
            "versions": DefinitionVersion.objects.filter(indicator=indicator).select_related("approved_by"),
            "may_edit": access.allows(request.user, access.Capability.EDIT_SETUP, indicator.agency),
        },
        status=status,
    )


# ---------------------------------------------------------------- templates


@login_required
@require_http_methods(["GET"])
def template_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    templates = KpiTemplate.objects.select_related("unit").annotate(
        assignment_count=Count("assignments"), agency_count=Count("assignments__agency", distinct=True)
    )
    return render(
        request,
        "planning/template_list.html",
        {
            "templates": templates,
            "is_evaluator": access.is_evaluator(request.user),
        },
    )


def _template_values(form: forms.TemplateForm) -> tuple[dict, int | None, list, list]:
    data = dict(form.cleaned_data)
    version = data.pop("version")
    nodes = list(data.pop("strategy_nodes"))
    levels = forms.parse_levels(data.pop("milestone_levels"))
    return data, version, nodes, levels


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.EVALUATE)
    form = forms.TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data, _version, nodes, levels = _template_values(form)
            template = actions.create_template(
                request.user, strategy_nodes=nodes, milestone_levels=levels, **data
            )
        except ActionError as error:
            _error(request, error)
        else:
            messages.success(request, tr("สร้างตัวชี้วัดต้นแบบแล้ว", "Template created"))
            return redirect("planning:template", pk=template.pk)
    return render(
        request,
        "planning/template_form.html",
        {"form": form, "template": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.Capability.EVALUATE)
    template = get_object_or_404(KpiTemplate, pk=pk)
    if request.method == "POST":
        form = forms.TemplateForm(request.POST)
        if form.is_valid():
            try:
                data, version, nodes, levels = _template_values(form)
                change = actions.update_template(
                    request.user,
                    template,
                    version=version,
                    strategy_nodes=nodes,
                    milestone_levels=levels,
                    **data,
                )
            except ActionError as error:
                _error(request, error)
            else:
                messages.success(
                    request,
                    tr(
                        f"บันทึกแล้ว: ปรับตัวชี้วัดที่ยังไม่อนุมัติ {len(change.updated)} ตัว "
                        f"(ที่อนุมัติแล้ว {len(change.frozen)} ตัวคงเดิม)",
                        f"Saved: {len(change.updated)} unapproved assignments updated, "
                        f"{len(change.frozen)} approved ones left as they were",
                    ),
                )
                return redirect("planning:template", pk=template.pk)
        status = 400
    else:
        form = forms.TemplateForm(
            initial={
                **{name: getattr(template, name) for name in actions.TEMPLATE_FIELDS},
                "unit": template.unit_id,
                "version": template.version,
                "strategy_nodes": list(template.strategy_nodes.all()),
                "milestone_levels": forms.levels_text(template.milestone_levels),
            }
        )
        status = 200
    return render(request, "planning/template_form.html", {"form": form, "template": template}, status=status)


@login_required
@require_http_methods(["GET"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    template = get_object_or_404(KpiTemplate.objects.select_related("unit"), pk=pk)
    assignments = access.visible_indicators(request.user, template.assignments.all())
    years = sorted(set(assignments.values_list("fiscal_year_id", flat=True)), reverse=True)
    # The latest year by default: the assignments side by side as they are being set up.
    raw_year = request.GET.get("year", "")
    shown_year = (
        int(raw_year)
        if raw_year.isdecimal() and len(raw_year) < 6
        else (years[0] if years and raw_year != "all" else None)
    )
    if shown_year is not None:
        assignments = assignments.filter(fiscal_year_id=shown_year)
    shown = list(
        assignments.select_related("agency", "unit")
        .prefetch_related(Prefetch("quarters", queryset=QuarterReport.objects.order_by("quarter")))
        .order_by("-fiscal_year_id", "agency__code")
    )
    setups = {
        (s.agency_id, s.fiscal_year_id): s
        for s in Setup.objects.filter(
            agency_id__in={a.agency_id for a in shown},
            fiscal_year_id__in={a.fiscal_year_id for a in shown},
        )
    }
    rows = [
        {"kpi": a, "plan": checks.plan_values(a), "setup": setups.get((a.agency_id, a.fiscal_year_id))}
        for a in shown
    ]
    return render(
        request,
        "planning/template_detail.html",
        {
            "template": template,
            "rows": rows,
            "quarters": QUARTERS,
            "years": years,
            "shown_year": shown_year,
            "nodes": template.strategy_nodes.select_related("plan"),
            "is_evaluator": access.is_evaluator(request.user),
        },
    )


@login_required
@require_POST
def template_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a template (or activate it again) from its page."""
    access.require(request.user, access.Capability.EVALUATE)
    template = get_object_or_404(KpiTemplate, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        actions.set_template_active(
            request.user, template, active=active, reason=request.POST.get("reason", "")
        )
    except ActionError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            tr("เปิดใช้งานตัวชี้วัดต้นแบบแล้ว", "Template activated")
            if active
            else tr(
                "ยกเลิกการใช้งานตัวชี้วัดต้นแบบแล้ว ตัวชี้วัดที่มอบหมายไปแล้วยังคงอยู่",
                "Template deactivated; the KPIs already assigned stay as they are",
            ),
        )
    return redirect("planning:template", pk=template.pk)


@login_required
@require_http_methods(["GET", "POST"])
def template_assign(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, access.Capability.EVALUATE)
    template = get_object_or_404(KpiTemplate, pk=pk)
    form = forms.AssignForm(request.POST or None, initial={"fiscal_year": FiscalYear.objects.first()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            chosen = form.chosen_agencies()
            try:
                created = actions.assign_template(
                    request.user,
                    template,
                    fiscal_year=data["fiscal_year"],
                    agencies=chosen,
                    target=data["target"],
                    plan={q: data[f"q{q}"] for q in QUARTERS},
                    weight=data["weight"],
                    skip_existing=True,
                )
            except ActionError as error:
                _error(request, error)
            else:
                skipped = len(chosen) - len(created)
                messages.success(
                    request,
                    tr(
                        f"มอบหมายให้ {len(created)} หน่วยงานแล้ว"
                        + (f" ({skipped} หน่วยงานมีตัวชี้วัดนี้อยู่แล้ว จึงข้ามไป)" if skipped else "")
                        + " หน่วยงานต้องปรับน้ำหนักให้รวมเป็น 100 ก่อนเสนอ",
                        f"Assigned to {len(created)} agencies"
                        + (f" ({skipped} already carried it and were skipped)" if skipped else "")
                        + "; each agency adjusts its weights to sum to 100 before proposing",
                    ),
                )
                return redirect(
                    reverse("planning:template", args=[template.pk]) + f"?year={data['fiscal_year'].pk}"
                )
    districts = Agency.objects.active().filter(kind=Agency.Kind.DISTRICT).count()
    return render(
        request,
        "planning/template_assign.html",
        {
            "template": template,
            "form": form,
            "district_count": districts,
        },
        status=status,
    )


# ---------------------------------------------------------------- carry forward


@login_required
@require_http_methods(["GET", "POST"])
def carry_forward(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    latest = FiscalYear.objects.first()
    form = forms.CarryForwardForm(
        request.POST or None,
        initial={
            "from_year": latest,
            "to_year": latest.year + 1 if latest else "",
        },
    )
    if not access.is_evaluator(request.user):
        # An agency carries forward only its own KPIs.
        form.own_agencies_only(access.agency_ids(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            agencies = list(data["agencies"]) or None
            what = {
                "from_year": data["from_year"],
                "to_year": data["to_year"],
                "agencies": agencies,
                "template": data.get("template"),
            }
            if request.POST.get("confirm") != "1":
                # Nothing is created on one click: the first post counts what would be
                # (the action's own dry run) and asks for a confirmation.
                try:
                    counted = preview.carry_preview(request.user, **what)
                except ActionError as error:
                    _error(request, error)
                else:
                    return render(
                        request,
                        "planning/confirm_carry_forward.html",
                        {"form": form, "preview": counted, "agencies": agencies or [], "data": data},
                    )
                return render(request, "planning/carry_forward.html", {"form": form}, status=400)
            # A background job (citykpi.jobs): done at once without a queue (then as before:
            # the message and the new year's overview), else the job's page with its progress.
            params = {
                "from_year": getattr(data["from_year"], "pk", data["from_year"]),
                # the action reads the year (Thai digits too) and says what is wrong with it
                "to_year": str(data["to_year"]),
                "agencies": [a.code for a in agencies or []],
                "template": data["template"].pk if data.get("template") else None,
            }
            digits = to_arabic_digits(params["to_year"]).strip()
            new_year = int(digits) if digits.isdecimal() else None
            job = jobs.start(request.user, planning_jobs.CARRY_FORWARD.name, params, fiscal_year=new_year)
            if job.state == job.State.DONE:
                messages.success(request, tr(job.summary_th, job.summary_en))
                return redirect(reverse("planning:overview") + f"?year={new_year}")
            if job.state == job.State.FAILED:
                messages.error(request, f"{job.error_th} / {job.error_en}")
            else:
                return redirect("jobs:detail", job.pk)
    return render(request, "planning/carry_forward.html", {"form": form}, status=status)
