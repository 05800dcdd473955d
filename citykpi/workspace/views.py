"""Staff pages of the agencies' side of the quarterly loop: the inbox (with the head's
"submit all ready"), the quarter form, a KPI's staff page with its history, and the
evidence download. The evaluator's queue and assessment page are in
citykpi.workspace.assessing.

Every view fetches its KPI through citykpi.accounts.access.indicator_for (404 outside
the user's agencies, 403 for a role that may only look) and writes only through the
actions modules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citykpi.accounts import access
from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.audit.history import history as describe
from citykpi.audit.models import AuditEvent
from citykpi.discussion.thread import attention_for, seen_at
from citykpi.exchange.setup.checklist import first_run_checklist
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.i18n import tr
from citykpi.lib.params import plain_int
from citykpi.lib.users import AnyUser
from citykpi.quality.rules import findings_for
from citykpi.reporting import actions as reporting
from citykpi.reporting import claims, commitments
from citykpi.reporting.evidence import download_name
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.conversation import thread_context
from citykpi.workspace.quarters import existing_or_blank

Status = QuarterReport.Status
SUBMITTABLE = (Status.DRAFT, Status.RETURNED, Status.REOPENED)
HISTORY_LIMIT = 200


def _today(request: HttpRequest) -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- inbox


def current_quarter(fiscal_year: FiscalYear, today: dt.date) -> int | None:
    """The first quarter whose deadline has not passed; None when the year is over."""
    for quarter in QUARTERS:
        if today <= fiscal_year.deadline(quarter):
            return quarter
    return None


def inbox_items(user: AnyUser, today: dt.date) -> dict[str, list[dict]]:
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
    by_pk = {indicator.pk: indicator for indicator in indicators}
    reports: defaultdict[int, dict[int, QuarterReport]] = defaultdict(dict)
    for report in QuarterReport.objects.filter(indicator__in=indicators).select_related("updated_by"):
        # The deadline checks read report.indicator.fiscal_year: reuse the rows in hand.
        report.indicator = by_pk[report.indicator_id]
        reports[report.indicator_id][report.quarter] = report
    for indicator in indicators:
        fiscal_year, current = years[indicator.fiscal_year_id]
        for quarter in range(1, current + 1):
            report = reports[indicator.pk].get(quarter)
            status = report.status if report else Status.NOT_STARTED
            deadline = fiscal_year.deadline(quarter)
            item = {
                "indicator": indicator,
                "quarter": quarter,
                "report": report,
                "status": status,
                "deadline": deadline,
            }
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


def awaiting_submission(
    user: AnyUser, groups: dict[str, list[dict]], today: dt.date
) -> dict[str, list[dict]]:
    """The quarters the user may submit, split into ready (a result saved, the form
    open) and not yet ready, with the reason why not."""
    out: dict[str, list[dict]] = {"ready": [], "not_ready": []}
    may_submit: dict[int, bool] = {}  # per agency: a user reports for one or a few agencies
    for key in ("returned", "overdue", "due"):
        for item in groups[key]:
            report, indicator = item["report"], item["indicator"]
            # Not started quarters already show as due; the head's list is what was worked on.
            if report is None or report.status not in SUBMITTABLE:
                continue
            if indicator.agency_id not in may_submit:
                may_submit[indicator.agency_id] = access.can_submit(user, indicator)
            if not may_submit[indicator.agency_id]:
                continue
            if reporting.is_ready(report, today):
                out["ready"].append(item)
            else:
                if report.result is None:
                    why = tr("ยังไม่มีผลงาน", "No result saved yet")
                else:
                    why = tr("ปิดรับรายงานแล้ว", "Closed for reporting")
                out["not_ready"].append({**item, "why": why})
    return out


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    today = _today(request)
    groups = inbox_items(request.user, today)
    to_submit = awaiting_submission(request.user, groups, today)
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
        "ready": to_submit["ready"],
        "not_ready": to_submit["not_ready"],
        # The administrator's first-run checklist (citykpi.exchange.setup.checklist).
        "checklist": first_run_checklist() if access.is_admin(request.user) else None,
        # What came back, was commented or assessed since the user last looked (citykpi.discussion).
        "attention": attention_for(request.user, seen_at(request.user)),
    }
    return render(request, "workspace/inbox.html", context)


@login_required
@require_POST
def submit_ready(request: HttpRequest) -> HttpResponse:
    """The head's "submit all ready": every ticked quarter through submit_report, in one
    transaction; nothing is submitted when one of them is refused."""
    versions: dict[int, str] = {}
    for value in request.POST.getlist("report"):
        if (pk := plain_int(value)) is not None:
            versions[pk] = request.POST.get(f"version_{value}", "")
    if versions and request.POST.get("confirm") != "1":
        return _confirm_submit_many(request, versions)
    try:
        submitted = reporting.submit_many(request.user, versions)
    except ConflictError as exc:
        current = exc.current
        messages.error(
            request,
            tr(
                f"ยังไม่ได้ส่งรายการใดเลย: {current.get('code')} ไตรมาสที่ {current.get('quarter')} "
                f"มีผู้แก้ไขหลังจากที่คุณเปิดหน้านี้ ({current.get('updated_by_name') or '-'}) กรุณาตรวจสอบแล้วส่งอีกครั้ง",
                f"Nothing was submitted: {current.get('code')} Q{current.get('quarter')} was changed after you "
                f"opened this page ({current.get('updated_by_name') or '-'}); check it and submit again",
            ),
        )
        return redirect("workspace:inbox")
    except ActionError as exc:
        messages.error(
            request, tr(f"ยังไม่ได้ส่งรายการใดเลย: {exc.message_th}", f"Nothing was submitted: {exc.message_en}")
        )
        return redirect("workspace:inbox")
    codes = ", ".join(f"{r.indicator.code} Q{r.quarter}" for r in submitted)
    messages.success(
        request,
        tr(
            f"ส่งรายงานแล้ว {len(submitted)} รายการ: {codes}", f"Submitted {len(submitted)} quarter(s): {codes}"
        ),
    )
    return redirect("workspace:inbox")


def _confirm_submit_many(request: HttpRequest, versions: dict[int, str]) -> HttpResponse:
    """Nothing goes out on one click: the ticked quarters, counted and listed with their
    results, and a word on each one nobody edited since it was created."""
    reports = list(
        QuarterReport.objects.filter(pk__in=versions)
        .select_related("indicator", "indicator__unit", "updated_by")
        .order_by("indicator__code", "quarter")
    )
    items = [
        {
            "report": report,
            "version": versions[report.pk],
            # A quarter whose result and narrative were never saved by anyone.
            "never_edited": report.updated_by_id is None and report.result is None and not report.narrative,
        }
        for report in reports
    ]
    return render(
        request,
        "workspace/confirm_submit.html",
        {"items": items, "never_edited": sum(1 for item in items if item["never_edited"])},
    )


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
    # The data-quality findings as the KPI stands now (issue 5), from the quarters read above.
    findings = findings_for(indicator, [existing[q] for q in sorted(existing)])
    return render(
        request,
        "workspace/kpi.html",
        {
            "indicator": indicator,
            "quarters": quarters,
            "history": history,
            "findings": findings,
            "can_see_quality_report": access.allows(request.user, access.Capability.READ_QUALITY),
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
    report = existing_or_blank(indicator, quarter)
    context: dict = {}
    if request.method == "POST":
        report = reporting.get_quarter(indicator, quarter)
        action = request.POST.get("action", "save")
        posted = {
            "result": request.POST.get("result", ""),
            "narrative": request.POST.get("narrative", ""),
            "version": request.POST.get("version"),
        }
        stored: list[Evidence] = []
        # A submit goes out only on the confirmed post: the first one shows what would go.
        confirming = action == "submit" and request.POST.get("confirm") != "1"
        if action == "edit":
            # "Back to the form" from the confirmation: what was typed, nothing saved, and
            # the version it was read at (a save in between still shows as a conflict).
            context["posted"] = posted
            context["keep_version"] = True
        else:
            try:
                # One request, one transaction: the save, every file and the submit commit
                # together or not at all, so a refused file or a refused submit changes nothing.
                with transaction.atomic():
                    if confirming:
                        preview = _preview_submit(request, report, posted, stored)
                    else:
                        report = _apply_quarter_post(request, report, action, posted, stored)
                if confirming:
                    return _confirm_submit_one(request, indicator, quarter, posted, preview)
                _announce_saved(request, report, action)
                return redirect("workspace:quarter", code=indicator.code, quarter=quarter)
            except (ActionError, PermissionDenied) as exc:
                # The transaction rolled back: no stored file may outlive it.
                for evidence in stored:
                    evidence.file.storage.delete(evidence.file.name)
                if isinstance(exc, PermissionDenied):
                    exc = ActionError(
                        "บทบาทของคุณส่งรายงานนี้ไม่ได้ ไม่มีการบันทึกใด ๆ",
                        "Your role may not submit this report; nothing was saved",
                        field="action",
                    )
                    context["status"] = 403
                if request.FILES.getlist("evidence"):
                    context["files_not_kept"] = True
                report = existing_or_blank(indicator, quarter)
                context.update(_error_context(exc), posted=posted)
                if isinstance(exc, ConflictError):
                    context["conflict"] = exc.current
    can_report = access.can_report(request.user, indicator)
    can_submit = access.can_submit(request.user, indicator)
    deadline = indicator.fiscal_year.deadline(quarter)
    context.update(
        indicator=indicator,
        report=report,
        quarter=quarter,
        deadline=deadline,
        days_left=(deadline - today).days if deadline else None,
        evidence=list(report.evidence.filter(is_removed=False)) if report.pk else [],
        can_report=can_report,
        can_submit=can_submit,
        submitters=submitters_of(indicator) if can_report and not can_submit else [],
        is_open=report.status in reporting.EDITABLE and reporting.is_open(report, today),
        max_mb=reporting_max_mb(),
        **quarter_overview(indicator, quarter),
        **thread_context(request.user, report, "quarter"),
    )
    context.setdefault(
        "posted",
        {
            "result": ""
            if report.result is None
            else reporting.format_number(report.result).replace(",", ""),
            "narrative": report.narrative,
            "version": report.version,
        },
    )
    if not context.pop("keep_version", False):
        context["posted"]["version"] = report.version
    status = context.pop("status", None) or (
        409 if "conflict" in context else (400 if "error" in context else 200)
    )
    return render(request, "workspace/quarter.html", context, status=status)


def _apply_quarter_post(
    request: HttpRequest, report: QuarterReport, action: str, posted: dict, stored: list[Evidence]
) -> QuarterReport:
    """Carry out one post of the quarter form (inside the caller's transaction)."""
    if action in ("save", "submit"):
        if posted["version"] in (None, ""):
            # Without the version it was read at, a post would overwrite a newer save unseen.
            raise ActionError(
                "แบบฟอร์มไม่มีรุ่นของข้อมูล กรุณาเปิดหน้านี้ใหม่",
                "The form carries no version; open the page again",
                field="version",
            )
        report = reporting.save_report(
            request.user,
            report,
            result=posted["result"],
            narrative=posted["narrative"],
            version=posted["version"],
        )
        for uploaded in request.FILES.getlist("evidence"):
            stored.append(reporting.add_evidence(request.user, report, uploaded))
        if action == "submit":
            reporting.submit_report(request.user, report, version=report.version)
        return report
    if action == "recall":
        return reporting.recall_report(request.user, report, version=posted["version"] or None)
    if action in commitments.FORM_ACTIONS or action in claims.FORM_ACTIONS:
        module = commitments if action in commitments.FORM_ACTIONS else claims
        module.apply_posted(request.user, report, action, request.POST)
        return report
    if action == "remove_evidence":
        evidence = get_object_or_404(
            Evidence, pk=parse_id(request.POST.get("evidence")), quarter_report=report, is_removed=False
        )
        reporting.remove_evidence(request.user, evidence)
        return report
    raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")


class _WouldSubmit(Exception):
    """Raised inside the savepoint of a submit preview to roll the submit back."""


def _preview_submit(
    request: HttpRequest, report: QuarterReport, posted: dict, stored: list[Evidence]
) -> dict:
    """The first press of "submit" (inside the caller's transaction): everything the real
    submit would do is tried, so a refusal (a bad file, no result, a role that may not
    submit, a stale version) reads exactly as it would on the real one; then the submit is
    rolled back. Without files nothing is kept (the typed values travel to the confirmation
    in hidden fields). Files cannot travel (a browser never re-sends a chosen file), so
    with files the draft and the files are kept, a reversible save, and only the submit
    waits for the confirmation."""
    never_edited = report.updated_by_id is None and report.result is None and not report.narrative
    saved_result, saved_narrative = report.result, report.narrative
    earlier_files = Evidence.objects.filter(quarter_report=report, is_removed=False).count()
    report = _apply_quarter_post(request, report, "save", posted, stored)
    preview = {
        "result": report.result,
        "narrative": report.narrative,
        "warnings": list(getattr(report, "warnings", [])),
        "never_edited": never_edited,
        "changed": not never_edited
        and (report.result != saved_result or report.narrative != saved_narrative),
        "evidence_count": earlier_files + len(stored),
        "files_saved": len(stored),
    }
    try:
        with transaction.atomic():
            reporting.submit_report(request.user, report, version=report.version)
            raise _WouldSubmit
    except _WouldSubmit:
        pass
    if stored:
        preview["version"] = QuarterReport.objects.values_list("version", flat=True).get(pk=report.pk)
    else:
        transaction.set_rollback(True)
        preview["version"] = posted["version"]
    return preview


def _confirm_submit_one(
    request: HttpRequest, indicator: Indicator, quarter: int, posted: dict, preview: dict
) -> HttpResponse:
    """Nothing goes to the evaluator on one click: the KPI and quarter, the result against
    the plan, what is missing (narrative, evidence, any earlier save), and the recall."""
    overview = quarter_overview(indicator, quarter)
    deadline = indicator.fiscal_year.deadline(quarter)
    if preview["files_saved"]:
        messages.info(
            request,
            tr(
                f"บันทึกร่างและไฟล์หลักฐาน {preview['files_saved']} ไฟล์แล้ว ยังไม่ได้ส่งรายงาน",
                f"The draft and {preview['files_saved']} evidence file(s) are saved; nothing is submitted yet",
            ),
        )
    return render(
        request,
        "workspace/confirm_submit_one.html",
        {
            "indicator": indicator,
            "quarter": quarter,
            "posted": {**posted, "version": preview["version"]},
            "preview": preview,
            "deadline": deadline,
            **overview,
        },
    )


def _announce_saved(request: HttpRequest, report: QuarterReport, action: str) -> None:
    if action in commitments.FORM_ACTIONS or action in claims.FORM_ACTIONS:
        messages.success(request, tr("บันทึกแล้ว", "Saved"))
        return
    if action == "remove_evidence":
        messages.success(request, tr("นำหลักฐานออกแล้ว", "Evidence removed"))
        return
    if action == "recall":
        messages.success(
            request,
            tr("เรียกคืนรายงานแล้ว กลับเป็นร่าง แก้ไขแล้วส่งใหม่ได้", "Recalled: a draft again, to edit and resubmit"),
        )
        return
    if action == "submit":
        messages.success(request, tr("ส่งรายงานแล้ว", "Submitted"))
    else:
        messages.success(request, tr("บันทึกร่างแล้ว", "Draft saved"))
    # The save went through; its data-quality warnings are for the reporter to read now,
    # before the head or the evaluator sees the doubtful number.
    for warning in getattr(report, "warnings", []):
        messages.warning(
            request,
            tr(f"โปรดตรวจสอบ: {warning.message_th}", f"Please check: {warning.message_en}")
            if hasattr(warning, "message_th")
            else str(warning),
        )


def parse_id(value: str | None) -> int:
    """A posted object id, or 404 for anything that is not a plain non-negative 64-bit number."""
    pk = plain_int(value)
    if pk is None:
        raise Http404("no such object")
    return pk


def quarter_overview(indicator: Indicator, quarter: int) -> dict:
    """The year at a glance for the quarter form: each quarter's planned cumulative
    target, result and status, and the highest earlier result (a running total should
    not fall below it)."""
    rows = {
        r.quarter: r
        for r in QuarterReport.objects.filter(indicator=indicator).only(
            "quarter", "planned_target", "result", "status", "indicator_id"
        )
    }
    overview: list[dict[str, Any]] = []
    for q in QUARTERS:
        row = rows.get(q)
        overview.append(
            {
                "quarter": q,
                "planned": row.planned_target if row else None,
                "result": row.result if row else None,
                "status": row.status if row else Status.NOT_STARTED,
                "is_current": q == quarter,
            }
        )
    earlier = [r["result"] for r in overview if r["quarter"] < quarter and r["result"] is not None]
    this = rows.get(quarter)
    return {
        "overview": overview,
        "planned_target": this.planned_target if this else None,
        "previous_best": max(earlier) if earlier else None,
    }


def submitters_of(indicator: Indicator) -> list[str]:
    """The names of the heads who may submit this KPI's quarters (a head of the agency
    or of an agency above it)."""
    agency_ids = []
    agency: Agency | None = indicator.agency
    seen = 0
    while agency is not None and seen < 10:  # the tree is shallow; the bound guards a cycle
        agency_ids.append(agency.pk)
        agency = agency.parent
        seen += 1
    heads = Membership.objects.filter(role=Role.HEAD, agency_id__in=agency_ids).select_related("user")
    return sorted({m.user.get_full_name() or m.user.username for m in heads if m.user.is_active})


def reporting_max_mb() -> str:
    return f"{settings.EVIDENCE_MAX_BYTES / (1024 * 1024):g}"


# ---------------------------------------------------------------- evidence download


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the real (Thai) name per RFC 5987/6266."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(
        Evidence.objects.select_related("quarter_report__indicator"), pk=pk, is_removed=False
    )
    report = item.quarter_report
    indicator = report.indicator
    public = (
        report.status in QuarterReport.PUBLISHED_STATUSES
        and indicator.is_published
        and FiscalYear.objects.published().filter(pk=indicator.fiscal_year_id).exists()
    )
    if not public:
        if not request.user.is_authenticated:
            # Do not reveal that unpublished evidence exists.
            raise Http404("evidence")
        access.indicator_for(request.user, indicator.code)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    # Downloaded under the extension of the type found in its content, never the uploader's.
    response["Content-Disposition"] = content_disposition(
        download_name(item.original_name, item.content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if not public else "public, max-age=300"
    return response
