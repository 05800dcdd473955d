"""The setup workbook's dry run: a workbook with one mistake of each kind names each cell
(sheet, row, column, Thai first with English) and writes nothing, not even on --commit;
a clean edit changes exactly the cells it touched."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.audit.models import AuditEvent
from citykpi.exchange.setup import workbook as W
from citykpi.exchange.setup.apply import import_setup
from citykpi.exchange.setup.export import workbook_bytes
from citykpi.exchange.setup.parse import CREATE, UPDATE, read_plan
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import PermissionDenied
from citykpi.strategy.models import StrategyNode, StrategyPlan


@pytest.fixture
def city(db, agency_a, agency_b, fiscal_year, unit_percent, make_indicator, evaluator, reporter_a):
    """Four agencies, a small plan, three KPIs whose weights sum to 100 per agency."""
    Agency.objects.create(code="0100", name_th="สำนักปลัดกรุงเทพมหานคร", kind=Agency.Kind.OFFICE)
    Agency.objects.create(code="0200", name_th="สำนักงานเลขานุการผู้ว่าราชการ", kind=Agency.Kind.OFFICE)
    plan = StrategyPlan.objects.create(code="bma-20y", name_th="แผน 20 ปี", is_primary=True)
    area = StrategyNode.objects.create(plan=plan, path="7", title="การบริหารจัดการเมืองมหานคร")
    node = StrategyNode.objects.create(plan=plan, parent=area, path="7.3", title="การบริหารทรัพยากรบุคคล")
    first = make_indicator(agency_a, code="0409-0950", weight=Decimal("60"))
    first.strategy_nodes.set([node])
    make_indicator(agency_a, code="0409-0951", weight=Decimal("40"))
    make_indicator(agency_b, code="5047-0001", weight=Decimal("100"))
    return fiscal_year


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(book, sheet: W.Sheet, key_column: str, value: str) -> int:
    ws = book[sheet.title]
    column = sheet.index(key_column)
    for row in range(W.FIRST_ROW, ws.max_row + 1):
        if str(ws.cell(row=row, column=column).value) == value:
            return row
    raise AssertionError(f"{value} not on {sheet.title}")


def put(book, sheet: W.Sheet, row: int, column: str, value) -> None:
    # ws.cell(..., value=None) would leave the cell as it was.
    book[sheet.title].cell(row=row, column=sheet.index(column)).value = value


def counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "nodes": StrategyNode.objects.count(),
        "kpis": Indicator.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def where(plan) -> set[tuple[str, int, str]]:
    """(sheet, row, column letter) of every problem."""
    return {(p.sheet, p.row, p.column.split(" ", 1)[0]) for p in plan.problems}


@pytest.mark.django_db
def test_a_workbook_with_one_mistake_of_each_kind_names_each_cell_and_writes_nothing(city):
    book = _book(workbook_bytes(2566))
    A, K, S = W.AGENCIES, W.KPIS, W.STRATEGY
    # An unknown parent.
    b_row = row_of(book, A, "code", "5047")
    put(book, A, b_row, "parent", "9999")
    # A cycle in the agency tree: 0100 under 0200 under 0100.
    c_row, d_row = row_of(book, A, "code", "0100"), row_of(book, A, "code", "0200")
    put(book, A, c_row, "parent", "0200")
    put(book, A, d_row, "parent", "0100")
    # A duplicate code: a new row repeating 0409-0950.
    kpis = book[K.title]
    duplicate_row = kpis.max_row + 1
    for column in range(1, len(K.columns) + 1):
        kpis.cell(row=duplicate_row, column=column, value=kpis.cell(row=W.FIRST_ROW, column=column).value)
    # The unit missing.
    unit_row = row_of(book, K, "code", "5047-0001")
    put(book, K, unit_row, "unit", None)
    # Weights that do not sum to 100 (60 + 30).
    weight_row = row_of(book, K, "code", "0409-0951")
    put(book, K, weight_row, "weight", 30)
    # A path in Thai digits.
    path_row = row_of(book, S, "path", "7.3")
    put(book, S, path_row, "path", "๗.๓")
    data = _bytes(book)
    before = counts()

    plan = import_setup(data, actor=None, commit=False)

    found = where(plan)
    first_kpi_row = row_of(book, K, "code", "0409-0950")
    assert (A.title, b_row, A.letter("parent")) in found
    assert (A.title, c_row, A.letter("parent")) in found
    assert (K.title, duplicate_row, K.letter("code")) in found
    assert (K.title, unit_row, K.letter("unit")) in found
    assert (K.title, first_kpi_row, K.letter("weight")) in found
    assert (S.title, path_row, S.letter("path")) in found
    messages = {(p.sheet, p.row): p for p in plan.problems}
    assert "9999" in messages[(A.title, b_row)].message_th
    assert "cycle" in messages[(A.title, c_row)].message_en
    assert "0200" in messages[(A.title, c_row)].message_th
    assert f"row {W.FIRST_ROW}" in messages[(K.title, duplicate_row)].message_en
    assert "หน่วยนับ" in messages[(K.title, unit_row)].message_th
    assert "Unit" in messages[(K.title, unit_row)].message_en
    assert "90" in messages[(K.title, first_kpi_row)].message_en
    assert "7.3" in messages[(S.title, path_row)].message_th  # says what to write instead
    # Every problem names its cell: the column letter and both headers.
    for problem in plan.problems:
        assert problem.row >= W.FIRST_ROW and " (" in problem.column and " / " in problem.column
        assert problem.message_th and problem.message_en
    assert not plan.ok and counts() == before

    # A commit of the same file is refused as a whole: nothing is written.
    committed = import_setup(data, actor=None, commit=True)
    assert not committed.committed and len(committed.problems) == len(plan.problems)
    assert counts() == before


@pytest.mark.django_db
def test_an_edited_cell_is_the_only_change_and_the_commit_writes_it_with_its_audit_row(city):
    book = _book(workbook_bytes(2566))
    row = row_of(book, W.KPIS, "code", "0409-0950")
    put(book, W.KPIS, row, "target", "๙๐")  # Thai digits
    put(book, W.KPIS, row, "plan_q2", "๔๕")
    person_row = book[W.PEOPLE.title].max_row + 1
    for key, value in (
        ("username", "reporter-new"),
        ("first_name", "สมหญิง"),
        ("role", "ผู้รายงานผล / Reporter"),
        ("agency", "๐๔๐๙"),
    ):
        put(book, W.PEOPLE, person_row, key, value)
    data = _bytes(book)

    plan = read_plan(data)
    assert plan.ok, plan.problems
    changed = {(r.sheet, r.key): r for r in plan.changed}
    assert set(changed) == {("kpis", "0409-0950"), ("people", "reporter-new reporter 0409")}
    kpi = changed[("kpis", "0409-0950")]
    assert kpi.action == UPDATE
    assert {(c.field, c.before, c.after) for c in kpi.changes} == {
        ("target", "80", "90"),
        ("plan_q2", None, "45"),
    }
    assert kpi.changes[0].column.startswith(W.KPIS.letter("target") + " (ค่าเป้าหมาย / Target)")
    assert changed[("people", "reporter-new reporter 0409")].action == CREATE

    result = import_setup(data, actor=None, commit=True)
    assert result.committed and result.written == 2
    indicator = Indicator.objects.get(code="0409-0950")
    assert indicator.target == Decimal("90")
    assert indicator.quarters.get(quarter=2).planned_target == Decimal("45")
    event = AuditEvent.objects.get(action="kpi.update_from_setup")
    assert (
        event.indicator_code == "0409-0950"
        and event.before["target"] == "80"
        and event.after["target"] == "90"
    )
    user = get_user_model().objects.get(username="reporter-new")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, role=Role.REPORTER, agency__code="0409").exists()
    assert AuditEvent.objects.filter(action="role.grant").count() == 1
    assert not import_setup(data, actor=None, commit=True).changed


@pytest.mark.django_db
def test_only_an_administrator_imports_a_setup_workbook(city, evaluator, administrator):
    data = workbook_bytes(2566)
    with pytest.raises(PermissionDenied):
        import_setup(data, actor=evaluator, commit=False)
    assert import_setup(data, actor=administrator, commit=False).ok


@pytest.mark.django_db
def test_a_file_that_is_not_a_setup_workbook_is_one_problem(city):
    plan = read_plan(b"not a workbook")
    assert [p.message_en.split(" (")[0] for p in plan.problems] == ["This is not a readable .xlsx workbook"]
    from citykpi.exchange.xlsx import template_bytes

    quarter_template = template_bytes(Agency.objects.get(code="0409"), 2566, 1)
    assert "not a setup workbook" in read_plan(quarter_template).problems[0].message_en


@pytest.mark.django_db
def test_codes_typed_as_numbers_or_in_thai_digits_read_as_the_same_codes(city):
    book = _book(workbook_bytes(2566))
    row = row_of(book, W.KPIS, "code", "0409-0950")
    put(book, W.KPIS, row, "agency", 409)  # Excel drops the leading zero of a number cell
    put(book, W.KPIS, row, "code", "๐๔๐๙-๐๙๕๐")
    put(book, W.KPIS, row, "weight", "๖๐")
    plan = read_plan(_bytes(book))
    assert plan.ok, plan.problems
    assert not plan.changed
