"""The central evaluator's pages: the queue of quarters across every agency (filters,
counts per status, sorting by waiting time, an Excel export) and the assessment page
(the KPI's definition, its four quarters, a suggested score, data-quality findings,
evidence, and the forms to assess, return or reopen, with "save and go to the next one").

The queue's filters travel to the assessment page as a `next` query string so that the
evaluator can work down a filtered queue without going back to it. Only the queue's own
filter keys are kept from it: it is never a URL, so it cannot redirect anywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.evaluation import actions as evaluation
from citykpi.evaluation.actions import component_names
from citykpi.evaluation.models import Assessment
from citykpi.exchange.export import export_response
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS
from citykpi.lib.i18n import tr
from citykpi.lib.thai import format_number
from citykpi.quality import scoring
from citykpi.quality.evaluate import rule_for, score_indicator
from citykpi.quality.rules import Limits, findings_for
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.quarters import existing_or_blank

Status = QuarterReport.Status
PAGE_SIZE = 50
# The filter keys of the queue: the only ones a `next` query string may carry.
QUEUE_KEYS = ("agency", "year", "quarter", "type", "status", "sort")
# What "save and go to the next one" can move on to: quarters that still need a verdict.
ASSESSABLE = (Status.SUBMITTED, Status.REOPENED)
SORTS = {
    # Longest waiting first: the default, so the oldest submission is never left behind.
    "waiting": (F("submitted_at").asc(nulls_last=True), "indicator__code", "quarter"),
    "-waiting": (F("submitted_at").desc(nulls_last=True), "indicator__code", "quarter"),
    "code": ("indicator__code", "quarter"),
}


# ---------------------------------------------------------------- the queue's filters


def queue_params(source: QueryDict | str | None) -> QueryDict:
    """The queue's filters from a request's GET or a `next` string, other keys dropped."""
    raw = source if isinstance(source, QueryDict) else QueryDict(source or "")
    kept = QueryDict(mutable=True)
    for key in QUEUE_KEYS:
        value = (raw.get(key) or "").strip()
        if value:
            kept[key] = value[:40]
    return kept


def queue_reports(params: QueryDict, *, with_status: bool = True) -> QuerySet:
    """The quarters the queue shows for `params`, in the chosen order.

    `with_status=False` leaves the status filter out (the counts per status)."""
    reports = QuarterReport.objects.exclude(status=Status.NOT_STARTED)
    status = params.get("status", Status.SUBMITTED)
    if with_status and status and status != "all":
        reports = reports.filter(status=status)
    if params.get("agency"):
        reports = reports.filter(indicator__agency__code=params["agency"])
    year = params.get("year") or ""
    if year.isdecimal() and len(year) < 6:
        reports = reports.filter(indicator__fiscal_year_id=int(year))
    quarter = params.get("quarter") or ""
    if quarter.isdecimal() and len(quarter) < 3:
        reports = reports.filter(quarter=int(quarter))
    if params.get("type"):
        reports = reports.filter(indicator__kpi_type=params["type"])
    return reports.order_by(*SORTS.get(params.get("sort", ""), SORTS["waiting"]))


def next_in_queue(params: QueryDict, after: QuarterReport) -> QuarterReport | None:
    """The next quarter of the filtered queue that still needs a verdict."""
    return (
        queue_reports(params)
        .filter(status__in=ASSESSABLE)
        .exclude(pk=after.pk)
        .select_related("indicator")
        .first()
    )


def assess_url(code: str, quarter: int, next_qs: str) -> str:
    url = reverse("workspace:assess", args=[code, quarter])
    return f"{url}?{urlencode({'next': next_qs})}" if next_qs else url


def waiting_days(report: QuarterReport, today: dt.date) -> int | None:
    if report.submitted_at is None:
        return None
    return (today - timezone.localdate(report.submitted_at)).days


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not access.is_citywide_viewer(request.user):
        raise PermissionDenied(tr("เฉพาะ สยป. และผู้บริหาร", "Evaluators and executives only"))
    params = queue_params(request.GET)
    reports = queue_reports(params)
    if request.GET.get("export") == "xlsx":
        indicators = Indicator.objects.filter(pk__in=reports.values("indicator_id")).order_by("code")
        return export_response(indicators, "xlsx", f"queue-{timezone.localdate().isoformat()}", public=False)
    counts = dict(
        queue_reports(params, with_status=False).order_by().values_list("status").annotate(n=Count("id"))
    )
    page = Paginator(
        reports.select_related(
            "indicator__agency", "indicator__fiscal_year", "indicator__unit", "assessment", "submitted_by"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for report in page:
        report.waiting_days = waiting_days(report, today)
    status = params.get("status", Status.SUBMITTED)
    shown_statuses = [(value, label) for value, label in Status.choices if value != Status.NOT_STARTED]
    return render(
        request,
        "workspace/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": shown_statuses,
            "status_counts": [(value, label, counts.get(value, 0)) for value, label in shown_statuses],
            "total_all": sum(counts.values()),
            "types": Indicator.Type.choices,
            "agencies": Agency.objects.active().only("code", "name_th"),
            "years": FiscalYear.objects.values_list("year", flat=True),
            "params": params,
            "sort": params.get("sort", "waiting"),
            "next_qs": params.urlencode(),
            "can_assess": access.can_assess(request.user),
        },
    )


# ---------------------------------------------------------------- the assessment page


def _four_quarters(indicator: Indicator) -> list[QuarterReport]:
    rows = {
        r.quarter: r for r in QuarterReport.objects.filter(indicator=indicator).select_related("assessment")
    }
    out = []
    for q in QUARTERS:
        row = rows.get(q) or QuarterReport(indicator=indicator, quarter=q)
        row.indicator = indicator
        out.append(row)
    return out


def _assessment_of(report: QuarterReport) -> Assessment | None:
    if not report.pk:
        return None
    try:
        return report.assessment
    except QuarterReport.assessment.RelatedObjectDoesNotExist:
        return None


def kpi_review(indicator: Indicator, quarter: int) -> dict:
    """What the evaluator reads before scoring: the four quarters with their suggested
    scores and statuses (citykpi.quality), and the data-quality findings."""
    quarters = _four_quarters(indicator)
    levels = None
    if indicator.scoring_method == scoring.MILESTONE:
        levels = tuple(scoring.Level(r.level, r.percent, r.points) for r in indicator.milestone_levels.all())
    rule = rule_for(indicator, levels)
    limits = Limits.for_year(indicator.fiscal_year_id)
    # Only stored quarters count, as everywhere else (a blank one is not "no result").
    stored = [r for r in quarters if r.pk]
    evaluated = score_indicator(indicator, stored, limits.thresholds)
    rows: list[dict[str, Any]] = []
    for report in quarters:
        problem = evaluated.problems.get(report.quarter)
        suggested = None
        if problem is None and report.pk:
            suggested = scoring.suggested_quarter_score(
                rule, scoring.QuarterInput(report.quarter, report.planned_target, report.result)
            )
        label_th, label_en = scoring.status_label(evaluated.statuses.get(report.quarter, scoring.NO_DATA))
        rows.append(
            {
                "report": report,
                "assessment": _assessment_of(report),
                "suggested": suggested,
                "progress": evaluated.progress.get(report.quarter),
                "performance": evaluated.statuses.get(report.quarter, scoring.NO_DATA),
                "performance_label": tr(label_th, label_en),
                "problem": tr(problem.message_th, problem.message_en) if problem else "",
                "is_current": report.quarter == quarter,
            }
        )
    current = rows[quarter - 1]
    suggested = current["suggested"]
    return {
        "quarter_rows": rows,
        "suggested": suggested,
        "suggested_value": format_number(suggested.percent).replace(",", "") if suggested else "",
        "suggested_explanation": tr(suggested.explanation_th, suggested.explanation_en) if suggested else "",
        "suggested_problem": current["problem"],
        "findings": findings_for(indicator, stored, limits=limits, levels=rule.levels or ()),
        "method_label": dict(Indicator.Method.choices).get(
            indicator.scoring_method, indicator.scoring_method
        ),
        "direction_label": dict(Indicator.Direction.choices).get(indicator.direction, indicator.direction),
    }


def _finish(
    request: HttpRequest, indicator: Indicator, report: QuarterReport, go_next: bool, params: QueryDict
) -> HttpResponse:
    """Where to go after a verdict: the next quarter of the filtered queue, or back here."""
    next_qs = params.urlencode()
    if go_next:
        following = next_in_queue(params, report)
        if following is None:
            messages.info(
                request, tr("ไม่มีรายการรอประเมินเหลือในคิวนี้แล้ว", "Nothing left to assess in this queue")
            )
            return redirect(
                f"{reverse('workspace:queue')}?{next_qs}" if next_qs else reverse("workspace:queue")
            )
        return redirect(assess_url(following.indicator.code, following.quarter, next_qs))
    return redirect(assess_url(indicator.code, report.quarter, next_qs))


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, code: str, quarter: int) -> HttpResponse:
    indicator = access.indicator_for(request.user, code, action="assess")
    report = existing_or_blank(indicator, quarter)
    names = component_names(report)
    source = request.POST if request.method == "POST" else request.GET
    params = queue_params(source.get("next"))
    context: dict = {"posted": {}}
    if request.method == "POST":
        report = reporting.get_quarter(indicator, quarter)
        action = request.POST.get("action", "assess")
        version = request.POST.get("version")
        go_next = request.POST.get("then") == "next"
        context["posted"] = request.POST
        try:
            if action == "assess":
                evaluation.assess(
                    request.user,
                    report,
                    score=request.POST.get("score", ""),
                    components={name: request.POST.get(f"component_{name}", "") for name in names},
                    comment=request.POST.get("comment", ""),
                    version=version,
                )
                messages.success(
                    request,
                    tr(
                        f"บันทึกผลประเมิน {indicator.code} ไตรมาสที่ {quarter} แล้ว",
                        f"Assessment of {indicator.code} Q{quarter} saved",
                    ),
                )
            elif action == "return":
                evaluation.return_report(
                    request.user, report, reason=request.POST.get("reason", ""), version=version
                )
                messages.success(
                    request,
                    tr(
                        f"ส่ง {indicator.code} ไตรมาสที่ {quarter} กลับให้หน่วยงานแก้ไขแล้ว",
                        f"{indicator.code} Q{quarter} returned to the agency",
                    ),
                )
            elif action == "reopen":
                until = _parse_date(request.POST.get("until"))
                evaluation.reopen(
                    request.user, report, reason=request.POST.get("reason", ""), until=until, version=version
                )
                messages.success(request, tr("เปิดให้แก้ไขแล้ว", "Reopened"))
                go_next = False
            else:
                raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")
            return _finish(request, indicator, report, go_next, params)
        except ConflictError as exc:
            context.update(
                error=exc, field_errors={exc.field: exc.message} if exc.field else {}, conflict=exc.current
            )
        except ActionError as exc:
            context.update(error=exc, field_errors={exc.field: exc.message} if exc.field else {})
        report = existing_or_blank(indicator, quarter)
    assessment = _assessment_of(report)
    review = kpi_review(indicator, quarter)
    posted = context["posted"]
    if posted:
        score_value = posted.get("score", "")
    elif assessment:
        score_value = format_number(assessment.score).replace(",", "")
    else:
        score_value = review["suggested_value"]
    next_qs = params.urlencode()
    context.update(
        review,
        indicator=indicator,
        report=report,
        quarter=quarter,
        assessment=assessment,
        score_value=score_value,
        score_is_suggested=not posted and assessment is None and bool(review["suggested_value"]),
        components=[
            (
                name,
                posted.get(f"component_{name}")
                if posted
                else (assessment.component(name) if assessment else ""),
            )
            for name in names
        ],
        evidence=list(Evidence.objects.filter(quarter_report=report, is_removed=False)) if report.pk else [],
        deadline=indicator.fiscal_year.deadline(quarter),
        next_qs=next_qs,
        queue_url=f"{reverse('workspace:queue')}?{next_qs}" if next_qs else reverse("workspace:queue"),
        remaining=queue_reports(params).filter(status__in=ASSESSABLE).exclude(pk=report.pk).count()
        if report.status in ASSESSABLE
        else None,
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
