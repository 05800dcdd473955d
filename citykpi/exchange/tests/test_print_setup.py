"""Exported workbooks are set to print as an office files them: A4 landscape, every column
on the page's width, the header rows repeated on each page (read back with openpyxl)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from citykpi.exchange.export import build_workbook, year_queryset
from citykpi.exchange.setup.export import workbook_bytes as setup_workbook_bytes
from citykpi.exchange.xlsx import DATA_SHEET, template_bytes


def assert_set_to_print(sheet, header_rows: int) -> None:
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert str(setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)  # one page wide, as many tall
    assert sheet.print_title_rows == f"$1:${header_rows}"
    assert sheet.print_options.horizontalCentered is True


def _reread(workbook_or_bytes):
    if isinstance(workbook_or_bytes, bytes):
        return load_workbook(io.BytesIO(workbook_or_bytes))
    buffer = io.BytesIO()
    workbook_or_bytes.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def test_the_yearly_export_prints_landscape_fit_to_width_with_both_header_rows(agency_a, make_indicator):
    for _ in range(3):
        make_indicator(agency_a)
    book = _reread(build_workbook(year_queryset(2566)))
    assert_set_to_print(book.active, header_rows=2)


def test_the_quarter_template_prints_the_same_way(agency_a, make_indicator):
    make_indicator(agency_a)
    book = _reread(template_bytes(agency_a, 2566, 1))
    assert_set_to_print(book[DATA_SHEET], header_rows=2)


def test_every_sheet_of_the_setup_workbook_prints_the_same_way(agency_a, make_indicator):
    make_indicator(agency_a)
    book = _reread(setup_workbook_bytes(2566))
    data_sheets = [ws for ws in book.worksheets if ws.print_title_rows]
    assert len(data_sheets) >= 3
    for sheet in data_sheets:
        assert_set_to_print(sheet, header_rows=2)
