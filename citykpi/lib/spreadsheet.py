"""Keeping exported text inert in spreadsheets (CSV / formula injection).

A spreadsheet program treats a cell that begins with `=`, `+`, `-` or `@` (and, in some
programs, a tab or a carriage return before one of those) as a formula: a KPI or agency
name such as `=HYPERLINK("http://evil","x")` in an export would run when the file is
opened. Every export writes text through these helpers:

- `inert_text(value)` for CSV: text that begins with one of those characters gets a
  leading single quote (the OWASP recommendation); a plain number written as text
  ("-5", "+1.25") is left alone, and so are numbers and everything that is not a str.
- `guard_cell(cell)` for openpyxl: such text is stored as a string cell (never a
  formula, so no `<f>` element in the sheet XML) with Excel's "quote prefix" style, the
  same as typing a leading apostrophe: the exact text is kept and shown, and it stays
  text when the cell is edited. The xlsx value therefore round-trips unchanged.
- `strip_guard(text)` undoes `inert_text` for an importer reading text back.

`CellError` is what the importers report about a cell they cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_dangerous(value: Any) -> bool:
    """True for text a spreadsheet could read as a formula (not for numbers, nor for a
    number written as text such as "-5")."""
    return isinstance(value, str) and value.startswith(DANGEROUS_FIRST) and not _NUMBER.fullmatch(value)


def inert_text(value: Any) -> Any:
    """`value` made safe for a CSV field: dangerous text gets a leading `'`; anything
    else (numbers, None, harmless text) is returned unchanged."""
    if is_dangerous(value):
        return GUARD + value
    return value


def strip_guard(value: Any) -> Any:
    """The inverse of `inert_text` for text read back from an export."""
    if isinstance(value, str) and value.startswith(GUARD) and is_dangerous(value[1:]):
        return value[1:]
    return value


def guard_cell(cell: Any) -> None:
    """Make an openpyxl cell holding dangerous text a plain string cell (never a
    formula), keeping its exact text."""
    value = cell.value
    if is_dangerous(value) or (isinstance(value, str) and cell.data_type == "f"):
        cell.data_type = "s"
        cell.quotePrefix = True


def set_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """`sheet.cell(row, column, value)` that never turns text into a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    guard_cell(cell)
    return cell


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """`sheet.append(values)` that never turns text into a formula."""
    values = list(values)
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            guard_cell(sheet.cell(row=row, column=column))


def set_to_print(sheet: Any, *, header_rows: int = 1) -> None:
    """Print setup an office can file: A4 landscape, every column on one page's width (as
    many pages down as the rows need), the header rows repeated at the top of each page,
    centred, with the sheet's name and the page number in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # 0: as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{header_rows}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&A · &P / &N"


@dataclass
class CellError:
    """A cell (or a sheet, row 0) of an uploaded workbook that cannot be read: the results
    template (exchange.xlsx) and the setup workbook (exchange.setup) alike."""

    sheet: str
    row: int
    column: str  # "F (ผลงานสะสม / Result)"
    message_th: str
    message_en: str
    code: str = ""  # the row's KPI code, or the key of a setup row (an agency's code, a username)

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}"

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.column} แถว/row {self.row}" if self.row else self.sheet
        return f"{where}: {self.message}"
