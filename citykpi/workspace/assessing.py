"""The central evaluator's pages: the queue of quarters across every agency (filters,
counts per status, sorting by waiting time, an Excel export, the suggested score of each
row and the bulk assessment of the on-plan ones in one confirmed step) and the assessment
page (the KPI's definition, its four quarters, a suggested score, data-quality findings,
evidence, the quarter's thread and what changed since a return, and the forms to assess,
return or reopen, with "save and go to the next one").

The queue opens on the current round (`current_round`): this fiscal year's quarter being
reported now, or the quarter before it while that one still has quarters waiting; the
evaluator picks "all" to see every year.

The queue's filters travel to the assessment page as a `next` query string so that the
evaluator can work down a filtered queue without going back to it. Only the queue's own
filter keys are kept from it: it is never a URL, so it cannot redirect anywhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
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
from citykpi.lib.fiscal import QUARTERS, fiscal_year_of
from citykpi.lib.i18n import tr
from citykpi.lib.params import plain_int
from citykpi.lib.thai import format_number
from citykpi.quality import scoring
from citykpi.quality.evaluate import rule_for, score_indicator
from citykpi.quality.rules import Limits, findings_for
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.conversation import thread_context
from citykpi.workspace.quarters import existing_or_blank
from citykpi.workspace.views import current_quarter

Status = QuarterReport.Status
PAGE_SIZE = 50
# A filter value that means "every year" / "every quarter" (an absent year means the round).
ALL = "all"
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


@dataclass(frozen=True)
class Round:
    """A fiscal year's quarter: what the queue shows when no year is chosen."""

    year: int
    quarter: int


def current_round(today: dt.date) -> Round | None:
    """The quarter being reported now in this fiscal year (the first whose deadline has not
    passed); while it has nothing waiting and the quarter before it (the previous year's
    fourth one after a new year began) still has, that one: the evaluator assesses a
    quarter after its deadline. None when today's fiscal year is not set up. Two queries."""
    this_year = fiscal_year_of(today)
    years = {fy.year: fy for fy in FiscalYear.objects.filter(year__in=[this_year, this_year - 1])}
    if this_year not in years:
        return None
    now = Round(this_year, current_quarter(years[this_year], today) or 4)
    before = Round(this_year, now.quarter - 1) if now.quarter > 1 else Round(this_year - 1, 4)
    if before.year not in years:
        return now
    waiting = set(
        QuarterReport.objects.filter(status__in=ASSESSABLE)
        .filter(
            Q(indicator__fiscal_year_id=now.year, quarter=now.quarter)
            | Q(indicator__fiscal_year_id=before.year, quarter=before.quarter)
        )
        .values_list("indicator__fiscal_year_id", "quarter")
        .distinct()
    )
    return (
        before if (before.year, before.quarter) in waiting and (now.year, now.quarter) not in waiting else now
    )


def round_of(params: QueryDict, today: dt.date | None = None) -> Round | None:
    """The round the queue falls back on: only when no year is chosen (no query otherwise)."""
    if params.get("year"):
        return None
    return current_round(today or timezone.localdate())


def queue_reports(params: QueryDict, *, with_status: bool = True, round: Round | None = None) -> QuerySet:
    """The quarters the queue shows for `params`, in the chosen order; without a year in
    `params`, those of `round` (see `round_of`). `year=all` shows every year.

    `with_status=False` leaves the status filter out (the counts per status)."""
    reports = QuarterReport.objects.exclude(status=Status.NOT_STARTED)
    status = params.get("status", Status.SUBMITTED)
    if with_status and status and status != "all":
        reports = reports.filter(status=status)
    if params.get("agency"):
        reports = reports.filter(indicator__agency__code=params["agency"])
    year, quarter = params.get("year") or "", params.get("quarter") or ""
    if year.isdecimal() and len(year) < 6:
        reports = reports.filter(indicator__fiscal_year_id=int(year))
    elif not year and round is not None:
        reports = reports.filter(indicator__fiscal_year_id=round.year)
        if not quarter:
            reports = reports.filter(quarter=round.quarter)
    if quarter.isdecimal() and len(quarter) < 3:
        reports = reports.filter(quarter=int(quarter))
    if params.get("type"):
        reports = reports.filter(indicator__kpi_type=params["type"])
    return reports.order_by(*SORTS.get(params.get("sort", ""), SORTS["waiting"]))


def next_in_queue(
    params: QueryDict, after: QuarterReport, round: Round | None = None
) -> QuarterReport | None:
    """The next quarter of the filtered queue that still needs a verdict."""
    return (
        queue_reports(params, round=round)
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
    today = timezone.localdate()
    round = round_of(params, today)
    reports = queue_reports(params, round=round)
    if request.GET.get("export") == "xlsx":
        indicators = Indicator.objects.filter(pk__in=reports.values("indicator_id")).order_by("code")
        return export_response(indicators, "xlsx", f"queue-{timezone.localdate().isoformat()}", public=False)
    counts = dict(
        queue_reports(params, with_status=False, round=round)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    page = Paginator(
        reports.select_related(
            "indicator__agency", "indicator__fiscal_year", "indicator__unit", "assessment", "submitted_by"
        ).prefetch_related("indicator__milestone_levels"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    can_assess = access.can_assess(request.user)
    for report in page:
        report.waiting_days = waiting_days(report, today)
        report.suggested = suggestion_of(report)
        report.on_plan = (
            report.status in ASSESSABLE
            and report.suggested is not None
            and report.score_status == scoring.ON_TRACK
            and report.result is not None
        )
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
            # What the year and quarter filters show: the round when none was chosen.
            "shown_year": params.get("year") or (str(round.year) if round else ALL),
            "shown_quarter": params.get("quarter")
            or (str(round.quarter) if round and not params.get("year") else ALL),
            "round": round,
            "sort": params.get("sort", "waiting"),
            "next_qs": params.urlencode(),
            "can_assess": can_assess,
            "on_plan_count": sum(1 for r in page if r.on_plan),
        },
    )


def suggestion_of(report: QuarterReport) -> scoring.Score | None:
    """The quarter's suggested score by its KPI's method (citykpi.quality.scoring), from
    rows in hand (the queue prefetches the milestone levels): None when there is none."""
    if report.result is None:
        return None
    try:
        return scoring.suggested_quarter_score(
            rule_for(report.indicator),
            scoring.QuarterInput(report.quarter, report.planned_target, report.result),
        )
    except scoring.ScoringError:
        return None


def plain_score(score: scoring.Score) -> str:
    """A suggested score as a form value ("95.5")."""
    return format_number(score.percent).replace(",", "")


@login_required
@require_http_methods(["POST"])
def assess_selected(request: HttpRequest) -> HttpResponse:
    """The bulk assessment of ticked quarters with their suggested scores, in one confirmed
    step: the first post shows how many and which scores; only the confirmed post (with the
    versions and scores it showed) assesses them, all or none."""
    if not access.can_assess(request.user):
        raise PermissionDenied(tr("เฉพาะ สยป.", "Evaluators only"))
    params = queue_params(request.POST.get("next"))
    next_qs = params.urlencode()
    back = f"{reverse('workspace:queue')}?{next_qs}" if next_qs else reverse("workspace:queue")
    ids = [pk for value in request.POST.getlist("report") if (pk := plain_int(value)) is not None]
    if not ids:
        messages.error(request, tr("ไม่ได้เลือกรายการที่จะประเมิน", "Nothing was selected to assess"))
        return redirect(back)
    if request.POST.get("confirm") != "1":
        return _confirm_selected(request, ids, next_qs, back)
    items = [
        evaluation.BulkItem(pk, request.POST.get(f"version_{pk}", ""), request.POST.get(f"score_{pk}", ""))
        for pk in ids
    ]
    try:
        done = evaluation.assess_many(request.user, items, comment=request.POST.get("comment", ""))
    except ConflictError as exc:
        current = exc.current
        messages.error(
            request,
            tr(
                f"ยังไม่ได้ประเมินรายการใดเลย: {current.get('code')} ไตรมาสที่ {current.get('quarter')} "
                "มีการเปลี่ยนแปลงหลังจากที่คุณเปิดหน้านี้ กรุณาตรวจสอบแล้วเลือกอีกครั้ง",
                f"Nothing was assessed: {current.get('code')} Q{current.get('quarter')} changed after you "
                "opened this page; check it and select again",
            ),
        )
        return redirect(back)
    except ActionError as exc:
        messages.error(
            request,
            tr(f"ยังไม่ได้ประเมินรายการใดเลย: {exc.message_th}", f"Nothing was assessed: {exc.message_en}"),
        )
        return redirect(back)
    messages.success(
        request,
        tr(
            f"บันทึกผลประเมินแล้ว {len(done)} รายการด้วยคะแนนที่แนะนำ",
            f"Assessed {len(done)} quarter(s) with their suggested scores",
        ),
    )
    return redirect(back)


def _confirm_selected(request: HttpRequest, ids: list[int], next_qs: str, back: str) -> HttpResponse:
    reports = list(
        QuarterReport.objects.filter(pk__in=ids)
        .select_related("indicator__agency", "indicator__fiscal_year", "indicator__unit")
        .prefetch_related("indicator__milestone_levels")
        .order_by("indicator__code", "quarter")
    )
    rows, refused = [], []
    for report in reports:
        suggested = suggestion_of(report)
        if report.status not in ASSESSABLE or suggested is None:
            refused.append(report)
            continue
        rows.append({"report": report, "suggested": suggested, "score": plain_score(suggested)})
    return render(
        request,
        "workspace/confirm_assess.html",
        {
            "rows": rows,
            "refused": refused,
            "next_qs": next_qs,
            "back": back,
            "components": component_names(rows[0]["report"]) if rows else [],
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
        following = next_in_queue(params, report, round_of(params))
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
            context.update(error=exc, field_errors=field_errors_of(exc), conflict=exc.current)
        except ActionError as exc:
            context.update(error=exc, field_errors=field_errors_of(exc))
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
    suggested_components = not posted and assessment is None and bool(review["suggested_value"])
    context.update(
        thread_context(request.user, report, "assess"),
        indicator=indicator,
        report=report,
        quarter=quarter,
        assessment=assessment,
        score_value=score_value,
        score_is_suggested=suggested_components,
        # Components start from the suggested score too (editable; its reasoning beside them).
        components=[
            (
                name,
                posted.get(f"component_{name}")
                if posted
                else (
                    assessment.component(name)
                    if assessment
                    else (review["suggested_value"] if suggested_components else "")
                ),
                context.get("field_errors", {}).get(f"components.{name}", ""),
            )
            for name in names
        ],
        evidence=list(Evidence.objects.filter(quarter_report=report, is_removed=False)) if report.pk else [],
        deadline=indicator.fiscal_year.deadline(quarter),
        next_qs=next_qs,
        queue_url=f"{reverse('workspace:queue')}?{next_qs}" if next_qs else reverse("workspace:queue"),
        remaining=queue_reports(params, round=round_of(params))
        .filter(status__in=ASSESSABLE)
        .exclude(pk=report.pk)
        .count()
        if report.status in ASSESSABLE
        else None,
    )
    context.update(review)
    status = 409 if "conflict" in context else (400 if "error" in context else 200)
    return render(request, "workspace/assess.html", context, status=status)


def field_errors_of(exc: ActionError) -> dict[str, str]:
    """Every field's message of a refusal (citykpi.evaluation.actions.checked_scores gives
    them all at once), or the one field's."""
    errors = exc.extra.get("errors")
    if errors:
        return dict(errors)
    return {exc.field: exc.message} if exc.field else {}


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ActionError("วันที่ไม่ถูกต้อง (ปปปป-ดด-วว)", "Not a date (YYYY-MM-DD)", field="until") from None
