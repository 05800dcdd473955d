"""The staff pages of the Excel round trip under /exchange/: download a quarter template
or a yearly export, upload a filled template, see the dry run cell by cell, confirm; and,
for administrators, the setup workbook under /exchange/setup/ (citykpi.exchange.setup)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.exchange import export
from citykpi.exchange import jobs as exchange_jobs
from citykpi.exchange.setup.apply import import_setup
from citykpi.exchange.setup.checklist import first_run_checklist
from citykpi.exchange.setup.export import workbook_bytes as setup_export_bytes
from citykpi.exchange.xlsx import import_workbook, template_bytes
from citykpi.indicators.models import FiscalYear
from citykpi.jobs import actions as jobs
from citykpi.jobs import uploads
from citykpi.lib import fiscal
from citykpi.lib.i18n import both
from citykpi.lib.thai import to_arabic_digits
from citykpi.lib.users import AnyUser
from citykpi.reporting.years import working_year

UPLOAD_DIR = Path(settings.VAR_DIR) / "exchange-uploads"
SESSION_KEY = "exchange_upload"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(to_arabic_digits((value or "").strip()))
    except ValueError:
        return default


def _report_agencies(user: AnyUser) -> list[Agency]:
    """Agencies whose templates the user may fill (reporter or head), or every agency for city-wide roles."""
    ids = access.visible_agency_ids(user)
    return list(Agency.objects.active() if ids is None else Agency.objects.filter(pk__in=ids))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    years = list(FiscalYear.objects.values_list("year", flat=True))
    return render(
        request,
        "exchange/index.html",
        {
            "agencies": _report_agencies(request.user),
            "years": years,
            "current_year": working_year(years, request_today()),
            "current_quarter": fiscal.quarter_of(request_today()),
            "quarters": (1, 2, 3, 4),
            "is_citywide": access.is_citywide_viewer(request.user),
            "may_set_up": access.is_admin(request.user),
        },
    )


MAX_LEGACY_FILES = 2000


@login_required
@require_POST
def legacy_upload(request: HttpRequest) -> HttpResponse:
    """Many legacy pages at once (administrators): a background job imports them, one file
    at a time on its progress bar (citykpi.exchange.jobs)."""
    exchange_jobs.check_legacy(request.user, {})
    files = request.FILES.getlist("files")
    if not files or len(files) > MAX_LEGACY_FILES:
        return HttpResponse(
            both(
                f"เลือกไฟล์หน้าเว็บระบบเดิม 1 ถึง {MAX_LEGACY_FILES} ไฟล์ (ช่อง ไฟล์)",
                f"Choose 1 to {MAX_LEGACY_FILES} legacy page files (field: files)",
            ),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    year = _int(to_arabic_digits(request.POST.get("fiscal_year", "")).strip() or None)
    params = {
        "folder": uploads.keep(files),
        "files": len(files),
        "fiscal_year": year,
        "dry_run": request.POST.get("dry_run") == "1",
    }
    job = jobs.start(request.user, exchange_jobs.LEGACY_IMPORT.name, params, fiscal_year=year)
    return redirect("jobs:detail", job.pk)


def request_today() -> dt.date:
    return timezone.localdate()


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.STAFF)
    agency = access.agency_for(request.user, request.GET.get("agency"))
    year = _int(request.GET.get("year"))
    quarter = _int(request.GET.get("quarter"))
    if year is None or quarter not in (1, 2, 3, 4):
        return HttpResponse(
            both("ระบุปีงบประมาณและไตรมาส (1-4)", "Give a fiscal year and a quarter (1-4)"), status=400
        )
    response = HttpResponse(template_bytes(agency, year, quarter), content_type=export.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="citykpi-{agency.code}-{year}-q{quarter}.xlsx"'
    return response


@login_required
@require_GET
def export_year(request: HttpRequest) -> HttpResponse:
    """A workbook per agency and fiscal year; the evaluator may leave the agency out for the whole year."""
    access.require(request.user, access.Capability.STAFF)
    year = _int(request.GET.get("year"))
    fmt = request.GET.get("fmt", "xlsx")
    if year is None or fmt not in ("xlsx", "csv"):
        return HttpResponse(
            both("ระบุปีงบประมาณและรูปแบบ xlsx หรือ csv", "Give a fiscal year and xlsx or csv"), status=400
        )
    code = request.GET.get("agency")
    agency = access.agency_for(request.user, code) if code else None
    if agency is None and not access.is_citywide_viewer(request.user):
        raise PermissionDenied(both("เลือกหน่วยงาน", "Choose an agency"))
    queryset = access.visible_indicators(request.user, export.year_queryset(year, agency))
    name = f"citykpi-{year}-{agency.code if agency else 'all'}"
    return export.export_response(queryset, fmt, name, public=False)


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Check an uploaded template and show the dry run; the file waits for the confirmation."""
    access.require(request.user, access.Capability.STAFF)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return render(
            request, "exchange/preview.html", {"error": both("กรุณาเลือกไฟล์", "Choose a file")}, status=400
        )
    if (uploaded.size or 0) > MAX_UPLOAD_BYTES:
        return render(
            request,
            "exchange/preview.html",
            {"error": both("ไฟล์ใหญ่เกิน 10 MB", "The file is larger than 10 MB")},
            status=400,
        )
    data = uploaded.read()
    result = import_workbook(data, user=request.user, commit=False)
    token = ""
    if result.ok and result.changes:
        UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        (UPLOAD_DIR / f"{token}.xlsx").write_bytes(data)
        request.session[SESSION_KEY] = token
    return render(
        request,
        "exchange/preview.html",
        {"result": result, "token": token, "name": uploaded.name},
        status=200 if result.ok else 422,
    )


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Commit the upload the dry run showed, in one transaction through save_report."""
    access.require(request.user, access.Capability.STAFF)
    token = request.POST.get("token", "")
    if not token or request.session.get(SESSION_KEY) != token:
        return render(
            request,
            "exchange/preview.html",
            {
                "error": both(
                    "ไม่พบไฟล์ที่ตรวจแล้ว กรุณาอัปโหลดใหม่", "No checked upload to confirm; upload the file again"
                ),
            },
            status=400,
        )
    path = UPLOAD_DIR / f"{token}.xlsx"
    if not path.exists():
        raise Http404(token)
    with path.open("rb") as handle:
        result = import_workbook(handle, user=request.user, commit=True)
    if result.committed or result.ok:
        path.unlink(missing_ok=True)
        request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "exchange/preview.html",
        {"result": result, "confirmed": True},
        status=200 if result.ok else 422,
    )


# ------------------------------------------------------------------ the setup workbook (issue 17)

SETUP_SESSION_KEY = "exchange_setup_upload"


def _setup_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    return render(request, "exchange/setup_preview.html", context, status=status)


@login_required
@require_GET
def setup(request: HttpRequest) -> HttpResponse:
    """The setup workbook: download a year's, upload one for a dry run; the checklist."""
    access.require(request.user, access.Capability.ADMINISTER)
    years = list(FiscalYear.objects.order_by("-year").values_list("year", flat=True))
    return render(
        request,
        "exchange/setup.html",
        {"years": years, "checklist": first_run_checklist()},
    )


@login_required
@require_GET
def setup_export(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Capability.ADMINISTER)
    year = _int(request.GET.get("year"))
    if year is None or not FiscalYear.objects.filter(pk=year).exists():
        return HttpResponse(both("ระบุปีงบประมาณที่มีในระบบ", "Give a fiscal year that exists"), status=400)
    response = HttpResponse(setup_export_bytes(year), content_type=export.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="citykpi-setup-{year}.xlsx"'
    return response


@login_required
@require_POST
def setup_upload(request: HttpRequest) -> HttpResponse:
    """The dry run of an uploaded setup workbook; a clean one waits for the confirmation."""
    access.require(request.user, access.Capability.ADMINISTER)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _setup_page(request, {"error": both("กรุณาเลือกไฟล์", "Choose a file")}, 400)
    if (uploaded.size or 0) > MAX_UPLOAD_BYTES:
        return _setup_page(request, {"error": both("ไฟล์ใหญ่เกิน 10 MB", "The file is larger than 10 MB")}, 400)
    data = uploaded.read()
    plan = import_setup(data, actor=request.user, commit=False)
    token = ""
    if plan.ok and plan.changed:
        UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        (UPLOAD_DIR / f"setup-{token}.xlsx").write_bytes(data)
        request.session[SETUP_SESSION_KEY] = {"token": token, "digest": plan.digest, "name": uploaded.name}
    return _setup_page(
        request, {"plan": plan, "token": token, "name": uploaded.name}, 200 if plan.ok else 422
    )


@login_required
@require_POST
def setup_confirm(request: HttpRequest) -> HttpResponse:
    """Write the upload the dry run showed: the same file (its SHA-256), all or nothing."""
    access.require(request.user, access.Capability.ADMINISTER)
    token, digest = request.POST.get("token", ""), request.POST.get("digest", "")
    waiting = request.session.get(SETUP_SESSION_KEY) or {}
    path = UPLOAD_DIR / f"setup-{token}.xlsx"
    if not token or waiting.get("token") != token or waiting.get("digest") != digest or not path.exists():
        return _setup_page(
            request,
            {
                "error": both(
                    "ไม่พบไฟล์ที่ตรวจแล้ว กรุณาอัปโหลดใหม่", "No checked upload to confirm; upload the file again"
                )
            },
            400,
        )
    data = path.read_bytes()
    plan = import_setup(
        data, actor=request.user, commit=True, source="xlsx", file_name=waiting.get("name", "")
    )
    if plan.digest != digest:
        return _setup_page(
            request, {"error": both("ไฟล์ถูกเปลี่ยน กรุณาอัปโหลดใหม่", "The file changed; upload it again")}, 400
        )
    path.unlink(missing_ok=True)
    request.session.pop(SETUP_SESSION_KEY, None)
    return _setup_page(request, {"plan": plan, "confirmed": True}, 200 if plan.ok else 422)
