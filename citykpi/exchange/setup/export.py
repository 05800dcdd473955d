"""The setup workbook of a fiscal year, from the database: `build_workbook(year)`.

Everything a new instance needs to run that year (every agency, person with a role, unit,
strategy plan, dimension and template, the year and its KPI definitions), laid out by
citykpi.exchange.setup.workbook. Text goes through citykpi.lib.spreadsheet so that a name
never becomes a formula; closed lists get a dropdown (a warning only: the importer
accepts the stored values too).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from citykpi.accounts.models import Membership
from citykpi.agencies.models import Agency
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib.errors import ActionError
from citykpi.lib.spreadsheet import append_row, set_cell, set_to_print
from citykpi.planning.models import KpiTemplate
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

from . import workbook as W

HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
REQUIRED_FILL = PatternFill("solid", fgColor="F6E3C5")
SPARE_ROWS = 1000  # dropdowns reach this far below the last row, for rows added by hand


def number(value: Decimal | None) -> int | float | None:
    """A stored Decimal as an Excel number: whole numbers stay integers ("5", not "5.0")."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def plain(value: Decimal | None) -> str:
    """A Decimal as text without trailing zeros (20.00 -> "20", 2.50 -> "2.5")."""
    if value is None:
        return ""
    normal = Decimal(value).normalize()
    return format(normal, "f") if normal != normal.to_integral_value() else str(int(normal))


def boolean(value: bool) -> str:
    return dict(W.BOOLEAN_CHOICES)[W.YES if value else W.NO]


def choice(column: W.Column, value: str) -> str:
    return dict(column.choices).get(value, value)


def milestone_lines(levels: Iterable[tuple[int, Any, Any, str]]) -> str:
    """One level a line: "1 | 20 | 2 | description" (the description may be left out)."""
    lines = []
    for level, percent, points, description in levels:
        parts = [str(level), plain(Decimal(str(percent))), plain(Decimal(str(points or 0)))]
        if description:
            parts.append(description)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def strategy_lines(nodes: Iterable[StrategyNode]) -> str:
    return "\n".join(sorted(f"{n.plan.code}:{n.path}" for n in nodes))


# ------------------------------------------------------------------ the rows of each sheet


def agency_rows() -> list[dict[str, Any]]:
    sheet = W.AGENCIES
    return [
        {
            "code": a.code,
            "long_code": a.long_code,
            "name_th": a.name_th,
            "name_en": a.name_en,
            "abbreviation": a.abbreviation,
            "kind": choice(sheet.column("kind"), a.kind),
            "parent": a.parent.code if a.parent is not None else "",
            "is_active": boolean(a.is_active),
            "reporter_may_submit": boolean(a.reporter_may_submit),
        }
        for a in Agency.objects.select_related("parent").order_by("code")
    ]


def people_rows() -> list[dict[str, Any]]:
    sheet = W.PEOPLE
    memberships = (
        Membership.objects.select_related("user", "agency")
        .filter(user__is_active=True)
        .order_by("user__username", "role", "agency__code")
    )
    return [
        {
            "username": m.user.username,
            "first_name": m.user.first_name,
            "last_name": m.user.last_name,
            "email": m.user.email,
            "role": choice(sheet.column("role"), m.role),
            "agency": m.agency.code if m.agency is not None else "",
        }
        for m in memberships
    ]


def unit_rows() -> list[dict[str, Any]]:
    sheet = W.UNITS
    return [
        {
            "name_th": u.name_th,
            "name_en": u.name_en,
            "kind": choice(sheet.column("kind"), u.kind),
            "scale_min": number(u.scale_min),
            "scale_max": number(u.scale_max),
            "allows_over_100": boolean(u.allows_over_100),
            "suggests_lower_is_better": boolean(u.suggests_lower_is_better),
        }
        for u in Unit.objects.order_by("name_th")
    ]


def plan_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name_th": p.name_th,
            "name_en": p.name_en,
            "level_names": " > ".join(p.level_names or []),
            "start_year": p.start_year,
            "end_year": p.end_year,
            "is_primary": boolean(p.is_primary),
        }
        for p in StrategyPlan.objects.order_by("code")
    ]


def strategy_rows() -> list[dict[str, Any]]:
    nodes = StrategyNode.objects.select_related("plan", "parent").order_by("plan__code", "sort_key")
    return [
        {
            "plan": n.plan.code,
            "path": n.path,
            "display_number": n.display_number,
            "heading_prefix": n.heading_prefix,
            "title": n.title,
            "title_en": n.title_en,
            "title_truncated": boolean(n.title_truncated),
            "parent": n.parent.path if n.parent is not None else "",
        }
        for n in nodes
    ]


def dimension_rows() -> list[dict[str, Any]]:
    return [
        {"number": d.number, "name_th": d.name_th, "name_en": d.name_en}
        for d in EvaluationDimension.objects.order_by("number")
    ]


def year_rows(year: FiscalYear) -> list[dict[str, Any]]:
    return [
        {
            "year": year.year,
            **{f"q{q}_deadline": year.deadline(q) for q in (1, 2, 3, 4)},
            "components": ", ".join(year.assessment_components or []),
        }
    ]


def template_rows() -> list[dict[str, Any]]:
    sheet = W.TEMPLATES
    templates = (
        KpiTemplate.objects.select_related("unit")
        .prefetch_related(Prefetch("strategy_nodes", queryset=StrategyNode.objects.select_related("plan")))
        .order_by("name", "pk")
    )
    return [
        {
            "name": t.name,
            "name_en": t.name_en,
            "unit": t.unit.name_th if t.unit is not None else "",
            "kpi_type": choice(sheet.column("kpi_type"), t.kpi_type),
            "result_level": choice(sheet.column("result_level"), t.result_level),
            "scoring_method": choice(sheet.column("scoring_method"), t.scoring_method),
            "direction": choice(sheet.column("direction"), t.direction),
            "definition": t.definition,
            "calculation_method": t.calculation_method,
            "data_collection": t.data_collection,
            "strategy": strategy_lines(t.strategy_nodes.all()),
            "milestones": milestone_lines(
                (int(r["level"]), r["percent"], r.get("points", 0), r.get("description", ""))
                for r in sorted(t.milestone_levels or [], key=lambda r: int(r["level"]))
            ),
            "is_active": boolean(t.is_active),
        }
        for t in templates
    ]


def kpi_rows(year: FiscalYear) -> list[dict[str, Any]]:
    sheet = W.KPIS
    indicators = (
        Indicator.objects.filter(fiscal_year=year)
        .select_related("agency", "unit", "dimension", "template")
        .prefetch_related(
            Prefetch(
                "quarters", queryset=QuarterReport.objects.only("indicator_id", "quarter", "planned_target")
            ),
            Prefetch("milestone_levels", queryset=MilestoneLevel.objects.order_by("level")),
            Prefetch("strategy_nodes", queryset=StrategyNode.objects.select_related("plan")),
        )
        .order_by("agency__code", "code")
    )
    rows = []
    for i in indicators:
        plan = {q.quarter: q.planned_target for q in i.quarters.all()}
        rows.append(
            {
                "code": i.code,
                "agency": i.agency.code,
                "list_label": i.list_label,
                "name": i.name,
                "name_en": i.name_en,
                "unit": i.unit.name_th if i.unit is not None else "",
                "kpi_type": choice(sheet.column("kpi_type"), i.kpi_type),
                "result_level": choice(sheet.column("result_level"), i.result_level),
                "scoring_method": choice(sheet.column("scoring_method"), i.scoring_method),
                "scoring_config": json.dumps(i.scoring_config, ensure_ascii=False, sort_keys=True)
                if i.scoring_config
                else "",
                "target": number(i.target),
                "target_text": i.target_text,
                "direction": choice(sheet.column("direction"), i.direction),
                "range_low": number(i.range_low),
                "range_high": number(i.range_high),
                "weight": number(i.weight),
                **{f"plan_q{q}": number(plan.get(q)) for q in (1, 2, 3, 4)},
                "milestones": milestone_lines(
                    (m.level, m.percent, m.points, m.description) for m in i.milestone_levels.all()
                ),
                "definition": i.definition,
                "calculation_method": i.calculation_method,
                "data_collection": i.data_collection,
                "strategy": strategy_lines(i.strategy_nodes.all()),
                "dimension": i.dimension.number if i.dimension is not None else None,
                "is_negotiated": boolean(i.is_negotiated),
                "template": i.template.name if i.template is not None else "",
            }
        )
    return rows


def sheet_rows(year: FiscalYear) -> dict[str, list[dict[str, Any]]]:
    return {
        "agencies": agency_rows(),
        "people": people_rows(),
        "units": unit_rows(),
        "plans": plan_rows(),
        "strategy": strategy_rows(),
        "dimensions": dimension_rows(),
        "year": year_rows(year),
        "templates": template_rows(),
        "kpis": kpi_rows(year),
    }


# ------------------------------------------------------------------ writing the workbook


def _headers(ws: Any, sheet: W.Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        top = ws.cell(row=1, column=index, value=column.th + (" *" if column.required else ""))
        bottom = ws.cell(row=2, column=index, value=column.en)
        for cell in (top, bottom):
            cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        top.font = Font(bold=True)
        bottom.font = Font(italic=True)
        if column.hint:
            top.comment = Comment(column.hint, "citykpi")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = ws.cell(row=W.FIRST_ROW, column=2)
    set_to_print(ws, header_rows=W.FIRST_ROW - 1)


def _write_lists(book: Workbook) -> dict[tuple[tuple[str, str], ...], str]:
    """The hidden sheet of closed lists, one column each: {choices: its range}."""
    lists = book.create_sheet(W.LISTS_SHEET)
    ranges: dict[tuple[tuple[str, str], ...], str] = {}
    for sheet in W.SHEETS:
        for column in sheet.columns:
            if not column.choices or column.choices in ranges:
                continue
            index = len(ranges) + 1
            letter = get_column_letter(index)
            set_cell(lists, 1, index, f"{sheet.key}.{column.key}")
            for offset, (_value, label) in enumerate(column.choices, start=2):
                set_cell(lists, offset, index, label)
            ranges[column.choices] = (
                f"{quote_sheetname(W.LISTS_SHEET)}!${letter}$2:${letter}${len(column.choices) + 1}"
            )
    lists.sheet_state = "hidden"
    return ranges


def _reference_range(target: W.Sheet, key: str) -> str:
    letter = target.letter(key)
    return f"{quote_sheetname(target.title)}!${letter}${W.FIRST_ROW}:${letter}${W.MAX_ROWS}"


# Which sheet and column a reference column draws its dropdown from.
REFERENCES = {
    ("agencies", "parent"): (W.AGENCIES, "code"),
    ("people", "agency"): (W.AGENCIES, "code"),
    ("strategy", "plan"): (W.PLANS, "code"),
    ("templates", "unit"): (W.UNITS, "name_th"),
    ("kpis", "agency"): (W.AGENCIES, "code"),
    ("kpis", "unit"): (W.UNITS, "name_th"),
    ("kpis", "dimension"): (W.DIMENSIONS, "number"),
    ("kpis", "template"): (W.TEMPLATES, "name"),
}


def _validations(ws: Any, sheet: W.Sheet, last_row: int, lists: dict) -> None:
    common = dict(allow_blank=True, showErrorMessage=True, errorStyle="warning")
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}{W.FIRST_ROW}:{letter}{last_row}"
        if column.choices:
            allowed = ", ".join(label for _v, label in column.choices)
            validation = DataValidation(
                type="list",
                formula1=lists[column.choices],
                errorTitle="ค่าไม่อยู่ในรายการ / Not in the list",
                error=f"เลือกจากรายการ / choose one of: {allowed}"[:255],
                **common,
            )
        elif (sheet.key, column.key) in REFERENCES:
            target, key = REFERENCES[(sheet.key, column.key)]
            validation = DataValidation(
                type="list",
                formula1=_reference_range(target, key),
                errorTitle="ไม่พบรหัสนี้ / Unknown code",
                error=f"ใช้ค่าจากแผ่นงาน {target.title} / use a value from the sheet {target.title}",
                **common,
            )
        else:
            continue
        validation.add(cells)
        ws.add_data_validation(validation)


def _instructions(book: Workbook, year: FiscalYear, counts: dict[str, int]) -> None:
    ws = book.active
    ws.title = W.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 80
    lines = [
        (f"สมุดงานตั้งค่าระบบ citykpi ปีงบประมาณ {year.year}", f"citykpi setup workbook, fiscal year {year.year}"),
        (
            "แก้ไขหรือเพิ่มแถวในแต่ละแผ่นงาน แล้วนำเข้าด้วย citykpi import-setup ไฟล์.xlsx (ทดลองก่อน) "
            "หรือที่หน้า /exchange/setup/ ระบบจะแสดงทุกแถวที่จะสร้าง เปลี่ยน หรือคงเดิม และทุกปัญหา "
            "ตามแผ่นงาน แถว และคอลัมน์ ก่อนบันทึก",
            "Edit or add rows on each sheet, then import with citykpi import-setup FILE.xlsx (a dry run "
            "first) or on the page /exchange/setup/: it lists every row it would create, change or leave "
            "and every problem by sheet, row and column before anything is saved",
        ),
        (
            "แถวอ้างถึงกันด้วยรหัส (หน่วยงานแม่ หน่วยงานของผู้ใช้และตัวชี้วัด หน่วยนับ แผน มิติ แม่แบบ) "
            "จึงสร้างทั้งเมืองได้จากไฟล์เดียว การนำเข้าเพิ่มและแก้ไขเท่านั้น ไม่ลบข้อมูล",
            "Rows refer to each other by code (parent agency, the agency of a person and of a KPI, unit, "
            "plan, dimension, template), so one file builds a whole city. The import adds and changes; "
            "it never deletes",
        ),
        (
            "บัญชีใหม่ไม่มีรหัสผ่าน ผู้ดูแลระบบตั้งรหัสผ่านให้ก่อนเข้าใช้ครั้งแรก (ดู docs/onboarding.md)",
            "New accounts have no password: the administrator sets one before the first sign-in "
            "(see docs/onboarding.md)",
        ),
        ("ช่องที่มี * ต้องกรอก ตัวเลขไทยหรืออารบิกก็ได้", "Columns marked * are required; Thai or Arabic digits"),
    ]
    for th, en in lines:
        append_row(ws, [th])
        append_row(ws, [en])
        ws.cell(row=ws.max_row, column=1).font = Font(italic=True)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.append([])
    append_row(ws, ["แผ่นงาน / Sheet", "คอลัมน์ / Column", "", "ต้องกรอก / Required", "คำอธิบาย / Notes"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for sheet in W.SHEETS:
        append_row(ws, [sheet.title, f"{sheet.th} / {sheet.en}", f"{counts.get(sheet.key, 0)} แถว / rows"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        for column in sheet.columns:
            notes = column.hint
            if column.choices:
                notes = " · ".join(label for _v, label in column.choices)
            append_row(
                ws,
                [
                    "",
                    f"{sheet.letter(column.key)}: {column.th}",
                    column.en,
                    "*" if column.required else "",
                    notes,
                ],
            )
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(year: FiscalYear | int) -> Workbook:
    """The setup workbook of `year` (a FiscalYear or its BE number)."""
    fiscal_year = year if isinstance(year, FiscalYear) else FiscalYear.objects.filter(pk=year).first()
    if fiscal_year is None:
        raise ActionError(f"ไม่พบปีงบประมาณ {year}", f"Fiscal year {year} does not exist", field="fiscal_year")
    data = sheet_rows(fiscal_year)
    book = Workbook()
    _instructions(book, fiscal_year, {key: len(rows) for key, rows in data.items()})
    sheets = {}
    for sheet in W.SHEETS:
        ws = book.create_sheet(sheet.title)
        _headers(ws, sheet)
        for offset, row in enumerate(data[sheet.key]):
            number_row = W.FIRST_ROW + offset
            for index, column in enumerate(sheet.columns, start=1):
                value = row.get(column.key)
                if value == "":
                    value = None
                cell = set_cell(ws, number_row, index, value)
                if column.kind in ("long", "lines"):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                elif column.kind == "date" and value is not None:
                    cell.number_format = "yyyy-mm-dd"
        ws.auto_filter.ref = f"A2:{get_column_letter(len(sheet.columns))}{max(ws.max_row, 2)}"
        sheets[sheet.key] = ws
    lists = _write_lists(book)
    for sheet in W.SHEETS:
        last = W.FIRST_ROW + len(data[sheet.key]) + SPARE_ROWS
        _validations(sheets[sheet.key], sheet, last, lists)
    meta = book.create_sheet(W.META_SHEET)
    meta.append(["format", W.FORMAT_ID])
    meta.append(["fiscal_year", fiscal_year.year])
    meta.sheet_state = "hidden"
    return book


def workbook_bytes(year: FiscalYear | int) -> bytes:
    buffer = io.BytesIO()
    build_workbook(year).save(buffer)
    return buffer.getvalue()
