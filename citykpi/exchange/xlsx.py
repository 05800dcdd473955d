"""The quarter template (one row per KPI of an agency) and the import of a filled one.

`build_quarter_template(agency, year, quarter)` makes a workbook whose key columns are
locked, whose input cells (result, narrative) are open, with the unit and scale beside
each result and a hidden "_meta" sheet holding the agency, year, quarter and each row's
version. `import_workbook(file, user=..., commit=...)` reads it back: every change cell
by cell, every error with sheet, row, column and a Thai and English message; with
commit=True and no errors it saves every changed row in one transaction through
citykpi.reporting.batch.save_reports, the batch path of reporting.actions.save_report
(the forms' permissions and checks, row by row, with the lookups done once for all
rows), so a bad row leaves nothing behind.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from citykpi.accounts import access
from citykpi.agencies.models import Agency
from citykpi.indicators.models import Indicator, Unit
from citykpi.lib.errors import ActionError
from citykpi.lib.spreadsheet import CellError, append_row, set_cell, set_to_print
from citykpi.lib.thai import NumberParseError, format_number, to_arabic_digits
from citykpi.lib.users import AnyUser
from citykpi.reporting import actions as reporting
from citykpi.reporting import batch
from citykpi.reporting.models import QuarterReport

DATA_SHEET = "รายงานผล"
META_SHEET = "_meta"
FORMAT_ID = "citykpi-quarter-template-1"
FIRST_ROW = 3  # rows 1-2 are the Thai and English headers
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
MAX_ROWS = 20000

# (key, Thai header, English header, width, is an input)
COLUMNS = [
    ("code", "รหัสตัวชี้วัด", "KPI code", 12, False),
    ("name", "ชื่อตัวชี้วัด", "KPI name", 60, False),
    ("unit", "หน่วยนับ", "Unit", 10, False),
    ("target", "ค่าเป้าหมาย", "Annual target", 10, False),
    ("planned", "เป้าหมายสะสมไตรมาสนี้", "Planned (cumulative)", 12, False),
    ("result", "ผลงานสะสม", "Result (cumulative)", 12, True),
    ("scale", "หน่วย / ช่วงค่า", "Unit / scale", 18, False),
    ("narrative", "รายงานผลการดำเนินงาน", "Narrative", 70, True),
    ("status", "สถานะ", "Status", 18, False),
]
COL = {key: index for index, (key, *_rest) in enumerate(COLUMNS, start=1)}
HEADERS_TH = {COL[k]: th for k, th, *_ in COLUMNS}
HEADERS_EN = {COL[k]: en for k, _th, en, *_ in COLUMNS}


@dataclass
class CellChange:
    sheet: str
    row: int
    column: str
    code: str
    field: str  # result, narrative
    before: Any
    after: Any


@dataclass
class Result:
    agency_code: str = ""
    fiscal_year: int | None = None
    quarter: int | None = None
    rows: int = 0
    changes: list[CellChange] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    committed: bool = False
    saved_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed_codes(self) -> list[str]:
        return sorted({c.code for c in self.changes})


def _column_label(key: str) -> str:
    index = COL[key]
    return f"{get_column_letter(index)} ({HEADERS_TH[index]} / {HEADERS_EN[index]})"


def _scale_text(unit: Unit | None) -> str:
    if unit is None:
        return ""
    low, high = unit.scale_min, unit.scale_max
    if unit.kind == Unit.Kind.PERCENT and unit.allows_over_100:
        high = None
    if low is not None and high is not None:
        return f"{unit.name_th} ({format_number(low)}–{format_number(high)})"
    if low is not None:
        return f"{unit.name_th} (≥ {format_number(low)})"
    return unit.name_th


def _excel_number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def template_indicators(agency: Agency, year: int) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(agency=agency, fiscal_year_id=year)
        .select_related("unit", "fiscal_year")
        .order_by("code")
    )


def build_quarter_template(agency: Agency, year: int, quarter: int) -> Workbook:
    """The workbook a reporter fills for one agency's quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ActionError("ไตรมาสต้องเป็น 1 ถึง 4", "The quarter must be 1 to 4", field="quarter")
    indicators = list(template_indicators(agency, year))
    reports = {
        r.indicator_id: r for r in QuarterReport.objects.filter(indicator__in=indicators, quarter=quarter)
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    for index, (_key, th, en, width, is_input) in enumerate(COLUMNS, start=1):
        top = sheet.cell(row=1, column=index, value=th)
        bottom = sheet.cell(row=2, column=index, value=en)
        for cell in (top, bottom):
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        top.font = Font(bold=True)
        bottom.font = Font(italic=True)
        if is_input:
            top.comment = Comment("กรอกในช่องนี้ / Fill in this column", "citykpi")
        sheet.column_dimensions[get_column_letter(index)].width = width
    set_to_print(sheet, header_rows=2)
    sheet.cell(row=1, column=COL["result"]).comment = Comment(
        "ตัวเลขไทยหรืออารบิกก็ได้ เช่น ๑๒.๕ หรือ 1,407.52 / Thai or Arabic digits, e.g. ๑๒.๕ or 1,407.52", "citykpi"
    )

    meta = workbook.create_sheet(META_SHEET)
    meta.append(["format", FORMAT_ID])
    append_row(meta, ["agency", agency.code])
    meta.append(["fiscal_year", year])
    meta.append(["quarter", quarter])
    meta.append(["code", "version", "row"])

    validations: dict[str, DataValidation] = {}
    for offset, indicator in enumerate(indicators):
        row = FIRST_ROW + offset
        report = reports.get(indicator.pk)
        unit = indicator.unit
        values = {
            "code": indicator.code,
            "name": indicator.display_name,
            "unit": indicator.unit_name,
            "target": _excel_number(indicator.target),
            "planned": _excel_number(report.planned_target) if report else None,
            "result": _excel_number(report.result) if report else None,
            "scale": _scale_text(unit),
            "narrative": report.narrative if report else "",
            "status": reporting.bilingual_status(
                report.status if report else QuarterReport.Status.NOT_STARTED
            ),
        }
        for key, value in values.items():
            # Names and narratives come from users: text never becomes a formula.
            cell = set_cell(sheet, row, COL[key], value)
            cell.protection = Protection(locked=key not in ("result", "narrative"))
            cell.alignment = Alignment(wrap_text=key in ("name", "narrative"), vertical="top")
            if key in ("result", "narrative"):
                cell.fill = INPUT_FILL
        result_ref = f"{get_column_letter(COL['result'])}{row}"
        validation_key = _validation_key(unit)
        if validation_key not in validations:
            validations[validation_key] = _validation_for(unit)
            sheet.add_data_validation(validations[validation_key])
        validations[validation_key].add(result_ref)
        append_row(meta, [indicator.code, report.version if report else 1, row])
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=COL["result"])
    # Key columns locked, input cells open; no password: protection guards against slips.
    sheet.protection.sheet = True
    sheet.protection.formatRows = False
    sheet.protection.formatColumns = False
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    return workbook


def _validation_key(unit: Unit | None) -> str:
    if unit is None:
        return "any"
    return f"{unit.kind}:{unit.scale_min}:{unit.scale_max}:{unit.allows_over_100}"


def _validation_for(unit: Unit | None) -> DataValidation:
    """A dropdown of the allowed levels for level units, a number range otherwise. Only a
    warning in Excel: Thai digits typed as text must still get through (we parse them)."""
    common = dict(
        allow_blank=True, showErrorMessage=True, errorStyle="warning", errorTitle="ค่าไม่ถูกต้อง / Invalid value"
    )
    if unit is not None and unit.kind == Unit.Kind.LEVEL and unit.scale_max is not None:
        low = int(unit.scale_min or 0)
        levels = ",".join(str(n) for n in range(low, int(unit.scale_max) + 1))
        return DataValidation(
            type="list",
            formula1=f'"{levels}"',
            error=f"เลือกระดับ {levels} / choose a level: {levels}",
            **common,
        )
    if unit is not None and unit.kind == Unit.Kind.PERCENT:
        if unit.allows_over_100:
            return DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                error="ร้อยละต้องไม่ติดลบ / a percentage may not be negative",
                **common,
            )
        return DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2="100",
            error="ร้อยละ 0 ถึง 100 / a percentage from 0 to 100",
            **common,
        )
    return DataValidation(
        type="decimal",
        operator="between",
        formula1="-999999999999",
        formula2="999999999999",
        error="ต้องเป็นตัวเลข / must be a number",
        **common,
    )


def template_bytes(agency: Agency, year: int, quarter: int) -> bytes:
    buffer = io.BytesIO()
    build_quarter_template(agency, year, quarter).save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------ import


def _is_formula(cell: Any) -> bool:
    # A string cell (t="s" / inlineStr, as the template writes a name or narrative that
    # begins with "=") is text, not a formula.
    return cell.data_type == "f" or (
        cell.data_type != "s" and isinstance(cell.value, str) and cell.value.startswith("=")
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _meta(result: Result, meta: Any) -> dict[str, tuple[int, int]] | None:
    """Read the meta sheet: the header values on `result`, and {code: (version, row)}."""
    head = {}
    versions: dict[str, tuple[int, int]] = {}
    for row in meta.iter_rows(min_row=1, max_row=min(meta.max_row, MAX_ROWS), max_col=3, values_only=True):
        if not row or row[0] is None:
            continue
        key = _text(row[0])
        if key in ("format", "agency", "fiscal_year", "quarter"):
            head[key] = _text(row[1])
        elif key != "code":
            try:
                versions[key] = (int(to_arabic_digits(_text(row[1]))), int(to_arabic_digits(_text(row[2]))))
            except (TypeError, ValueError):
                continue
    try:
        result.agency_code = head["agency"]
        result.fiscal_year = int(to_arabic_digits(head["fiscal_year"]))
        result.quarter = int(to_arabic_digits(head["quarter"]))
        if result.quarter not in (1, 2, 3, 4) or head.get("format") != FORMAT_ID:
            raise ValueError
    except (KeyError, ValueError):
        result.errors.append(
            CellError(
                META_SHEET,
                0,
                "",
                "ข้อมูลกำกับของไฟล์ไม่ครบหรือถูกแก้ไข กรุณาดาวน์โหลดแบบฟอร์มใหม่",
                "The workbook's hidden meta sheet is missing values or was edited; download a new template",
            )
        )
        return None
    return versions


def import_workbook(file: BinaryIO | str | bytes, *, user: AnyUser, commit: bool) -> Result:
    """Check a filled quarter template and, with commit=True and no errors, save it."""
    result = Result()
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    try:
        workbook = load_workbook(file, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        result.errors.append(
            CellError(
                "-",
                0,
                "",
                "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้",
                f"This is not a readable .xlsx workbook ({type(exc).__name__})",
            )
        )
        return result
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        result.errors.append(
            CellError(
                "-",
                0,
                "",
                "ไฟล์ Excel เสียหาย อ่านไม่ได้",
                f"The workbook is damaged and cannot be read ({type(exc).__name__})",
            )
        )
        return result
    for name in (DATA_SHEET, META_SHEET):
        if name not in workbook.sheetnames:
            result.errors.append(
                CellError(
                    name,
                    0,
                    "",
                    f"ไม่พบแผ่นงาน “{name}” กรุณาใช้แบบฟอร์มที่ดาวน์โหลดจากระบบ",
                    f"The sheet “{name}” is missing; use the template downloaded from citykpi",
                )
            )
    if result.errors:
        return result
    versions = _meta(result, workbook[META_SHEET])
    quarter = result.quarter
    if versions is None or quarter is None:
        return result
    sheet = workbook[DATA_SHEET]
    planned = _read_rows(result, quarter, sheet, versions, user)
    if commit and result.ok and planned:
        _commit(result, quarter, planned, user)
    return result


@dataclass
class _Planned:
    row: int
    indicator: Indicator
    report: QuarterReport | None
    result: Decimal | None
    narrative: str
    version: int


def _read_rows(
    result: Result, quarter: int, sheet: Any, versions: dict[str, tuple[int, int]], user: AnyUser
) -> list[_Planned]:
    cells = list(
        sheet.iter_rows(
            min_row=FIRST_ROW, max_row=min(sheet.max_row, FIRST_ROW + MAX_ROWS), max_col=len(COLUMNS)
        )
    )
    codes = [_text(row[COL["code"] - 1].value) for row in cells]
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(code__in=[c for c in codes if c]).select_related(
            "agency", "fiscal_year", "unit"
        )
    }
    reports = {
        r.indicator_id: r
        for r in QuarterReport.objects.filter(
            indicator__in=list(indicators.values()), quarter=quarter
        ).select_related("indicator__agency", "indicator__fiscal_year", "indicator__unit")
    }
    reportable = access.agency_ids(user) if getattr(user, "is_authenticated", False) else set()
    today = reporting.today_of(None)
    planned: list[_Planned] = []
    seen: set[str] = set()

    def error(row: int, key: str, th: str, en: str, code: str = "") -> None:
        result.errors.append(CellError(DATA_SHEET, row, _column_label(key) if key else "", th, en, code))

    for row_cells, code in zip(cells, codes):
        row = row_cells[0].row
        if not code and all(c.value in (None, "") for c in row_cells):
            continue
        result.rows += 1
        if _is_formula(row_cells[COL["code"] - 1]):
            error(row, "code", "ช่องรหัสเป็นสูตร ต้องเป็นค่า", "The code cell holds a formula; it must be a value")
            continue
        if code in seen:
            error(row, "code", f"รหัส {code} ซ้ำในไฟล์", f"The code {code} appears twice", code)
            continue
        seen.add(code)
        indicator = indicators.get(code)
        if indicator is None:
            error(row, "code", f"ไม่พบตัวชี้วัดรหัส “{code}”", f"Unknown KPI code “{code}”", code)
            continue
        if indicator.agency.code != result.agency_code or indicator.agency_id not in reportable:
            error(
                row,
                "code",
                f"ตัวชี้วัด {code} เป็นของหน่วยงานอื่น คุณไม่มีสิทธิ์รายงานผล",
                f"The KPI {code} belongs to another agency; you may not report on it",
                code,
            )
            continue
        if indicator.fiscal_year_id != result.fiscal_year:
            error(
                row,
                "code",
                f"ตัวชี้วัด {code} ไม่ใช่ของปีงบประมาณ {result.fiscal_year}",
                f"The KPI {code} is not in fiscal year {result.fiscal_year}",
                code,
            )
            continue
        result_cell = row_cells[COL["result"] - 1]
        narrative_cell = row_cells[COL["narrative"] - 1]
        bad = False
        for key, cell in (("result", result_cell), ("narrative", narrative_cell)):
            if _is_formula(cell):
                error(
                    row,
                    key,
                    "ช่องนี้เป็นสูตร กรุณาวางเป็นค่า (Paste Values)",
                    "This cell holds a formula; paste it as a value",
                    code,
                )
                bad = True
        if bad:
            continue
        report = reports.get(indicator.pk)
        try:
            new_result = reporting.clean_result(
                indicator,
                result_cell.value if not isinstance(result_cell.value, str) else result_cell.value.strip(),
            )
        except ActionError as exc:
            error(row, "result", exc.message_th, exc.message_en, code)
            continue
        except (NumberParseError, TypeError, ValueError):
            error(
                row,
                "result",
                f"“{result_cell.value}” ไม่ใช่ตัวเลข",
                f"“{result_cell.value}” is not a number",
                code,
            )
            continue
        new_narrative = _text(narrative_cell.value).replace("\r\n", "\n")
        if len(new_narrative) > reporting.NARRATIVE_MAX_CHARS:
            error(row, "narrative", "รายงานผลยาวเกินกำหนด", "The narrative is too long", code)
            continue
        old_result = report.result if report else None
        old_narrative = report.narrative if report else ""
        changed: list[tuple[str, Any, Any]] = []
        if not _same_number(old_result, new_result):
            changed.append(("result", old_result, new_result))
        if old_narrative.strip() != new_narrative.strip():
            changed.append(("narrative", old_narrative, new_narrative))
        if not changed:
            continue
        expected = versions.get(code)
        current_version = report.version if report else 1
        if expected is None:
            error(
                row,
                "code",
                f"ไม่พบรุ่นของแถว {code} ในข้อมูลกำกับ กรุณาดาวน์โหลดแบบฟอร์มใหม่",
                f"No version for {code} in the meta sheet; download a new template",
                code,
            )
            continue
        if expected[0] != current_version:
            error(
                row,
                "result",
                f"ข้อมูลของ {code} ถูกแก้ไขหลังจากดาวน์โหลดแบบฟอร์ม (รุ่น {expected[0]} → {current_version}) "
                "กรุณาดาวน์โหลดใหม่",
                f"{code} was changed after this template was downloaded "
                f"(version {expected[0]} → {current_version}); download a new one",
                code,
            )
            continue
        status = report.status if report else QuarterReport.Status.NOT_STARTED
        if report is not None and not reporting.is_open(report, today):
            label_th, _, label_en = reporting.bilingual_status(status).partition(" / ")
            error(
                row,
                "result",
                f"ไตรมาสนี้ของ {code} แก้ไขไม่ได้ (สถานะ “{label_th}” หรือพ้นกำหนด)",
                f"This quarter of {code} cannot be edited ({label_en or status}, or past its deadline)",
                code,
            )
            continue
        for name, before, after in changed:
            result.changes.append(
                CellChange(
                    DATA_SHEET,
                    row,
                    _column_label(name),
                    code,
                    name,
                    _show(before),
                    _show(after),
                )
            )
        planned.append(_Planned(row, indicator, report, new_result, new_narrative, current_version))
    return planned


def _same_number(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)


def _show(value: Any):
    if isinstance(value, Decimal):
        return format_number(value)
    return value


def _missing_reports(planned: list[_Planned], quarter: int) -> None:
    """The not-started rows reporting.get_quarter would create, created in one INSERT."""
    missing = [item for item in planned if item.report is None]
    if not missing:
        return
    QuarterReport.objects.bulk_create(
        [
            QuarterReport(
                indicator=item.indicator,
                quarter=quarter,
                definition_version=item.indicator.definition_version,
            )
            for item in missing
        ],
        ignore_conflicts=True,  # a row someone else created meanwhile is the one we update
    )
    rows = {
        r.indicator_id: r
        for r in QuarterReport.objects.filter(
            indicator__in=[item.indicator for item in missing], quarter=quarter
        )
    }
    for item in missing:
        item.report = rows[item.indicator.pk]


def _commit(result: Result, quarter: int, planned: list[_Planned], user: AnyUser) -> None:
    """All rows or none: any refused row rolls back every row (citykpi.reporting.batch,
    the batch path of reporting.save_report: the same checks, one transaction)."""
    by_row = {item.row: item for item in planned}
    with transaction.atomic():
        _missing_reports(planned, quarter)
        _saved, errors = batch.save_reports(
            user,
            [
                batch.Item(item.row, report, item.result, item.narrative, item.version)
                for item in planned
                if (report := item.report) is not None  # every one, after _missing_reports
            ],
            source="xlsx",
        )
        for failure in errors:
            item = by_row[failure.key]
            exc = failure.error
            if isinstance(exc, ActionError):
                result.errors.append(
                    CellError(
                        DATA_SHEET,
                        item.row,
                        _column_label("result"),
                        exc.message_th,
                        exc.message_en,
                        item.indicator.code,
                    )
                )
            else:
                result.errors.append(
                    CellError(
                        DATA_SHEET,
                        item.row,
                        _column_label("code"),
                        f"คุณไม่มีสิทธิ์รายงานผลตัวชี้วัด {item.indicator.code}",
                        f"You may not report on {item.indicator.code}",
                        item.indicator.code,
                    )
                )
        if result.errors:
            transaction.set_rollback(True)
            return
    result.committed = True
    result.saved_rows = len(planned)
