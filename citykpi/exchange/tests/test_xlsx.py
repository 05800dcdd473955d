"""The quarter template and the import of a filled workbook: round trip, cell-by-cell
dry run, every error named with sheet/row/column, atomic commit, fuzzed workbooks."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from citykpi.exchange.xlsx import COL, DATA_SHEET, FIRST_ROW, META_SHEET, import_workbook, template_bytes
from citykpi.indicators.models import FiscalYear
from citykpi.lib import fiscal
from citykpi.reporting.models import QuarterReport

TODAY = timezone.localdate()
YEAR, QUARTER = fiscal.fiscal_year_of(TODAY), fiscal.quarter_of(TODAY)


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def current_year(db):
    return FiscalYear.objects.create(year=YEAR)


@pytest.fixture
def kpis(make_indicator, agency_a, agency_b, current_year, unit_level):
    a1 = make_indicator(agency_a, code="0409-0950", fiscal_year=current_year, unit=unit_level, target=5)
    from citykpi.indicators.models import Unit

    people = Unit.objects.create(name_th="คน", name_en="persons", kind=Unit.Kind.COUNT)
    a2 = make_indicator(agency_a, code="0409-0951", fiscal_year=current_year, unit=people, target=2000)
    b1 = make_indicator(agency_b, code="5047-0001", fiscal_year=current_year)
    QuarterReport.objects.create(
        indicator=a2, quarter=QUARTER, result=Decimal("12.5"), narrative="เดิม", status="draft"
    )
    return a1, a2, b1


def workbook(agency) -> load_workbook:
    return load_workbook(io.BytesIO(template_bytes(agency, YEAR, QUARTER)))


def to_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(book, code: str) -> int:
    sheet = book[DATA_SHEET]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(row=row, column=COL["code"]).value == code:
            return row
    raise AssertionError(code)


def test_the_template_locks_key_columns_opens_inputs_and_hides_the_meta_sheet(kpis, agency_a):
    book = workbook(agency_a)
    sheet = book[DATA_SHEET]
    assert sheet.cell(row=1, column=COL["result"]).value == "ผลงานสะสม"
    assert sheet.cell(row=2, column=COL["result"]).value == "Result (cumulative)"
    assert [sheet.cell(row=r, column=1).value for r in (3, 4)] == ["0409-0950", "0409-0951"]
    assert sheet.protection.sheet
    assert sheet.cell(row=3, column=COL["code"]).protection.locked
    assert sheet.cell(row=3, column=COL["target"]).protection.locked
    assert not sheet.cell(row=3, column=COL["result"]).protection.locked
    assert not sheet.cell(row=3, column=COL["narrative"]).protection.locked
    assert sheet.cell(row=3, column=COL["scale"]).value == "ระดับ (0–5)"
    assert sheet.cell(row=4, column=COL["result"]).value == 12.5
    dropdowns = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert dropdowns and dropdowns[0].formula1 == '"0,1,2,3,4,5"' and "F3" in str(dropdowns[0].sqref)
    meta = book[META_SHEET]
    assert meta.sheet_state == "hidden"
    assert [[c.value for c in row] for row in meta.iter_rows(min_row=2, max_row=4, max_col=2)] == [
        ["agency", "0409"],
        ["fiscal_year", YEAR],
        ["quarter", QUARTER],
    ]


def test_export_then_import_with_no_edits_changes_nothing(kpis, agency_a, reporter_a):
    before = counts()
    result = import_workbook(template_bytes(agency_a, YEAR, QUARTER), user=reporter_a, commit=True)
    assert result.ok and result.changes == [] and result.rows == 2
    assert counts() == before


def test_a_filled_template_is_previewed_cell_by_cell_then_committed(kpis, agency_a, reporter_a):
    book = workbook(agency_a)
    sheet = book[DATA_SHEET]
    sheet.cell(row=row_of(book, "0409-0950"), column=COL["result"], value="๓")
    sheet.cell(row=row_of(book, "0409-0951"), column=COL["result"], value="1,407.52")
    sheet.cell(row=row_of(book, "0409-0951"), column=COL["narrative"], value="ใหม่")
    data = to_bytes(book)
    before = counts()
    preview = import_workbook(data, user=reporter_a, commit=False)
    assert preview.ok and not preview.committed and counts() == before
    assert [(c.code, c.field, c.before, c.after) for c in preview.changes] == [
        ("0409-0950", "result", None, "3"),
        ("0409-0951", "result", "12.5", "1,407.52"),
        ("0409-0951", "narrative", "เดิม", "ใหม่"),
    ]
    assert preview.changes[0].column.startswith("F (ผลงานสะสม") and preview.changes[0].row == 3
    result = import_workbook(data, user=reporter_a, commit=True)
    assert result.committed and result.saved_rows == 2
    first = QuarterReport.objects.get(indicator__code="0409-0950", quarter=QUARTER)
    second = QuarterReport.objects.get(indicator__code="0409-0951", quarter=QUARTER)
    assert (first.result, first.status) == (Decimal("3"), "draft")
    assert (second.result, second.narrative, second.version) == (Decimal("1407.52"), "ใหม่", 2)
    from citykpi.audit.models import AuditEvent

    assert AuditEvent.objects.filter(source="xlsx", action="report.save").count() == 2
    # The same file again is stale now: the versions moved on.
    again = import_workbook(data, user=reporter_a, commit=False)
    assert again.ok and again.changes == []


def _error_case(book, case: str):
    sheet = book[DATA_SHEET]
    row = row_of(book, "0409-0951")
    if case == "wrong type":
        sheet.cell(row=row, column=COL["result"], value="สิบสอง")
        return "not a number", row, "F"
    if case == "unknown code":
        sheet.cell(row=row, column=COL["code"], value="0409-9999")
        sheet.cell(row=row, column=COL["result"], value=1)
        return "Unknown KPI code", row, "A"
    if case == "another agency's KPI":
        sheet.cell(row=row, column=COL["code"], value="5047-0001")
        sheet.cell(row=row, column=COL["result"], value=1)
        return "another agency", row, "A"
    if case == "a formula":
        sheet.cell(row=row, column=COL["result"], value="=1+2")
        return "formula", row, "F"
    if case == "a missing sheet":
        del book[META_SHEET]
        return "missing", 0, ""
    if case == "a stale version":
        QuarterReport.objects.filter(indicator__code="0409-0951").update(version=5)
        sheet.cell(row=row, column=COL["result"], value=1)
        return "download a new one", row, "F"
    if case == "over the level scale":
        sheet.cell(row=row_of(book, "0409-0950"), column=COL["result"], value=100)
        return "may not exceed", row_of(book, "0409-0950"), "F"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "wrong type",
        "unknown code",
        "another agency's KPI",
        "a formula",
        "a missing sheet",
        "a stale version",
        "over the level scale",
    ],
)
def test_each_bad_workbook_gets_its_message_and_nothing_is_written(kpis, agency_a, reporter_a, case):
    book = workbook(agency_a)
    # A good change beside the bad one: it must not be saved either.
    sheet = book[DATA_SHEET]
    if case != "over the level scale":
        sheet.cell(row=row_of(book, "0409-0950"), column=COL["result"], value=2)
    expected, row, column = _error_case(book, case)
    before = counts()
    result = import_workbook(to_bytes(book), user=reporter_a, commit=True)
    assert not result.committed and counts() == before
    assert any(expected in e.message_en for e in result.errors), [str(e) for e in result.errors]
    error = next(e for e in result.errors if expected in e.message_en)
    assert error.message_th and error.row == row and error.column.startswith(column)
    assert error.sheet in (DATA_SHEET, META_SHEET)


def test_a_reporter_cannot_change_another_agencys_kpi_through_its_own_template(kpis, agency_b, reporter_a):
    book = workbook(agency_b)
    book[DATA_SHEET].cell(row=FIRST_ROW, column=COL["result"], value=50)
    result = import_workbook(to_bytes(book), user=reporter_a, commit=True)
    assert not result.committed and "another agency" in result.errors[0].message_en
    assert not QuarterReport.objects.filter(indicator__code="5047-0001").exists()


def test_a_file_that_is_not_a_workbook_is_refused_politely(kpis, reporter_a):
    result = import_workbook(b"PK\x03\x04 not really", user=reporter_a, commit=True)
    assert not result.ok and result.errors[0].message_th
    assert "xlsx" in result.errors[0].message_en or "damaged" in result.errors[0].message_en


def test_the_import_xlsx_command_dry_runs_then_commits(kpis, agency_a, reporter_a, tmp_path):
    book = workbook(agency_a)
    book[DATA_SHEET].cell(row=row_of(book, "0409-0950"), column=COL["result"], value=4)
    path = tmp_path / "q.xlsx"
    path.write_bytes(to_bytes(book))
    out = io.StringIO()
    call_command("import-xlsx", str(path), "--user", "reporter-a", stdout=out)
    assert "dry run: 1 cell(s) would change" in out.getvalue()
    assert not QuarterReport.objects.filter(indicator__code="0409-0950").exists()
    call_command("import-xlsx", str(path), "--user", "reporter-a", "--commit", stdout=out)
    assert QuarterReport.objects.get(indicator__code="0409-0950").result == 4


def test_the_import_xlsx_command_fails_with_the_errors(kpis, agency_a, reporter_b, tmp_path):
    book = workbook(agency_a)
    book[DATA_SHEET].cell(row=FIRST_ROW, column=COL["result"], value=4)
    path = tmp_path / "q.xlsx"
    path.write_bytes(to_bytes(book))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import-xlsx", str(path), "--user", "reporter-b", "--commit", stderr=err)
    assert "another agency" in err.getvalue()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_workbooks_never_raise_and_never_write_a_part(kpis, agency_a, reporter_a, data):
    book = workbook(agency_a)
    sheet = book[DATA_SHEET]
    values = st.one_of(
        st.none(),
        st.integers(-10, 10**6),
        st.floats(allow_nan=True),
        st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
        st.sampled_from(["=A1", "๑๒", "1,407.52", "100.0000", "0409-0950", ""]),
    )
    for _ in range(data.draw(st.integers(0, 6))):
        row = data.draw(st.integers(1, 8))
        column = data.draw(st.integers(1, len(COL)))
        sheet.cell(row=row, column=column, value=data.draw(values))
    raw = bytearray(to_bytes(book))
    if data.draw(st.booleans()):
        for _ in range(data.draw(st.integers(1, 5))):
            # The workbook's length varies with what it holds (timestamps in its metadata),
            # so the draw's range must not: a position reduced modulo the length.
            raw[data.draw(st.integers(0, 2**20)) % len(raw)] = data.draw(st.integers(0, 255))
    before = counts()
    result = import_workbook(bytes(raw), user=reporter_a, commit=True)
    if not result.committed:
        assert counts() == before
    else:
        assert result.ok
