"""The evaluator's data-quality report: findings of a fiscal year by agency and by rule,
with counts, the list behind each count, and a button to run the checks again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear
from citykpi.jobs import actions as jobs
from citykpi.lib.i18n import tr
from citykpi.quality import jobs as quality_jobs
from citykpi.quality.models import FindingRecord
from citykpi.quality.rules import RULES

LIST_LIMIT = 300


def _year(request: HttpRequest, years: list[int]) -> int | None:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if year in years else (years[0] if years else None)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.READ_QUALITY)
    years = list(FiscalYear.objects.values_list("year", flat=True))
    year = _year(request, years)
    agency_code = request.GET.get("agency", "")
    rule = request.GET.get("rule", "")
    severity = request.GET.get("severity", "")
    base = FindingRecord.objects.filter(fiscal_year_id=year)
    by_rule = list(
        base.values("rule")
        .annotate(
            errors=Count("id", filter=Q(severity="error")),
            warnings=Count("id", filter=Q(severity="warning")),
            kpis=Count("indicator", distinct=True),
        )
        .order_by("rule")
    )
    for row in by_rule:
        row["name_th"], row["name_en"] = RULES.get(row["rule"], (row["rule"], row["rule"]))
    by_agency = list(
        base.values("agency__code", "agency__name_th")
        .annotate(
            errors=Count("id", filter=Q(severity="error")),
            warnings=Count("id", filter=Q(severity="warning")),
            kpis=Count("indicator", distinct=True),
        )
        .order_by("-errors", "-warnings", "agency__code")
    )
    totals = base.aggregate(
        errors=Count("id", filter=Q(severity="error")),
        warnings=Count("id", filter=Q(severity="warning")),
        kpis=Count("indicator", distinct=True),
        refreshed=Max("found_at"),
    )
    listed = base.select_related("indicator", "agency")
    if agency_code:
        listed = listed.filter(agency__code=agency_code)
    if rule:
        listed = listed.filter(rule=rule)
    if severity in ("error", "warning"):
        listed = listed.filter(severity=severity)
    listed = listed.order_by("severity", "agency__code", "indicator__code", "rule", "quarter")
    total_listed = listed.count()
    filter_agency = Agency.objects.filter(code=agency_code).first() if agency_code else None
    return render(
        request,
        "quality/report.html",
        {
            "years": years,
            "year": year,
            "by_rule": by_rule,
            "by_agency": by_agency,
            "totals": totals,
            "findings": list(listed[:LIST_LIMIT]),
            "total_listed": total_listed,
            "limit": LIST_LIMIT,
            "agency_code": agency_code,
            "rule": rule,
            "severity": severity,
            "filter_agency": filter_agency,
            "rules": sorted(RULES.items()),
            "can_refresh": access.is_evaluator(request.user) or access.is_admin(request.user),
        },
    )


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    years = list(FiscalYear.objects.values_list("year", flat=True))
    year = _year(request, years)
    if year is None:
        messages.error(request, tr("ยังไม่มีปีงบประมาณ", "There is no fiscal year yet"))
        return redirect("quality:report")
    # A background job (citykpi.jobs): done at once without a queue (then back to the
    # report with its summary, as before), else the job's page shows its progress.
    job = jobs.start(request.user, quality_jobs.REFRESH_YEAR.name, {"year": year}, fiscal_year=year)
    if job.state != job.State.DONE:
        return redirect("jobs:detail", job.pk)
    messages.success(request, tr(job.summary_th, job.summary_en))
    return redirect(f"{reverse('quality:report')}?year={year}")
