"""Exports never carry formulas: text from users that begins with =, +, -, @, a tab or a
carriage return is written as inert text in every xlsx and CSV export (finder, the
evaluator's year export and queue, the quarter template), and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from citykpi.conftest import PASSWORD
from citykpi.exchange.xlsx import COL, DATA_SHEET, FIRST_ROW, import_workbook, template_bytes
from citykpi.indicators.models import FiscalYear, Unit
from citykpi.lib import fiscal
from citykpi.lib.spreadsheet import (
    DANGEROUS_FIRST,
    append_row,
    inert_text,
    is_dangerous,
    set_cell,
    strip_guard,
)
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR, QUARTER = fiscal.fiscal_year_of(TODAY), fiscal.quarter_of(TODAY)

HYPERLINK = '=HYPERLINK("http://evil","x")'
HOSTILE = [HYPERLINK, "+1+1", "@SUM(A1)", "-2+3", "\t=1", "\r=1"]


@pytest.fixture
def hostile(agency_a, make_indicator):
    agency_a.name_th = HYPERLINK
    agency_a.name_en = "+1+1"
    agency_a.save()
    year = FiscalYear.objects.create(year=YEAR)
    unit = Unit.objects.create(name_th="@SUM(A1)", kind=Unit.Kind.CUSTOM)
    kpi = make_indicator(
        agency_a,
        code="0409-0950",
        name="-2+3",
        list_label="\t=1",
        fiscal_year=year,
        unit=unit,
        target=Decimal("-5"),
    )
    QuarterReport.objects.create(
        indicator=kpi,
        quarter=QUARTER,
        status=QuarterReport.Status.DRAFT,
        planned_target=Decimal("-2.5"),
        narrative=HYPERLINK,
    )
    return kpi


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def assert_inert_workbook(content: bytes) -> list:
    """No formula anywhere, in openpyxl's reading and in the raw sheet XML; the cells' values."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} = {cell.value!r}"
                if is_dangerous(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                values.append(cell.value)
    return values


def assert_inert_csv(content: bytes) -> list[list[str]]:
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    for row in table:
        for field in row:
            assert not is_dangerous(field), field
    return table


# ------------------------------------------------------------------------------ the helper


def test_inert_text_guards_dangerous_text_and_leaves_numbers_alone():
    for text in HOSTILE:
        assert inert_text(text) == "'" + text
        assert strip_guard(inert_text(text)) == text
    for value in (-5, -2.5, Decimal("-1.25"), "-5", "+1.5", "-1e3", None, "ok", "", "'quoted"):
        assert inert_text(value) == value
    assert strip_guard("'plain") == "'plain"
    assert set(DANGEROUS_FIRST) == {"=", "+", "-", "@", "\t", "\r"}


def test_openpyxl_cells_keep_the_text_and_never_become_formulas():
    book = Workbook()
    sheet = book.active
    append_row(sheet, [*HOSTILE, -5, None, "ok"])
    set_cell(sheet, 2, 1, "=1+1")
    buffer = io.BytesIO()
    book.save(buffer)
    values = assert_inert_workbook(buffer.getvalue())
    # XML keeps a carriage return as a line feed; either way the cell is text.
    assert [*(t.replace("\r", "\n") for t in HOSTILE), -5] == values[: len(HOSTILE) + 1]
    assert "=1+1" in values
    reloaded = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert reloaded.cell(row=1, column=len(HOSTILE) + 1).data_type == "n"


# ------------------------------------------------------------------------------ the exports


def test_the_finder_exports_are_inert(client, hostile):
    response = client.get("/", {"export": "xlsx"})
    assert response.status_code == 200
    values = assert_inert_workbook(response.content)
    for text in (HYPERLINK, "@SUM(A1)", "-2+3", "\t=1"):
        assert text in values
    assert -5 in values  # the negative target stays a number

    response = client.get("/", {"export": "csv"})
    assert response.status_code == 200
    table = assert_inert_csv(response.content)
    fields = [f for row in table for f in row]
    for text in (HYPERLINK, "@SUM(A1)", "-2+3", "\t=1"):
        assert "'" + text in fields
    assert "-5" in fields


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_year_export_is_inert(client, evaluator, hostile, fmt):
    response = login(client, evaluator).get("/exchange/export/", {"year": YEAR, "fmt": fmt})
    assert response.status_code == 200
    if fmt == "xlsx":
        values = assert_inert_workbook(response.content)
        assert HYPERLINK in values and "-2+3" in values and -5 in values and -2.5 in values
    else:
        fields = [f for row in assert_inert_csv(response.content) for f in row]
        assert "'" + HYPERLINK in fields and "-2.5" in fields


def test_the_queue_export_is_inert(client, evaluator, hostile):
    QuarterReport.objects.filter(indicator=hostile).update(status=QuarterReport.Status.SUBMITTED)
    response = login(client, evaluator).get(reverse("workspace:queue"), {"export": "xlsx"})
    assert response.status_code == 200
    values = assert_inert_workbook(response.content)
    assert HYPERLINK in values and "-2+3" in values


def test_the_quarter_template_is_inert_and_round_trips(agency_a, reporter_a, hostile):
    content = template_bytes(agency_a, YEAR, QUARTER)
    values = assert_inert_workbook(content)
    # The name column shows the list label and the name ("\t=1" + "-2+3", stripped).
    assert HYPERLINK in values and "=1 -2+3" in values and "@SUM(A1)" in values
    sheet = load_workbook(io.BytesIO(content))[DATA_SHEET]
    assert sheet.cell(row=FIRST_ROW, column=COL["narrative"]).value == HYPERLINK

    # Imported back untouched: the text narrative is not taken for a formula, nothing changes.
    untouched = import_workbook(SimpleUploadedFile("q.xlsx", content), user=reporter_a, commit=False)
    assert untouched.ok, [str(e) for e in untouched.errors]
    assert untouched.changes == []

    # A new narrative that begins with "=" typed as text round-trips exactly.
    book = load_workbook(io.BytesIO(content))
    set_cell(book[DATA_SHEET], FIRST_ROW, COL["narrative"], "+1+1 แล้ว")
    buffer = io.BytesIO()
    book.save(buffer)
    changed = import_workbook(SimpleUploadedFile("q.xlsx", buffer.getvalue()), user=reporter_a, commit=False)
    assert changed.ok, [str(e) for e in changed.errors]
    assert [(c.field, c.after) for c in changed.changes] == [("narrative", "+1+1 แล้ว")]


def test_a_real_formula_in_the_template_is_still_refused(agency_a, reporter_a, hostile):
    book = load_workbook(io.BytesIO(template_bytes(agency_a, YEAR, QUARTER)))
    book[DATA_SHEET].cell(row=FIRST_ROW, column=COL["narrative"]).value = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_workbook(SimpleUploadedFile("q.xlsx", buffer.getvalue()), user=reporter_a, commit=False)
    assert not result.ok and "formula" in str(result.errors[0])
