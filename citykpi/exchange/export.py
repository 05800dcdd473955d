"""Exporting KPIs to Excel and CSV: the agency's or the evaluator's yearly workbook, and
`?export=xlsx|csv` on any filtered KPI list (`export_response`).

One row per KPI with its target, achieved value and, for each quarter, the planned
target, result, score and status. Thai headers in the first row, English in the second.
Public lists pass `public=True` (the default): quarters that are not published (drafts,
returned) show neither result nor score.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from citykpi.indicators.models import Indicator
from citykpi.lib.spreadsheet import append_row, inert_text, set_to_print
from citykpi.reporting.models import QuarterReport

if TYPE_CHECKING:
    from citykpi.agencies.models import Agency

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
STATUS_LABELS = dict(QuarterReport.Status.choices)


@dataclass(frozen=True)
class Column:
    th: str
    en: str
    value: Callable[[Indicator, dict[int, QuarterReport]], Any]
    width: int = 14


def _num(value: Decimal | None) -> Decimal | float | None:
    if value is None:
        return None
    # Excel holds floats; whole numbers stay integers so "5" does not become "5.0000".
    return int(value) if value == value.to_integral_value() else float(value)


def _quarter_columns(q: int, public: bool) -> list[Column]:
    def shown(quarters: dict[int, QuarterReport]) -> QuarterReport | None:
        report = quarters.get(q)
        if report is None or (public and not report.is_published):
            return None
        return report

    def score(_i: Any, quarters: Any):
        report = shown(quarters)
        assessment = getattr(report, "assessment", None) if report else None
        # The score is public only once the quarter is assessed.
        if (
            report is None
            or assessment is None
            or (public and report.status != QuarterReport.Status.ASSESSED)
        ):
            return None
        return _num(assessment.score)

    def result(_i: Any, quarters: Any):
        report = shown(quarters)
        return _num(report.result) if report is not None else None

    def status(_i: Any, quarters: Any):
        report = quarters.get(q)
        if report is None:
            return STATUS_LABELS[QuarterReport.Status.NOT_STARTED]
        if public and not report.is_published:
            return STATUS_LABELS[QuarterReport.Status.NOT_STARTED]
        return STATUS_LABELS.get(report.status, report.status)

    return [
        Column(
            f"เป้าหมายสะสม ไตรมาส {q}",
            f"Q{q} planned target",
            lambda _i, qs: _num(qs[q].planned_target) if q in qs else None,
        ),
        Column(
            f"ผลงานสะสม ไตรมาส {q}",
            f"Q{q} result",
            result,
        ),
        Column(f"ผลประเมิน ไตรมาส {q}", f"Q{q} score", score),
        Column(f"สถานะ ไตรมาส {q}", f"Q{q} status", status, 20),
    ]


def columns(public: bool = True) -> list[Column]:
    cols = [
        Column("รหัสตัวชี้วัด", "KPI code", lambda i, _q: i.code, 12),
        Column("ปีงบประมาณ", "Fiscal year (BE)", lambda i, _q: i.fiscal_year_id, 10),
        Column("รหัสหน่วยงาน", "Agency code", lambda i, _q: i.agency.code, 10),
        Column("หน่วยงาน", "Agency", lambda i, _q: i.agency.name_th, 30),
        Column("ลำดับ", "List label", lambda i, _q: i.list_label, 8),
        Column("ชื่อตัวชี้วัด", "KPI name", lambda i, _q: i.name, 60),
        Column("ประเภทตัวชี้วัด", "Type", lambda i, _q: i.get_kpi_type_display(), 22),
        Column("หน่วยนับ", "Unit", lambda i, _q: i.unit_name, 10),
        Column("ค่าเป้าหมาย", "Target", lambda i, _q: _num(i.target), 10),
        Column("ผลงานที่ทำได้", "Achieved", lambda i, _q: _num(i.achieved), 10),
        Column("น้ำหนัก", "Weight", lambda i, _q: _num(i.weight), 8),
    ]
    for q in (1, 2, 3, 4):
        cols += _quarter_columns(q, public)
    return cols


def with_quarters(queryset: QuerySet) -> QuerySet:
    """The KPIs with everything a row needs, in three queries."""
    return queryset.select_related("agency", "fiscal_year", "unit").prefetch_related(
        Prefetch("quarters", queryset=QuarterReport.objects.select_related("assessment"))
    )


def rows(queryset: QuerySet, public: bool = True) -> Iterable[list[Any]]:
    cols = columns(public)
    for indicator in with_quarters(queryset):
        quarters = {r.quarter: r for r in indicator.quarters.all()}
        yield [col.value(indicator, quarters) for col in cols]


def build_workbook(queryset: QuerySet, *, title: str = "ตัวชี้วัด", public: bool = True) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    cols = columns(public)
    sheet.append([c.th for c in cols])
    sheet.append([c.en for c in cols])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=cell.row == 1, italic=cell.row == 2)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, col in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    for row in rows(queryset, public):
        # Names come from users: text never becomes a formula (citykpi.lib.spreadsheet).
        append_row(sheet, row)
    sheet.freeze_panes = "B3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{max(sheet.max_row, 2)}"
    set_to_print(sheet, header_rows=2)  # landscape, fit to width, both header rows on every page
    return workbook


def csv_text(queryset: QuerySet, public: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cols = columns(public)
    writer.writerow([f"{c.th} ({c.en})" for c in cols])
    for row in rows(queryset, public):
        writer.writerow(["" if v is None else inert_text(v) for v in row])
    return buffer.getvalue()


def export_response(queryset: QuerySet, fmt: str, filename: str, *, public: bool = True) -> HttpResponse:
    """The KPIs of `queryset` as a download: fmt "xlsx" or "csv" (UTF-8 with a BOM so that
    Excel opens Thai text correctly). `filename` without extension."""
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "citykpi"
    if fmt == "csv":
        response = HttpResponse(
            ("\ufeff" + csv_text(queryset, public)).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
        return response
    if fmt != "xlsx":
        raise ValueError(f"unknown export format: {fmt}")
    buffer = io.BytesIO()
    build_workbook(queryset, public=public).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{safe}.xlsx"'
    return response


def year_queryset(year: int, agency: Agency | None = None) -> QuerySet:
    """A workbook per agency and fiscal year, or the whole year for the evaluator."""
    queryset = Indicator.objects.filter(fiscal_year_id=year)
    if agency is not None:
        queryset = queryset.filter(agency=agency)
    return queryset.order_by("agency__code", "code")
