"""Reading a setup workbook into a plan: every row it would create, change or leave,
cell by cell, and every problem by sheet, row and column (Thai first, with English).

`read_plan(data)` writes nothing. Each cell is read by the kind its column has in
citykpi.exchange.setup.workbook (Thai digits accepted in numbers, codes and years); rows
refer to each other by code, resolved against the rows of the same file first and the
database second, so one file can build a whole city. citykpi.exchange.setup.apply
writes a plan without problems.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from openpyxl import load_workbook

from citykpi.accounts.models import CITYWIDE_ROLES, Membership, Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import (
    EvaluationDimension,
    FiscalYear,
    Indicator,
    Unit,
    default_components,
)
from citykpi.lib import fiscal
from citykpi.lib.spreadsheet import CellError
from citykpi.lib.thai import (
    NumberParseError,
    has_thai_digits,
    parse_number,
    parse_typed_date,
    to_arabic_digits,
    to_thai_digits,
)
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.strategy.models import StrategyNode, StrategyPlan

from . import workbook as W
from .export import plain

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTION_LABELS = {
    CREATE: ("สร้างใหม่", "Create"),
    UPDATE: ("เปลี่ยน", "Change"),
    UNCHANGED: ("คงเดิม", "Leave"),
}
AGENCY_CODE = re.compile(r"^[0-9]{4}$")
LONG_CODE = re.compile(r"^[0-9]{8}$")
KPI_CODE = re.compile(r"^[0-9]{4}-[0-9]{3,6}$")
PATH = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass
class Change:
    column: str
    field: str
    before: Any
    after: Any


@dataclass
class RowPlan:
    sheet: str  # the sheet's key (workbook.SHEETS)
    row: int
    key: str
    action: str
    changes: list[Change] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def sheet_title(self) -> str:
        return W.BY_KEY[self.sheet].title

    @property
    def action_label(self) -> str:
        th, en = ACTION_LABELS[self.action]
        return f"{th} / {en}"


@dataclass
class SetupPlan:
    digest: str = ""
    fiscal_year: int | None = None
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[CellError] = field(default_factory=list)
    committed: bool = False
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action != UNCHANGED]

    def of(self, sheet: str, action: str | None = None) -> list[RowPlan]:
        return [r for r in self.rows if r.sheet == sheet and (action is None or r.action == action)]

    def counts(self) -> list[dict[str, Any]]:
        """Per sheet: how many rows are created, changed and left as they are."""
        found = []
        for sheet in W.SHEETS:
            tally = Counter(r.action for r in self.rows if r.sheet == sheet.key)
            found.append(
                {
                    "sheet": sheet,
                    CREATE: tally[CREATE],
                    UPDATE: tally[UPDATE],
                    UNCHANGED: tally[UNCHANGED],
                    "problems": sum(1 for p in self.problems if p.sheet == sheet.title),
                }
            )
        return found


# ------------------------------------------------------------------ reading cells


class CellProblem(Exception):
    def __init__(self, message_th: str, message_en: str):
        self.message_th = message_th
        self.message_en = message_en
        super().__init__(f"{message_th} / {message_en}")


def _is_formula(cell: Any) -> bool:
    return cell.data_type == "f" or (
        cell.data_type != "s" and isinstance(cell.value, str) and cell.value.startswith("=")
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise CellProblem("ต้องเป็นตัวเลข", "must be a number")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    try:
        return parse_number(_text(value))
    except NumberParseError:
        raise CellProblem(f"“{_text(value)}” ไม่ใช่ตัวเลข", f"“{_text(value)}” is not a number") from None


def _int(value: Any) -> int | None:
    found = _number(value)
    if found is None:
        return None
    if found != found.to_integral_value():
        raise CellProblem(f"“{_text(value)}” ไม่ใช่จำนวนเต็ม", f"“{_text(value)}” is not a whole number")
    return int(found)


def _choice(value: Any, choices: tuple[tuple[str, str], ...]) -> str | None:
    text = " ".join(_text(value).split())
    if not text:
        return None
    wanted = text.casefold()
    for stored, label in choices:
        halves = [part.strip().casefold() for part in label.split(" / ")]
        if wanted in (stored.casefold(), label.casefold(), *halves):
            return stored
    allowed = ", ".join(label for _v, label in choices)
    raise CellProblem(f"“{text}” ไม่อยู่ในรายการ ({allowed})", f"“{text}” is not one of: {allowed}")


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_typed_date(_text(value))
    except ValueError:
        raise CellProblem(
            f"“{_text(value)}” ไม่ใช่วันที่ (เช่น 2566-01-31 หรือ 31/1/2566)",
            f"“{_text(value)}” is not a date (e.g. 2023-01-31 or 31/1/2566)",
        ) from None


def read_cell(column: W.Column, value: Any) -> Any:
    """The value of one cell, as its column's kind reads it; raises CellProblem."""
    kind = column.kind
    if kind in ("text", "ref"):
        return _text(value)
    if kind == "long":
        return _text(value)
    if kind == "int":
        return _int(value)
    if kind == "number":
        return _number(value)
    if kind in ("choice", "bool"):
        found = _choice(value, column.choices)
        if kind == "bool":
            return None if found is None else found == W.YES
        return found
    if kind == "date":
        return _date(value)
    if kind == "lines":
        return [line.strip() for line in _text(value).split("\n") if line.strip()]
    if kind == "json":
        text = _text(value)
        if not text:
            return {}
        try:
            found = json.loads(text)
        except ValueError:
            raise CellProblem("ข้อความ JSON ไม่ถูกต้อง", "This is not valid JSON") from None
        if not isinstance(found, dict):
            raise CellProblem("ต้องเป็น JSON แบบ {…}", "Must be a JSON object {…}")
        return found
    raise AssertionError(kind)


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # columns whose cell could not be read


class Reader:
    """Reads the sheets of one workbook, collecting problems on the plan."""

    def __init__(self, plan: SetupPlan):
        self.plan = plan

    def problem(self, sheet: W.Sheet, row: int, key: str | None, th: str, en: str, code: str = "") -> None:
        column = sheet.label(key) if key else ""
        self.plan.problems.append(CellError(sheet.title, row, column, th, en, code))

    def rows(self, book: Any, sheet: W.Sheet) -> list[Row]:
        if sheet.title not in book.sheetnames:
            return []
        ws = book[sheet.title]
        found: list[Row] = []
        width = len(sheet.columns)
        last = min(ws.max_row, W.FIRST_ROW + W.MAX_ROWS)
        for cells in ws.iter_rows(min_row=W.FIRST_ROW, max_row=last, max_col=width):
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
                continue
            number = cells[0].row
            row = Row(number, {})
            for column, cell in zip(sheet.columns, cells, strict=False):
                if _is_formula(cell):
                    self.problem(
                        sheet,
                        number,
                        column.key,
                        "ช่องนี้เป็นสูตร กรุณาวางเป็นค่า (Paste Values)",
                        "This cell holds a formula; paste it as a value",
                    )
                    row.bad.add(column.key)
                    continue
                try:
                    row.values[column.key] = read_cell(column, cell.value)
                except CellProblem as exc:
                    self.problem(sheet, number, column.key, exc.message_th, exc.message_en)
                    row.bad.add(column.key)
                    continue
                value = row.values[column.key]
                if column.max_length and isinstance(value, str) and len(value) > column.max_length:
                    self.problem(
                        sheet,
                        number,
                        column.key,
                        f"ยาวเกิน {column.max_length} ตัวอักษร",
                        f"Longer than {column.max_length} characters",
                    )
                    row.bad.add(column.key)
                    continue
                empty = value in (None, "", [], {})
                if column.required and empty:
                    self.problem(
                        sheet,
                        number,
                        column.key,
                        f"ต้องกรอก “{column.th}”",
                        f"“{column.en}” is required",
                    )
                    row.bad.add(column.key)
            found.append(row)
        return found

    def unique(self, sheet: W.Sheet, rows: list[Row], key_of: Any) -> list[Row]:
        """The rows whose key is readable and not seen before; a duplicate is a problem."""
        first: dict[Any, int] = {}
        kept = []
        for row in rows:
            if any(k in row.bad for k in sheet.key_columns):
                continue
            key = key_of(row)
            if key in first:
                shown = " ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
                self.problem(
                    sheet,
                    row.number,
                    sheet.key_columns[-1] if sheet.key == "people" else sheet.key_columns[0],
                    f"“{shown}” ซ้ำกับแถว {first[key]}",
                    f"“{shown}” is a duplicate of row {first[key]}",
                    shown,
                )
                continue
            first[key] = row.number
            kept.append(row)
        return kept


def _code(text: str, width: int = 4) -> str:
    """An agency code as typed: Thai digits read, and the leading zeros Excel drops from a
    number cell (0409 -> 409) put back."""
    found = to_arabic_digits(text or "").strip()
    return found.zfill(width) if found.isdigit() and len(found) < width else found


# ------------------------------------------------------------------ comparing with the database


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is None and new is None
        return Decimal(old) == Decimal(new)
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _show(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ใช่ / Yes" if value else "ไม่ / No"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, (list, tuple)):
        return "\n".join(_show(v) if not isinstance(v, str) else v for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def diff(sheet: W.Sheet, current: dict[str, Any] | None, wanted: dict[str, Any]) -> list[Change]:
    """The cells of a row that differ from the database (every filled cell of a new row)."""
    changes = []
    for name, new in wanted.items():
        column = sheet.column(name) if _has_column(sheet, name) else None
        label = sheet.label(name) if column else name
        choices: dict[Any, Any] | None = (
            dict(column.choices) if column is not None and column.kind == "choice" else None
        )
        shown = choices.get(new, new) if choices is not None else new
        if current is None:
            if new in (None, "", [], {}, ()):
                continue
            changes.append(Change(label, name, None, _show(shown)))
            continue
        old = current.get(name)
        if _same(old, new):
            continue
        old_shown = choices.get(old, old) if choices is not None else old
        changes.append(Change(label, name, _show(old_shown), _show(shown)))
    return changes


def _has_column(sheet: W.Sheet, name: str) -> bool:
    return any(c.key == name for c in sheet.columns)


def _row_plan(
    plan: SetupPlan, sheet: W.Sheet, row: Row, key: str, current: Any, wanted: Any, **values: Any
) -> RowPlan:
    changes = diff(sheet, current, wanted)
    action = CREATE if current is None else (UPDATE if changes else UNCHANGED)
    item = RowPlan(sheet.key, row.number, key, action, changes, {"wanted": wanted, **values})
    plan.rows.append(item)
    return item


# ------------------------------------------------------------------ milestone and strategy cells


def milestone_rows(lines: list[str]) -> list[tuple[int, Decimal, Decimal, str]]:
    """ "1 | 20 | 2 | description" lines -> (level, percent, points, description), sorted."""
    levels = []
    seen = set()
    for line in lines:
        parts = [p.strip() for p in line.split("|", 3)]
        if len(parts) < 2:
            raise CellProblem(
                f"“{line}”: ต้องเป็น ระดับ | ร้อยละ | คะแนน | คำอธิบาย",
                f"“{line}”: write level | percent | points | description",
            )
        try:
            level = _int(parts[0])
            percent = _number(parts[1])
            points = _number(parts[2]) if len(parts) > 2 and parts[2] else Decimal("0")
        except CellProblem as exc:
            raise CellProblem(f"“{line}”: {exc.message_th}", f"“{line}”: {exc.message_en}") from None
        if level is None or not 1 <= level <= 10:
            raise CellProblem(f"“{line}”: ระดับต้องเป็น 1-10", f"“{line}”: the level must be 1-10")
        if percent is None or not 0 <= percent <= 100:
            raise CellProblem(f"“{line}”: ร้อยละต้องเป็น 0-100", f"“{line}”: the percent must be 0-100")
        if level in seen:
            raise CellProblem(f"ระดับ {level} ซ้ำ", f"Level {level} appears twice")
        seen.add(level)
        levels.append((level, percent, points or Decimal("0"), parts[3] if len(parts) > 3 else ""))
    return sorted(levels)


def _levels_key(levels: Any) -> list[str]:
    return [" | ".join([str(lv), plain(pc), plain(pt), d]).rstrip(" |") for lv, pc, pt, d in levels]


def _link(line: str) -> tuple[str, str]:
    plan, sep, path = line.partition(":")
    if not sep or not plan.strip() or not path.strip():
        raise CellProblem(
            f"“{line}”: ต้องเป็น รหัสแผน:เลขลำดับ เช่น bma-20-year-plan:7.3.1.1",
            f"“{line}”: write plan code:path, e.g. bma-20-year-plan:7.3.1.1",
        )
    return plan.strip(), path.strip()


# ------------------------------------------------------------------ the plan


class Planner:
    """Builds the plan sheet by sheet; later sheets resolve codes against earlier ones."""

    def __init__(self, plan: SetupPlan, book: Any):
        self.plan = plan
        self.book = book
        self.reader = Reader(plan)

    def problem(self, sheet: Any, row: Any, key: str, th: str, en: str, code: str = "") -> None:
        self.reader.problem(sheet, row, key, th, en, code)

    def run(self) -> None:
        self.agencies()
        self.people()
        self.units()
        self.plans()
        self.strategy()
        self.dimensions()
        self.year()
        self.templates()
        self.kpis()

    # agencies ------------------------------------------------------------------------------
    def agencies(self) -> None:
        sheet = W.AGENCIES
        rows = self.reader.rows(self.book, sheet)
        for row in rows:
            if "code" not in row.bad:
                row.values["code"] = _code(row.values["code"])
                if not AGENCY_CODE.match(row.values["code"]):
                    self.problem(
                        sheet,
                        row.number,
                        "code",
                        "รหัสหน่วยงานต้องเป็นตัวเลข 4 หลัก",
                        "The agency code must be 4 digits",
                    )
                    row.bad.add("code")
        rows = self.reader.unique(sheet, rows, lambda r: r.values["code"])
        existing = {a.code: a for a in Agency.objects.select_related("parent")}
        self.db_agencies = existing
        in_file = {r.values["code"]: r for r in rows}
        self.file_agencies = set(in_file)
        long_codes: dict[str, int] = {}
        parents: dict[str, str] = {code: a.parent.code for code, a in existing.items() if a.parent_id}
        for row in rows:
            v = row.values
            code = v["code"]
            long_code = _code(v.get("long_code") or "", 8) or Agency.long_code_for(code)
            if not LONG_CODE.match(long_code):
                self.problem(
                    sheet,
                    row.number,
                    "long_code",
                    "รหัส 8 หลักต้องเป็นตัวเลข 8 หลัก",
                    "The long code must be 8 digits",
                )
                row.bad.add("long_code")
            elif long_code in long_codes:
                self.problem(
                    sheet,
                    row.number,
                    "long_code",
                    f"รหัส 8 หลัก {long_code} ซ้ำกับแถว {long_codes[long_code]}",
                    f"The long code {long_code} is a duplicate of row {long_codes[long_code]}",
                )
                row.bad.add("long_code")
            else:
                long_codes[long_code] = row.number
                other = next(
                    (a for a in existing.values() if a.long_code == long_code and a.code != code), None
                )
                if other is not None and other.code not in in_file:
                    self.problem(
                        sheet,
                        row.number,
                        "long_code",
                        f"รหัส 8 หลัก {long_code} เป็นของหน่วยงาน {other.code} แล้ว",
                        f"The long code {long_code} already belongs to agency {other.code}",
                    )
                    row.bad.add("long_code")
            v["long_code"] = long_code
            parent = _code(v.get("parent") or "")
            v["parent"] = parent
            if parent and parent not in in_file and parent not in existing:
                self.problem(
                    sheet,
                    row.number,
                    "parent",
                    f"ไม่พบหน่วยงานแม่รหัส “{parent}” ในแผ่นงานนี้หรือในระบบ",
                    f"Unknown parent agency “{parent}”: not on this sheet nor in the database",
                    code,
                )
                row.bad.add("parent")
            if parent:
                parents[code] = parent
            else:
                parents.pop(code, None)
        # A cycle in the tree (A under B under A) would make every "and its sub-agencies" loop.
        for row in rows:
            code = row.values["code"]
            if "parent" in row.bad or not row.values["parent"]:
                continue
            seen = [code]
            walked = parents.get(code)
            while walked and walked not in seen:
                seen.append(walked)
                walked = parents.get(walked)
            if walked == code:
                loop = " → ".join([*seen, code])
                self.problem(
                    sheet,
                    row.number,
                    "parent",
                    f"หน่วยงานแม่วนเป็นวง: {loop}",
                    f"The agency tree has a cycle: {loop}",
                    code,
                )
                row.bad.add("parent")
        for row in rows:
            if row.bad:
                continue
            v = row.values
            wanted = {
                "long_code": v["long_code"],
                "name_th": v["name_th"],
                "name_en": v.get("name_en", ""),
                "abbreviation": v.get("abbreviation", ""),
                "kind": v["kind"],
                "parent": v["parent"],
                "is_active": True if v.get("is_active") is None else v["is_active"],
                "reporter_may_submit": bool(v.get("reporter_may_submit")),
            }
            agency = existing.get(v["code"])
            current = None
            if agency is not None:
                current = {
                    "long_code": agency.long_code,
                    "name_th": agency.name_th,
                    "name_en": agency.name_en,
                    "abbreviation": agency.abbreviation,
                    "kind": agency.kind,
                    "parent": agency.parent.code if agency.parent is not None else "",
                    "is_active": agency.is_active,
                    "reporter_may_submit": agency.reporter_may_submit,
                }
            item = _row_plan(self.plan, sheet, row, v["code"], current, wanted)
            if agency is not None and agency.is_placeholder:
                item.changes.append(Change("", "is_placeholder", "ใช่ / Yes", "ไม่ / No"))
                item.action = UPDATE

    def agency_known(self, code: str) -> bool:
        return code in self.file_agencies or code in self.db_agencies

    # people ------------------------------------------------------------------------------------
    def people(self) -> None:
        sheet = W.PEOPLE
        User = get_user_model()
        rows = self.reader.rows(self.book, sheet)
        for row in rows:
            v = row.values
            if "agency" not in row.bad:
                v["agency"] = _code(v.get("agency") or "")
            if "username" not in row.bad:
                try:
                    User.username_validator(v["username"])
                    if len(v["username"]) > 150:
                        raise ValidationError("too long")
                except ValidationError:
                    self.problem(
                        sheet,
                        row.number,
                        "username",
                        "ชื่อบัญชีใช้ได้เฉพาะตัวอักษร ตัวเลข และ @ . + - _ ไม่เกิน 150 ตัว",
                        "A username holds letters, digits and @ . + - _ only, at most 150 characters",
                    )
                    row.bad.add("username")
        rows = self.reader.unique(
            sheet,
            rows,
            lambda r: (r.values["username"], r.values.get("role") or "", r.values.get("agency") or ""),
        )
        users = {
            u.username: u for u in User.objects.filter(username__in=[r.values["username"] for r in rows])
        }
        memberships = {
            (m.user.username, m.role, m.agency.code if m.agency is not None else "")
            for m in Membership.objects.filter(user__in=users.values()).select_related("user", "agency")
        }
        person: dict[str, tuple[int, dict[str, str]]] = {}
        for row in rows:
            v = row.values
            role, code = v.get("role") or "", v.get("agency") or ""
            if "email" not in row.bad and v.get("email"):
                try:
                    validate_email(v["email"])
                except ValidationError:
                    self.problem(
                        sheet,
                        row.number,
                        "email",
                        f"“{v['email']}” ไม่ใช่อีเมล",
                        f"“{v['email']}” is not an e-mail address",
                    )
                    row.bad.add("email")
            if role in (Role.REPORTER, Role.HEAD) and not code:
                self.problem(sheet, row.number, "agency", "บทบาทนี้ต้องระบุหน่วยงาน", "This role needs an agency")
                row.bad.add("agency")
            elif role in CITYWIDE_ROLES and code:
                self.problem(
                    sheet,
                    row.number,
                    "agency",
                    "บทบาทระดับเมืองไม่มีหน่วยงาน ให้เว้นว่าง",
                    "A city-wide role holds no agency; leave it blank",
                )
                row.bad.add("agency")
            elif code and not self.agency_known(code):
                self.problem(
                    sheet,
                    row.number,
                    "agency",
                    f"ไม่พบหน่วยงานรหัส “{code}”",
                    f"Unknown agency “{code}”",
                    code,
                )
                row.bad.add("agency")
            elif code and not role:
                self.problem(
                    sheet, row.number, "role", "ระบุบทบาทในหน่วยงานนี้", "Give the role held in this agency"
                )
                row.bad.add("role")
            details = {k: v.get(k, "") for k in ("first_name", "last_name", "email")}
            for name in ("first_name", "last_name"):
                if len(details[name]) > 150:
                    self.problem(sheet, row.number, name, "ยาวเกิน 150 ตัวอักษร", "Longer than 150 characters")
                    row.bad.add(name)
            if row.bad:
                continue
            username = v["username"]
            if username in person:
                first_row, first_details = person[username]
                for name, value in details.items():
                    if value != first_details[name]:
                        self.problem(
                            sheet,
                            row.number,
                            name,
                            f"{username}: ค่าไม่ตรงกับแถว {first_row} ({first_details[name] or '–'})",
                            f"{username}: differs from row {first_row} ({first_details[name] or '–'})",
                            username,
                        )
                        row.bad.add(name)
                if row.bad:
                    continue
                user_wanted = None
            else:
                person[username] = (row.number, details)
                user_wanted = details
            user = users.get(username)
            changes: list[Change] = []
            if user_wanted is not None:
                current = (
                    None
                    if user is None
                    else {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
                )
                changes = diff(sheet, current, user_wanted)
            new_membership = bool(role) and (username, role, code) not in memberships
            if new_membership:
                changes += diff(sheet, None, {"role": role, "agency": code})
            if (user is None and user_wanted is not None) or new_membership:
                action = CREATE
            else:
                action = UPDATE if changes else UNCHANGED
            self.plan.rows.append(
                RowPlan(
                    sheet.key,
                    row.number,
                    f"{username} {role} {code}".strip(),
                    action,
                    changes,
                    {
                        "username": username,
                        "user": user_wanted
                        if (user is None or any(c.field in details for c in changes))
                        else None,
                        "membership": (role, code) if new_membership else None,
                    },
                )
            )

    # units -------------------------------------------------------------------------------------
    def units(self) -> None:
        sheet = W.UNITS
        rows = self.reader.unique(
            sheet, self.reader.rows(self.book, sheet), lambda r: " ".join(r.values["name_th"].split())
        )
        existing = {u.name_th: u for u in Unit.objects.all()}
        self.db_units = existing
        self.file_units = set()
        for row in rows:
            v = row.values
            name = " ".join(v["name_th"].split())
            self.file_units.add(name)
            if len(name) > 120:
                self.problem(sheet, row.number, "name_th", "ยาวเกิน 120 ตัวอักษร", "Longer than 120 characters")
                continue
            low, high = v.get("scale_min"), v.get("scale_max")
            if low is not None and high is not None and low > high:
                self.problem(
                    sheet, row.number, "scale_max", "ค่าสูงสุดน้อยกว่าค่าต่ำสุด", "The maximum is below the minimum"
                )
                continue
            if row.bad:
                continue
            wanted = {
                "name_en": v.get("name_en", ""),
                "kind": v["kind"],
                "scale_min": low,
                "scale_max": high,
                "allows_over_100": bool(v.get("allows_over_100")),
                "suggests_lower_is_better": bool(v.get("suggests_lower_is_better")),
            }
            unit = existing.get(name)
            current = None
            if unit is not None:
                current = {k: getattr(unit, k) for k in wanted}
            _row_plan(self.plan, sheet, row, name, current, wanted)

    def unit_known(self, name: str) -> bool:
        return name in self.file_units or name in self.db_units

    # strategy plans ----------------------------------------------------------------------------
    def plans(self) -> None:
        sheet = W.PLANS
        rows = self.reader.unique(sheet, self.reader.rows(self.book, sheet), lambda r: r.values["code"])
        existing = {p.code: p for p in StrategyPlan.objects.all()}
        self.db_plans = existing
        self.file_plans = set()
        primaries = []
        for row in rows:
            v = row.values
            self.file_plans.add(v["code"])
            try:
                validate_slug(v["code"])
                if len(v["code"]) > 40:
                    raise ValidationError("too long")
            except ValidationError:
                self.problem(
                    sheet,
                    row.number,
                    "code",
                    "รหัสแผนใช้ได้เฉพาะ a-z 0-9 - _ ไม่เกิน 40 ตัว",
                    "A plan code holds a-z, 0-9, - and _ only, at most 40 characters",
                )
                continue
            if v.get("is_primary"):
                primaries.append(row)
            if row.bad:
                continue
            wanted = {
                "name_th": v["name_th"],
                "name_en": v.get("name_en", ""),
                "level_names": [p.strip() for p in (v.get("level_names") or "").split(">") if p.strip()],
                "start_year": v.get("start_year"),
                "end_year": v.get("end_year"),
                "is_primary": bool(v.get("is_primary")),
            }
            found = existing.get(v["code"])
            current = None
            if found is not None:
                current = {k: getattr(found, k) for k in wanted}
                current["level_names"] = list(found.level_names or [])
            _row_plan(self.plan, sheet, row, v["code"], current, wanted)
        others = [p.code for p in existing.values() if p.is_primary and p.code not in self.file_plans]
        if len(primaries) + len(others) > 1:
            for row in primaries[1:] if primaries else []:
                self.problem(
                    sheet,
                    row.number,
                    "is_primary",
                    "แผนหลักมีได้แผนเดียว",
                    "Only one plan may be the primary plan",
                    row.values["code"],
                )
            if others and primaries:
                self.problem(
                    sheet,
                    primaries[0].number,
                    "is_primary",
                    f"แผน {others[0]} เป็นแผนหลักอยู่แล้ว",
                    f"The plan {others[0]} is already the primary plan",
                    primaries[0].values["code"],
                )

    # strategy nodes ----------------------------------------------------------------------------
    def strategy(self) -> None:
        sheet = W.STRATEGY
        rows = self.reader.rows(self.book, sheet)
        for row in rows:
            path = row.values.get("path") or ""
            if "path" in row.bad:
                continue
            if has_thai_digits(path):
                self.problem(
                    sheet,
                    row.number,
                    "path",
                    f"เลขลำดับต้องเป็นเลขอารบิก: เขียน {to_arabic_digits(path)} (เลขไทย {path} ใส่ในคอลัมน์เลขที่แสดง)",
                    f"The path takes Arabic digits: write {to_arabic_digits(path)} "
                    f"(the Thai form {path} goes in the display number column)",
                    path,
                )
                row.bad.add("path")
            elif not PATH.match(path):
                self.problem(
                    sheet,
                    row.number,
                    "path",
                    f"เลขลำดับ “{path}” ต้องเป็นตัวเลขคั่นด้วยจุด เช่น 7.3.1.1",
                    f"The path “{path}” must be numbers separated by dots, e.g. 7.3.1.1",
                    path,
                )
                row.bad.add("path")
        rows = self.reader.unique(sheet, rows, lambda r: (r.values["plan"], r.values["path"]))
        existing = {(n.plan.code, n.path): n for n in StrategyNode.objects.select_related("plan", "parent")}
        self.db_nodes = existing
        self.file_nodes = {(r.values["plan"], r.values["path"]) for r in rows}
        for row in rows:
            v = row.values
            plan_code, path = v["plan"], v["path"]
            if plan_code not in self.file_plans and plan_code not in self.db_plans:
                self.problem(
                    sheet,
                    row.number,
                    "plan",
                    f"ไม่พบแผนรหัส “{plan_code}”",
                    f"Unknown plan “{plan_code}”",
                    plan_code,
                )
                continue
            parent = to_arabic_digits(v.get("parent") or "")
            if parent:
                expected = path.rsplit(".", 1)[0] if "." in path else ""
                if parent != expected:
                    self.problem(
                        sheet,
                        row.number,
                        "parent",
                        f"หัวข้อแม่ของ {path} ต้องเป็น {expected or '(ว่าง)'}",
                        f"The parent of {path} must be {expected or '(blank)'}",
                        path,
                    )
                    continue
                if (plan_code, parent) not in self.file_nodes and (plan_code, parent) not in existing:
                    self.problem(
                        sheet,
                        row.number,
                        "parent",
                        f"ไม่พบหัวข้อแม่ {parent} ในแผน {plan_code}",
                        f"Unknown parent {parent} in the plan {plan_code}",
                        path,
                    )
                    continue
            if row.bad:
                continue
            display = v.get("display_number") or to_thai_digits(path)
            wanted = {
                "display_number": display[:40],
                "heading_prefix": (v.get("heading_prefix") or display)[:80],
                "title": v["title"],
                "title_en": v.get("title_en", ""),
                "title_truncated": bool(v.get("title_truncated")),
                "parent": parent,
            }
            node = existing.get((plan_code, path))
            current = None
            if node is not None:
                current = {k: getattr(node, k) for k in wanted if k != "parent"}
                current["parent"] = node.parent.path if node.parent is not None else ""
            _row_plan(
                self.plan, sheet, row, f"{plan_code}:{path}", current, wanted, plan_code=plan_code, path=path
            )

    def node_known(self, plan_code: str, path: str) -> bool:
        return (plan_code, path) in self.file_nodes or (plan_code, path) in self.db_nodes

    # dimensions --------------------------------------------------------------------------------
    def dimensions(self) -> None:
        sheet = W.DIMENSIONS
        rows = self.reader.unique(sheet, self.reader.rows(self.book, sheet), lambda r: r.values["number"])
        existing = {d.number: d for d in EvaluationDimension.objects.all()}
        self.db_dimensions = existing
        self.file_dimensions = {r.values["number"] for r in rows}
        for row in rows:
            v = row.values
            if v["number"] < 1 or v["number"] > 32767:
                self.problem(
                    sheet, row.number, "number", "เลขมิติต้องเป็นจำนวนเต็มบวก", "The number must be positive"
                )
                continue
            if row.bad:
                continue
            wanted = {"name_th": v["name_th"], "name_en": v.get("name_en", "")}
            found = existing.get(v["number"])
            current = {k: getattr(found, k) for k in wanted} if found else None
            _row_plan(self.plan, sheet, row, str(v["number"]), current, wanted)

    # the fiscal year ---------------------------------------------------------------------------
    def year(self) -> None:
        sheet = W.YEAR
        rows = self.reader.rows(self.book, sheet)
        self.year_number = None
        if len(rows) > 1:
            for row in rows[1:]:
                self.problem(
                    sheet,
                    row.number,
                    "year",
                    "ไฟล์หนึ่งมีได้ปีงบประมาณเดียว",
                    "One workbook holds one fiscal year",
                )
        if not rows:
            return
        row = rows[0]
        v = row.values
        if "year" in row.bad:
            return
        if not 2400 <= v["year"] <= 2700:
            self.problem(
                sheet,
                row.number,
                "year",
                "ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2567",
                "The fiscal year is a Buddhist Era year, e.g. 2567",
            )
            return
        self.year_number = v["year"]
        self.plan.fiscal_year = v["year"]
        if row.bad:
            return
        wanted: dict[str, Any] = {
            f"q{q}_deadline": v.get(f"q{q}_deadline") or fiscal.default_deadline(v["year"], q)
            for q in (1, 2, 3, 4)
        }
        components = [c.strip() for c in to_arabic_digits(v.get("components") or "").split(",") if c.strip()]
        wanted["components"] = components or default_components()
        found = FiscalYear.objects.filter(pk=v["year"]).first()
        current = None
        if found is not None:
            current = {f"q{q}_deadline": found.deadline(q) for q in (1, 2, 3, 4)}
            current["components"] = list(found.assessment_components or [])
        _row_plan(self.plan, sheet, row, str(v["year"]), current, wanted)

    # templates ---------------------------------------------------------------------------------
    def _definition(self, sheet: W.Sheet, row: Row) -> dict[str, Any] | None:
        """The columns templates and KPIs share, checked; None after a problem."""
        v = row.values
        unit = " ".join((v.get("unit") or "").split())
        ok = True
        if unit and not self.unit_known(unit):
            self.problem(sheet, row.number, "unit", f"ไม่พบหน่วยนับ “{unit}”", f"Unknown unit “{unit}”", unit)
            ok = False
        links = []
        for line in v.get("strategy") or []:
            try:
                plan_code, path = _link(to_arabic_digits(line))
            except CellProblem as exc:
                self.problem(sheet, row.number, "strategy", exc.message_th, exc.message_en)
                ok = False
                continue
            if not self.node_known(plan_code, path):
                self.problem(
                    sheet,
                    row.number,
                    "strategy",
                    f"ไม่พบหัวข้อยุทธศาสตร์ {plan_code}:{path}",
                    f"Unknown strategy node {plan_code}:{path}",
                    f"{plan_code}:{path}",
                )
                ok = False
                continue
            links.append(f"{plan_code}:{path}")
        try:
            levels = milestone_rows(v.get("milestones") or [])
        except CellProblem as exc:
            self.problem(sheet, row.number, "milestones", exc.message_th, exc.message_en)
            levels, ok = [], False
        if not ok or row.bad:
            return None
        return {
            "unit": unit,
            "kpi_type": v.get("kpi_type") or Indicator.Type.STRATEGIC,
            "result_level": v.get("result_level") or Indicator.Level.OUTPUT,
            "scoring_method": v.get("scoring_method") or Indicator.Method.PERCENT_OF_TARGET,
            "direction": v.get("direction") or Indicator.Direction.HIGHER,
            "definition": v.get("definition", ""),
            "calculation_method": v.get("calculation_method", ""),
            "data_collection": v.get("data_collection", ""),
            "strategy": sorted(set(links)),
            "milestones": _levels_key(levels),
            "_levels": levels,
        }

    def templates(self) -> None:
        sheet = W.TEMPLATES
        rows = self.reader.unique(sheet, self.reader.rows(self.book, sheet), lambda r: r.values["name"])
        existing: dict[str, list[KpiTemplate]] = defaultdict(list)
        for t in KpiTemplate.objects.select_related("unit").prefetch_related("strategy_nodes__plan"):
            existing[t.name.strip()].append(t)
        self.db_templates = existing
        self.file_templates = {r.values["name"] for r in rows}
        for row in rows:
            v = row.values
            if len(existing.get(v["name"], [])) > 1:
                self.problem(
                    sheet,
                    row.number,
                    "name",
                    f"มีแม่แบบชื่อนี้ในระบบ {len(existing[v['name']])} รายการ จึงไม่รู้ว่าหมายถึงรายการใด",
                    f"{len(existing[v['name']])} templates of this name exist; the row cannot tell which one",
                    v["name"][:40],
                )
                continue
            definition = self._definition(sheet, row)
            if definition is None:
                continue
            levels = definition.pop("_levels")
            wanted = {
                "name_en": v.get("name_en", ""),
                **definition,
                "is_active": v.get("is_active") is not False,
            }
            found = existing.get(v["name"], [None])[0]
            current = None
            if found is not None:
                current = {
                    "name_en": found.name_en,
                    "unit": found.unit.name_th if found.unit is not None else "",
                    **{
                        k: getattr(found, k)
                        for k in ("kpi_type", "result_level", "scoring_method", "direction")
                    },
                    **{k: getattr(found, k) for k in ("definition", "calculation_method", "data_collection")},
                    "strategy": sorted(f"{n.plan.code}:{n.path}" for n in found.strategy_nodes.all()),
                    "milestones": _levels_key(
                        (
                            int(r["level"]),
                            Decimal(str(r["percent"])),
                            Decimal(str(r.get("points", 0))),
                            r.get("description", ""),
                        )
                        for r in sorted(found.milestone_levels or [], key=lambda r: int(r["level"]))
                    ),
                    "is_active": found.is_active,
                }
            _row_plan(self.plan, sheet, row, v["name"][:60], current, wanted, name=v["name"], levels=levels)

    # KPIs --------------------------------------------------------------------------------------
    def kpis(self) -> None:
        sheet = W.KPIS
        rows = self.reader.rows(self.book, sheet)
        for row in rows:
            if "code" in row.bad:
                continue
            row.values["code"] = to_arabic_digits(row.values["code"])
            if not KPI_CODE.match(row.values["code"]):
                self.problem(
                    sheet,
                    row.number,
                    "code",
                    "รหัสตัวชี้วัดต้องเป็น รหัสหน่วยงาน-ลำดับ เช่น 0409-0950",
                    "The KPI code is agency code-serial, e.g. 0409-0950",
                )
                row.bad.add("code")
        rows = self.reader.unique(sheet, rows, lambda r: r.values["code"])
        if rows and self.year_number is None:
            self.problem(
                sheet,
                rows[0].number,
                "code",
                "ตัวชี้วัดต้องมีปีงบประมาณ: กรอกแผ่นงานปีงบประมาณ",
                "KPIs need a fiscal year: fill in the Fiscal year sheet",
            )
            return
        codes = [r.values["code"] for r in rows]
        existing = {
            i.code: i
            for i in Indicator.objects.filter(code__in=codes)
            .select_related("agency", "unit", "dimension", "template")
            .prefetch_related(
                "quarters",
                "milestone_levels",
                "strategy_nodes__plan",
            )
        }
        approved = set(
            Setup.objects.filter(fiscal_year_id=self.year_number, state=Setup.State.APPROVED).values_list(
                "agency__code", flat=True
            )
        )
        weights: dict[str, list[tuple[Row, Decimal | None]]] = defaultdict(list)
        for row in rows:
            v = row.values
            code = v["code"]
            agency = _code(v.get("agency") or "")
            v["agency"] = agency
            if "agency" not in row.bad:
                if not self.agency_known(agency):
                    self.problem(
                        sheet,
                        row.number,
                        "agency",
                        f"ไม่พบหน่วยงานรหัส “{agency}”",
                        f"Unknown agency “{agency}”",
                        code,
                    )
                    row.bad.add("agency")
                elif not code.startswith(agency + "-"):
                    self.problem(
                        sheet,
                        row.number,
                        "code",
                        f"รหัสตัวชี้วัด {code} ต้องขึ้นต้นด้วยรหัสหน่วยงาน {agency}",
                        f"The KPI code {code} must start with its agency's code {agency}",
                        code,
                    )
                    row.bad.add("code")
            if "weight" not in row.bad and v.get("weight") is not None and not 0 <= v["weight"] <= 100:
                self.problem(
                    sheet,
                    row.number,
                    "weight",
                    "น้ำหนักต้องอยู่ระหว่าง 0 ถึง 100",
                    "The weight must be between 0 and 100",
                    code,
                )
                row.bad.add("weight")
            dimension = v.get("dimension") or ""
            dimension_number = None
            if dimension:
                try:
                    dimension_number = _int(dimension)
                except CellProblem:
                    dimension_number = None
                if (
                    dimension_number not in self.file_dimensions
                    and dimension_number not in self.db_dimensions
                ):
                    self.problem(
                        sheet,
                        row.number,
                        "dimension",
                        f"ไม่พบมิติการประเมิน “{dimension}”",
                        f"Unknown dimension “{dimension}”",
                        code,
                    )
                    row.bad.add("dimension")
            template = v.get("template") or ""
            if template and template not in self.file_templates and template not in self.db_templates:
                self.problem(
                    sheet,
                    row.number,
                    "template",
                    f"ไม่พบแม่แบบ “{template[:60]}”",
                    f"Unknown template “{template[:60]}”",
                    code,
                )
                row.bad.add("template")
            if (v.get("direction") == Indicator.Direction.RANGE) and (
                v.get("range_low") is None or v.get("range_high") is None
            ):
                self.problem(
                    sheet,
                    row.number,
                    "range_low",
                    "ตัวชี้วัดแบบช่วงต้องระบุค่าต่ำสุดและสูงสุด",
                    "A range KPI needs its low and high values",
                    code,
                )
                row.bad.add("range_low")
            found = existing.get(code)
            if found is not None and found.fiscal_year_id != self.year_number:
                self.problem(
                    sheet,
                    row.number,
                    "code",
                    f"ตัวชี้วัด {code} เป็นของปีงบประมาณ {found.fiscal_year_id} (รหัสไม่ซ้ำข้ามปี)",
                    f"The KPI {code} belongs to fiscal year {found.fiscal_year_id} (codes are unique across years)",
                    code,
                )
                continue
            if found is not None and "agency" not in row.bad and found.agency.code != agency:
                self.problem(
                    sheet,
                    row.number,
                    "agency",
                    f"ตัวชี้วัด {code} เป็นของหน่วยงาน {found.agency.code} ย้ายหน่วยงานไม่ได้",
                    f"The KPI {code} belongs to agency {found.agency.code}; it cannot move",
                    code,
                )
                continue
            definition = self._definition(sheet, row)
            if "agency" not in row.bad:
                weights[agency].append((row, v.get("weight")))
            if definition is None:
                continue
            levels = definition.pop("_levels")
            wanted = {
                "agency": agency,
                "list_label": v.get("list_label", ""),
                "name": v["name"],
                "name_en": v.get("name_en", ""),
                **{k: definition[k] for k in ("unit", "kpi_type", "result_level", "scoring_method")},
                "scoring_config": v.get("scoring_config") or {},
                "target": v.get("target"),
                "target_text": v.get("target_text", ""),
                "direction": definition["direction"],
                "range_low": v.get("range_low"),
                "range_high": v.get("range_high"),
                "weight": v.get("weight"),
                **{f"plan_q{q}": v.get(f"plan_q{q}") for q in (1, 2, 3, 4)},
                "milestones": definition["milestones"],
                **{
                    k: definition[k]
                    for k in ("definition", "calculation_method", "data_collection", "strategy")
                },
                "dimension": str(dimension_number) if dimension_number is not None else "",
                "is_negotiated": bool(v.get("is_negotiated")),
                "template": template,
            }
            current = None
            if found is not None:
                current = _kpi_current(found)
            item = _row_plan(self.plan, sheet, row, code, current, wanted, levels=levels)
            if item.action == UPDATE and agency in approved:
                self.problem(
                    sheet,
                    row.number,
                    item.changes[0].field if _has_column(sheet, item.changes[0].field) else "code",
                    f"ตัวชี้วัดของ {agency} ปีงบประมาณ {self.year_number} ได้รับอนุมัติแล้ว แก้ไขไม่ได้ "
                    "ต้องให้ สยป. เปิดให้แก้ไขก่อน",
                    f"The fiscal year {self.year_number} KPIs of {agency} are approved and frozen; "
                    "the central evaluator reopens them first",
                    code,
                )
        self._weights(sheet, weights, set(codes))

    def _weights(
        self, sheet: W.Sheet, weights: dict[str, list[tuple[Row, Decimal | None]]], codes: set[str]
    ) -> None:
        """Weights sum to 100 per agency: the file's rows and the agency's other KPIs of the year."""
        others: dict[str, Decimal] = defaultdict(Decimal)
        for code, weight in (
            Indicator.objects.filter(fiscal_year_id=self.year_number, agency__code__in=list(weights))
            .exclude(code__in=codes)
            .values_list("agency__code", "weight")
        ):
            others[code] += weight or Decimal("0")
        for agency, items in weights.items():
            if any("weight" in row.bad for row, _w in items):
                continue
            total = sum((w or Decimal("0") for _r, w in items), Decimal("0")) + others[agency]
            if total == Decimal("100"):
                continue
            rows = ", ".join(str(row.number) for row, _w in items)
            self.problem(
                sheet,
                items[0][0].number,
                "weight",
                f"น้ำหนักรวมของหน่วยงาน {agency} เป็น {plain(total)} ไม่เท่ากับ 100 (แถว {rows})",
                f"The weights of agency {agency} sum to {plain(total)}, not 100 (rows {rows})",
                agency,
            )


def _kpi_current(i: Indicator) -> dict[str, Any]:
    plan = {q.quarter: q.planned_target for q in i.quarters.all()}
    levels = sorted((m.level, m.percent, m.points, m.description) for m in i.milestone_levels.all())
    return {
        "agency": i.agency.code,
        "list_label": i.list_label,
        "name": i.name,
        "name_en": i.name_en,
        "unit": i.unit.name_th if i.unit is not None else "",
        "kpi_type": i.kpi_type,
        "result_level": i.result_level,
        "scoring_method": i.scoring_method,
        "scoring_config": i.scoring_config or {},
        "target": i.target,
        "target_text": i.target_text,
        "direction": i.direction,
        "range_low": i.range_low,
        "range_high": i.range_high,
        "weight": i.weight,
        **{f"plan_q{q}": plan.get(q) for q in (1, 2, 3, 4)},
        "milestones": _levels_key(levels),
        "definition": i.definition,
        "calculation_method": i.calculation_method,
        "data_collection": i.data_collection,
        "strategy": sorted(f"{n.plan.code}:{n.path}" for n in i.strategy_nodes.all()),
        "dimension": str(i.dimension.number) if i.dimension is not None else "",
        "is_negotiated": i.is_negotiated,
        "template": i.template.name.strip() if i.template is not None else "",
    }


# ------------------------------------------------------------------ entry point


def open_workbook(data: bytes, plan: SetupPlan) -> Any:
    """The workbook, or None with the reason on `plan`."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        plan.problems.append(
            CellError(
                "-",
                0,
                "",
                "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้",
                f"This is not a readable .xlsx workbook ({type(exc).__name__})",
            )
        )
        return None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        plan.problems.append(
            CellError(
                "-",
                0,
                "",
                "ไฟล์ Excel เสียหาย อ่านไม่ได้",
                f"The workbook is damaged and cannot be read ({type(exc).__name__})",
            )
        )
        return None
    if W.META_SHEET in book.sheetnames:
        meta = {
            str(r[0]): r[1] for r in book[W.META_SHEET].iter_rows(max_col=2, values_only=True) if r and r[0]
        }
        if meta.get("format") != W.FORMAT_ID:
            plan.problems.append(
                CellError(
                    W.META_SHEET,
                    0,
                    "",
                    "ไฟล์นี้ไม่ใช่สมุดงานตั้งค่าระบบ (อาจเป็นแบบฟอร์มรายงานผลรายไตรมาส)",
                    "This is not a setup workbook (a quarter template, perhaps?)",
                )
            )
            return None
    if not any(sheet.title in book.sheetnames for sheet in W.SHEETS):
        plan.problems.append(
            CellError(
                "-",
                0,
                "",
                "ไม่พบแผ่นงานของสมุดงานตั้งค่าระบบ ใช้ไฟล์จาก citykpi export-setup",
                "None of the setup workbook's sheets is there; start from a file citykpi export-setup wrote",
            )
        )
        return None
    return book


def read_plan(data: bytes) -> SetupPlan:
    """The plan of a setup workbook: what it would create, change and leave; its problems."""
    plan = SetupPlan(digest=hashlib.sha256(data).hexdigest())
    book = open_workbook(data, plan)
    if book is None:
        return plan
    Planner(plan, book).run()
    order = {sheet.key: index for index, sheet in enumerate(W.SHEETS)}
    plan.rows.sort(key=lambda r: (order[r.sheet], r.row))
    plan.problems.sort(
        key=lambda p: (next((i for i, s in enumerate(W.SHEETS) if s.title == p.sheet), -1), p.row, p.column)
    )
    return plan
