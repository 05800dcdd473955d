"""The PDF views: one KPI, an agency's annual report (both public, published data only)
and the evaluator's quarter summary of all agencies (evaluator, executive, admin)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from citykpi.accounts import access
from citykpi.agencies.history import name_then_annotations
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.jobs import actions as jobs
from citykpi.jobs.models import Job
from citykpi.jobs.views import file_response
from citykpi.lib import fiscal
from citykpi.lib.i18n import is_english
from citykpi.lib.thai import to_arabic_digits
from citykpi.printing import context as printing_context
from citykpi.printing import jobs as printing_jobs
from citykpi.printing.render import html_to_pdf, pdf_response, render_html
from citykpi.publicdata import versions
from citykpi.publicdata.kpi_page import public_indicators


def _today():
    return timezone.localdate()


def _int_param(request: HttpRequest, name: str, low: int, high: int) -> int | None:
    """A whole number from the query string (Thai digits accepted); None when absent or
    malformed, so a bad link shows the default instead of an error."""
    text = to_arabic_digits(request.GET.get(name, "")).strip()
    if text.isdecimal() and low <= int(text) <= high:
        return int(text)
    return None


@require_GET
def kpi_pdf(request: HttpRequest, code: str) -> HttpResponse:
    # The agency's name in the KPI's year comes with it (no query of its own).
    indicator = public_indicators().filter(code=code).annotate(**name_then_annotations()).first()
    if indicator is None:
        raise Http404(code)
    context = {"k": printing_context.kpi_pdf_context(indicator), "printed_on": _today()}
    pdf = html_to_pdf(render_html("printing/kpi.html", context, request))
    return pdf_response(pdf, f"kpi-{indicator.code}.pdf", public=True)


def _agency(code: str) -> Agency:
    text = to_arabic_digits(code)
    agency = None
    if text.isdecimal() and len(text) in (4, 8):
        agency = Agency.objects.active().filter(code=text[:4]).first()
    if agency is None:
        raise Http404(code)
    return agency


@require_GET
def agency_report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    agency = _agency(code)
    year = _int_param(request, "year", 2400, 2700)
    if year is None:
        # The latest published year in which the agency has published KPIs.
        year = (
            Indicator.objects.published()
            .filter(agency=agency)
            .order_by("-fiscal_year_id")
            .values_list("fiscal_year_id", flat=True)
            .first()
        )
    if year is None or not FiscalYear.objects.published().filter(year=year).exists():
        raise Http404(code)
    # A background job (citykpi.jobs), one per agency, year, language and public data
    # version: the first visitor starts it, everyone after gets its kept file at once.
    data = versions.current([versions.agency(agency.code), versions.year(year)])
    params = {"agency": agency.code, "year": year, "lang": _lang(), "data": list(data), "day": str(_today())}
    job = jobs.start(request.user, printing_jobs.AGENCY_REPORT.name, params, agency=agency, fiscal_year=year)
    return _file_or_progress(job)


def _lang() -> str:
    return "en" if is_english() else "th"


def _file_or_progress(job: Job) -> HttpResponse:
    """The PDF when the job is done (always so without a queue), else the job's page."""
    if job.state == Job.State.DONE:
        return file_response(job)
    return redirect("jobs:detail", job.pk)


@require_GET
def quarter_summary_pdf(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.is_citywide_viewer(request.user):
        raise PermissionDenied(
            "เฉพาะ สยป. ผู้บริหาร และผู้ดูแลระบบ / Evaluators, executives and administrators only"
        )
    today = _today()
    year = _int_param(request, "year", 2400, 2700) or fiscal.fiscal_year_of(today)
    default_quarter = fiscal.quarter_of(today) if year == fiscal.fiscal_year_of(today) else 4
    quarter = _int_param(request, "quarter", 1, 4) or default_quarter
    params = {"year": year, "quarter": quarter, "lang": _lang()}
    job = jobs.start(request.user, printing_jobs.QUARTER_SUMMARY.name, params, fiscal_year=year)
    return _file_or_progress(job)
