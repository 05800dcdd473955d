"""Staff pages of the quarterly loop: the reporter's inbox, the quarter form, the
evaluator's queue and assessment form, a KPI's staff page with its history, and the
evidence download.

Every view fetches its KPI through citykpi.accounts.access.indicator_for (404 outside
the user's agencies, 403 for a role that may only look) and writes only through the
actions modules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from citykpi.accounts import access
from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency
from citykpi.audit.history import history as describe
from citykpi.audit.models import AuditEvent
from citykpi.evaluation import actions as evaluation
from citykpi.evaluation.actions import component_names
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.i18n import tr
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence, QuarterReport

Status = QuarterReport.Status
PAGE_SIZE = 50
HISTORY_LIMIT = 200


def _today(request: HttpRequest) -> dt.date:
    return timezone.localdate()


def _existing_or_blank(indicator: Indicator, quarter: int) -> QuarterReport:
    """A GET never writes: a quarter without a row is shown as an unsaved blank one."""
    if quarter not in QUARTERS:
        raise Http404("quarter")
    report = (
        QuarterReport.objects.filter(indicator=indicator, quarter=quarter)
        .select_related("updated_by", "submitted_by", "assessment")
        .first()
    )
    if report is None:
        report = QuarterReport(
            indicator=indicator, quarter=quarter, definition_version=indicator.definition_version
        )
    report.indicator = indicator
    return report


# ---------------------------------------------------------------- inbox


def current_quarter(fiscal_year: FiscalYear, today: dt.date) -> int | None:
    """The first quarter whose deadline has not passed; None when the year is over."""
    for quarter in QUARTERS:
        if today <= fiscal_year.deadline(quarter):
            return quarter
    return None


def inbox_items(user, today: dt.date) -> dict[str, list[dict]]:
    """The user's KPIs in each fiscal year in progress, grouped by what to do next."""
    groups: dict[str, list[dict]] = {k: [] for k in ("returned", "overdue", "due", "submitted", "assessed")}
    agency_ids = access.agency_ids(user, Role.REPORTER, Role.HEAD)
    if not agency_ids:
        return groups
    years = {
        fy.year: (fy, q)
        for fy in FiscalYear.objects.all()
        if (q := current_quarter(fy, today)) is not None and today >= fy.period.start
    }
    if not years:
        return groups
    indicators = list(
        Indicator.objects.filter(agency_id__in=agency_ids, fiscal_year_id__in=years)
        .select_related("agency", "fiscal_year", "unit")
        .order_by("fiscal_year_id", "code")
    )
    reports = defaultdict(dict)
    for report in QuarterReport.objects.filter(indicator__in=indicators):
        reports[report.indicator_id][report.quarter] = report
    for indicator in indicators:
        fiscal_year, current = years[indicator.fiscal_year_id]
        for quarter in range(1, current + 1):
            report = reports[indicator.pk].get(quarter)
            status = report.status if report else Status.NOT_STARTED
            deadline = fiscal_year.deadline(quarter)
            item = {"indicator": indicator, "quarter": quarter, "report": report, "status": status,
                    "deadline": deadline}
            if status in (Status.RETURNED, Status.REOPENED):
                groups["returned"].append(item)
            elif status in (Status.NOT_STARTED, Status.DRAFT):
                late = report is None or report.reopened_until is None or today > report.reopened_until
                if quarter < current and late:
                    groups["overdue"].append(item)
                elif quarter == current or not late:
                    groups["due"].append(item)
            elif quarter == current:
                groups["submitted" if status == Status.SUBMITTED else "assessed"].append(item)
    return groups


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    today = _today(request)
    groups = inbox_items(request.user, today)
    context = {
        "groups": [
            ("returned", tr("ส่งกลับให้แก้ไข", "Returned for revision"), groups["returned"]),
            ("overdue", tr("เลยกำหนด", "Overdue"), groups["overdue"]),
            ("due", tr("ต้องรายงาน", "Due"), groups["due"]),
            ("submitted", tr("ส่งแล้ว รอประเมิน", "Submitted, awaiting assessment"), groups["submitted"]),
            ("assessed", tr("ประเมินแล้ว", "Assessed"), groups["assessed"]),
        ],
        "today": today,
        "is_evaluator": access.is_evaluator(request.user),
        "waiting": QuarterReport.objects.filter(status=Status.SUBMITTED).count()
        if access.is_evaluator(request.user)
        else None,
        "has_agency": bool(access.agency_ids(request.user)),
    }
    return render(request, "workspace/inbox.html", context)


# ---------------------------------------------------------------- KPI staff page


@login_required
@require_GET
def kpi(request: HttpRequest, code: str) -> HttpResponse:
    indicator = access.indicator_for(request.user, code)
    existing = {
        r.quarter: r
        for r in QuarterReport.objects.filter(indicator=indicator)
        .select_related("assessment", "updated_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.filter(is_removed=False)))
    }
    quarters = [existing.get(q) or QuarterReport(indicator=indicator, quarter=q) for q in QUARTERS]
    history = describe(AuditEvent.objects.filter(indicator_code=indicator.code)[:HISTORY_LIMIT])
    return render(
        request,
        "workspace/kpi.html",
        {
            "indicator": indicator,
            "quarters": quarters,
            "history": history,
            "components": indicator.fiscal_year.assessment_components or ["2.1", "2.2"],
            "can_report": access.can_report(request.user, indicator),
            "can_assess": access.can_assess(request.user),
        },
    )


# ---------------------------------------------------------------- the quarter form


def _error_context(exc: ActionError) -> dict:
    return {"error": exc, "field_errors": {exc.field: exc.message} if exc.field else {}}


@login_required
@require_http_methods(["GET", "POST"])
def quarter(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    indicator = access.indicator_for(request.user, code)
    if request.method == "POST" and not access.can_report(request.user, indicator):
        raise PermissionDenied(tr("บทบาทของคุณดูได้อย่างเดียว", "Your role may only look"))
    today = _today(request)
    report = _existing_or_blank(indicator, quarter)
    context: dict = {}
    if request.method == "POST":
        report = reporting.get_quarter(indicator, quarter)
        action = request.POST.get("action", "save")
        posted = {
            "result": request.POST.get("result", ""),
            "narrative": request.POST.get("narrative", ""),
            "version": request.POST.get("version"),
        }
        try:
            if action in ("save", "submit"):
                report = reporting.save_report(
                    request.user, report, result=posted["result"], narrative=posted["narrative"],
                    version=posted["version"],
                )
                for uploaded in request.FILES.getlist("evidence"):
                    reporting.add_evidence(request.user, report, uploaded)
                if action == "submit":
                    reporting.submit_report(request.user, report, version=report.version)
                    messages.success(request, tr("ส่งรายงานแล้ว", "Submitted"))
                else:
                    messages.success(request, tr("บันทึกร่างแล้ว", "Draft saved"))
                    for warning in getattr(report, "warnings", []):
                        messages.warning(request, getattr(warning, "message", str(warning)))
            elif action == "remove_evidence":
                evidence = get_object_or_404(
                    Evidence, pk=request.POST.get("evidence"), quarter_report=report, is_removed=False
                )
                reporting.remove_evidence(request.user, evidence)
                messages.success(request, tr("นำหลักฐานออกแล้ว", "Evidence removed"))
            else:
                raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")
            return redirect("workspace:quarter", code=indicator.code, quarter=quarter)
        except ConflictError as exc:
            report = _existing_or_blank(indicator, quarter)
            context.update(_error_context(exc), conflict=exc.current, posted=posted)
        except ActionError as exc:
            report = _existing_or_blank(indicator, quarter)
            context.update(_error_context(exc), posted=posted)
    context.update(
        indicator=indicator,
        report=report,
        quarter=quarter,
        deadline=indicator.fiscal_year.deadline(quarter),
        evidence=list(report.evidence.filter(is_removed=False)) if report.pk else [],
        can_report=access.can_report(request.user, indicator),
        can_submit=access.can_submit(request.user, indicator),
        is_open=report.status in reporting.EDITABLE and reporting.is_open(report, today),
        max_mb=reporting_max_mb(),
    )
    context.setdefault(
        "posted",
        {
            "result": "" if report.result is None else reporting.format_number(report.result).replace(",", ""),
            "narrative": report.narrative,
            "version": report.version,
        },
    )
    context["posted"]["version"] = report.version
    status = 409 if "conflict" in context else (400 if "error" in context else 200)
    return render(request, "workspace/quarter.html", context, status=status)


def reporting_max_mb() -> str:
    from django.conf import settings

    return f"{settings.EVIDENCE_MAX_BYTES / (1024 * 1024):g}"


# ---------------------------------------------------------------- the evaluator


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not access.is_citywide_viewer(request.user):
        raise PermissionDenied(tr("เฉพาะ สยป. และผู้บริหาร", "Evaluators and executives only"))
    params = request.GET
    status = params.get("status", Status.SUBMITTED)
    reports = QuarterReport.objects.select_related(
        "indicator__agency", "indicator__fiscal_year", "indicator__unit", "assessment", "submitted_by"
    ).order_by("submitted_at", "indicator__code", "quarter")
    if status and status != "all":
        reports = reports.filter(status=status)
    if params.get("agency"):
        reports = reports.filter(Q(indicator__agency__code=params["agency"]))
    if (params.get("year") or "").isdigit():
        reports = reports.filter(indicator__fiscal_year_id=int(params["year"]))
    if (params.get("quarter") or "").isdigit():
        reports = reports.filter(quarter=int(params["quarter"]))
    if params.get("type"):
        reports = reports.filter(indicator__kpi_type=params["type"])
    page = Paginator(reports, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "workspace/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "types": Indicator.Type.choices,
            "agencies": Agency.objects.active().only("code", "name_th"),
            "years": FiscalYear.objects.values_list("year", flat=True),
            "params": params,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    indicator = access.indicator_for(request.user, code, action="assess")
    report = _existing_or_blank(indicator, quarter)
    names = component_names(report)
    context: dict = {"posted": {}}
    if request.method == "POST":
        report = reporting.get_quarter(indicator, quarter)
        action = request.POST.get("action", "assess")
        version = request.POST.get("version")
        context["posted"] = request.POST
        try:
            if action == "assess":
                evaluation.assess(
                    request.user, report, score=request.POST.get("score", ""),
                    components={name: request.POST.get(f"component_{name}", "") for name in names},
                    comment=request.POST.get("comment", ""), version=version,
                )
                messages.success(request, tr("บันทึกผลประเมินแล้ว", "Assessment saved"))
            elif action == "return":
                evaluation.return_report(request.user, report, reason=request.POST.get("reason", ""),
                                         version=version)
                messages.success(request, tr("ส่งกลับให้หน่วยงานแก้ไขแล้ว", "Returned to the agency"))
            elif action == "reopen":
                until = _parse_date(request.POST.get("until"))
                evaluation.reopen(request.user, report, reason=request.POST.get("reason", ""), until=until,
                                  version=version)
                messages.success(request, tr("เปิดให้แก้ไขแล้ว", "Reopened"))
            else:
                raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")
            return redirect("workspace:assess", code=indicator.code, quarter=quarter)
        except ConflictError as exc:
            context.update(_error_context(exc), conflict=exc.current)
        except ActionError as exc:
            context.update(_error_context(exc))
        report = _existing_or_blank(indicator, quarter)
    assessment = getattr(report, "assessment", None) if report.pk else None
    context.update(
        indicator=indicator,
        report=report,
        quarter=quarter,
        assessment=assessment,
        components=[
            (name, context["posted"].get(f"component_{name}") or (assessment.component(name) if assessment else ""))
            for name in names
        ],
        evidence=list(report.evidence.filter(is_removed=False)) if report.pk else [],
        deadline=indicator.fiscal_year.deadline(quarter),
    )
    status = 409 if "conflict" in context else (400 if "error" in context else 200)
    return render(request, "workspace/assess.html", context, status=status)


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ActionError("วันที่ไม่ถูกต้อง (ปปปป-ดด-วว)", "Not a date (YYYY-MM-DD)", field="until") from None


# ---------------------------------------------------------------- evidence download


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the real (Thai) name per RFC 5987/6266."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_GET
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Evidence.objects.select_related("quarter_report__indicator"), pk=pk, is_removed=False
    )
    report = item.quarter_report
    indicator = report.indicator
    public = (
        report.status in QuarterReport.PUBLISHED_STATUSES
        and indicator.is_published
        and FiscalYear.objects.filter(pk=indicator.fiscal_year_id, is_published=True).exists()
    )
    if not public:
        if not request.user.is_authenticated:
            # Do not reveal that unpublished evidence exists.
            raise Http404("evidence")
        access.indicator_for(request.user, indicator.code)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = content_disposition(item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if not public else "public, max-age=300"
    return response

