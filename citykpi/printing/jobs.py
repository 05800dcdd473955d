"""The PDFs that take long, as background jobs (citykpi.jobs): the agency's annual report
(public, published data only: anyone may watch its job and get its file) and the quarter
summary of all agencies (evaluators, executives and administrators, as the page checks)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from weasyprint import HTML

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.jobs.models import Job
from citykpi.jobs.registry import JobKind, Progress, Result, register
from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import is_english
from citykpi.printing import context as printing_context
from citykpi.printing.render import FONT_DIR, FontOnlyFetcher, render_html


def pdf_in_steps(template: str, context: dict[str, Any], progress: Progress, steps: tuple[int, int]) -> bytes:
    """Lay out, then write, reporting each step: WeasyPrint's two long phases."""
    done, total = steps
    html = render_html(template, {**context, "IS_ENGLISH": is_english()})
    progress(done, total, "จัดหน้าเอกสาร", "Laying out the pages")
    document = HTML(string=html, base_url=str(FONT_DIR), url_fetcher=FontOnlyFetcher()).render()
    progress(
        done + 1, total, f"เขียนไฟล์ PDF {len(document.pages)} หน้า", f"Writing {len(document.pages)} pages"
    )
    return document.write_pdf()


def run_agency_report(job: Job, progress: Progress) -> Result:
    params = job.params
    with translation.override(params.get("lang") or "th"):
        agency = job.agency or Agency.objects.filter(code=params["agency"]).first()
        if agency is None:
            raise ActionError("ไม่พบหน่วยงาน", "No such agency", field="agency")
        progress(0, 3, "รวบรวมข้อมูลตัวชี้วัดที่เผยแพร่", "Reading the published KPIs")
        context = {
            **printing_context.agency_report_context(agency, params["year"]),
            "printed_on": timezone.localdate(),
        }
        pdf = pdf_in_steps("printing/agency_report.html", context, progress, (1, 3))
    return Result(
        filename=f"agency-{agency.code}-{params['year']}.pdf",
        content=pdf,
        content_type="application/pdf",
        summary_th=f"รายงานประจำปี {context['agency_name_then']} {len(context['sections'])} ตัวชี้วัด",
        summary_en=f"Annual report of {agency.code}: {len(context['sections'])} KPIs",
    )


def check_quarter_summary(actor: Any, params: dict[str, Any]) -> None:
    if not access.is_citywide_viewer(actor):
        raise PermissionDenied(
            "เฉพาะ สยป. ผู้บริหาร และผู้ดูแลระบบ / Evaluators, executives and administrators only"
        )


def run_quarter_summary(job: Job, progress: Progress) -> Result:
    year, quarter = job.params["year"], job.params["quarter"]
    with translation.override(job.params.get("lang") or "th"):
        progress(0, 3, "รวบรวมผลทุกหน่วยงาน", "Counting every agency's quarter")
        context = {
            **printing_context.quarter_summary_context(year, quarter),
            "printed_on": timezone.localdate(),
        }
        pdf = pdf_in_steps("printing/quarter_summary.html", context, progress, (1, 3))
    return Result(
        filename=f"quarter-summary-{year}-q{quarter}.pdf",
        content=pdf,
        content_type="application/pdf",
        summary_th=f"สรุปผลไตรมาสที่ {quarter} ปีงบประมาณ {year}",
        summary_en=f"Summary of quarter {quarter}, fiscal year {year}",
    )


AGENCY_REPORT = register(
    JobKind(
        "printing.agency_report",
        "รายงานประจำปีของหน่วยงาน (PDF)",
        "The agency's annual report (PDF)",
        run=run_agency_report,
        public=True,
    )
)
QUARTER_SUMMARY = register(
    JobKind(
        "printing.quarter_summary",
        "สรุปผลรายไตรมาสทุกหน่วยงาน (PDF)",
        "Quarter summary of all agencies (PDF)",
        run=run_quarter_summary,
        check=check_quarter_summary,
    )
)
