"""Rename, split, merge and move: each keeps the history before and shows the change after
(citykpi.agencies.actions and citykpi.agencies.history)."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies import actions, history
from citykpi.agencies.models import Agency, AgencyChange
from citykpi.audit.models import AuditEvent
from citykpi.dashboards.data import agency_rollups
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, PermissionDenied
from citykpi.quality.models import KpiStanding

# FY 2568 starts on 1 October 2024: a change effective that day moves the KPIs of 2568 on.
EFFECTIVE = dt.date(2024, 10, 1)


@pytest.fixture
def years(db) -> dict[int, FiscalYear]:
    return {year: FiscalYear.objects.get_or_create(year=year)[0] for year in (2567, 2568)}


@pytest.fixture
def city(db) -> Agency:
    return Agency.objects.create(code="0100", name_th="สำนักปลัดกรุงเทพมหานคร")


@pytest.fixture
def other_parent(db) -> Agency:
    return Agency.objects.create(code="0200", name_th="สำนักยุทธศาสตร์และประเมินผล")


@pytest.fixture
def agency(city) -> Agency:
    return Agency.objects.create(
        code="0409", name_th="สถาบันพัฒนาข้าราชการ", name_en="Training Institute", parent=city
    )


def kpi(agency: Agency, year: FiscalYear, serial: int) -> Indicator:
    return Indicator.objects.create(
        code=f"{agency.code}-{serial}", agency=agency, fiscal_year=year, name=f"KPI {serial}"
    )


def test_a_rename_keeps_the_code_and_the_kpis_and_shows_the_old_name_in_old_years(evaluator, agency, years):
    old = kpi(agency, years[2567], 101)
    change = actions.rename_agency(
        evaluator,
        agency,
        effective=EFFECTIVE,
        name_th="สถาบันพัฒนาบุคลากร",
        name_en="Staff Development Institute",
    )
    agency.refresh_from_db()
    assert (agency.code, agency.name_th) == ("0409", "สถาบันพัฒนาบุคลากร")
    assert Indicator.objects.get(pk=old.pk).agency_id == agency.pk
    then = history.agency_as_of(agency, 2567)
    assert (then.name_th, then.name_en, then.renamed) == ("สถาบันพัฒนาข้าราชการ", "Training Institute", True)
    assert history.agency_as_of(agency, 2568).name_th == "สถาบันพัฒนาบุคลากร"
    assert change.kind == AgencyChange.Kind.RENAME and change.effective == EFFECTIVE
    assert AuditEvent.objects.filter(action="agency.rename", object_id=str(agency.pk)).exists()


def test_a_second_rename_keeps_both_former_names_with_their_days(evaluator, agency, years):
    actions.rename_agency(evaluator, agency, effective=EFFECTIVE, name_th="ชื่อที่สอง")
    actions.rename_agency(evaluator, agency, effective=dt.date(2025, 10, 1), name_th="ชื่อที่สาม")
    agency.refresh_from_db()
    assert history.agency_as_of(agency, dt.date(2024, 9, 30)).name_th == "สถาบันพัฒนาข้าราชการ"
    assert history.agency_as_of(agency, dt.date(2025, 1, 1)).name_th == "ชื่อที่สอง"
    assert history.agency_as_of(agency, dt.date(2026, 1, 1)).name_th == "ชื่อที่สาม"


def test_a_move_changes_the_parent_from_its_day_and_old_years_keep_the_old_tree(
    evaluator, agency, city, other_parent, years
):
    kept = kpi(agency, years[2567], 101)
    actions.move_agency(evaluator, agency, parent=other_parent, effective=EFFECTIVE)
    agency.refresh_from_db()
    assert agency.parent_id == other_parent.pk
    assert history.tree_as_of(2567)[agency.pk] == city.pk
    assert history.tree_as_of(2568)[agency.pk] == other_parent.pk
    assert history.agency_as_of(agency, 2567).parent_id == city.pk
    assert history.children_as_of(history.tree_as_of(2567), city.pk) == {agency.pk}
    assert Indicator.objects.get(pk=kept.pk).agency_id == agency.pk


def test_a_move_under_its_own_child_is_refused_and_changes_nothing(evaluator, agency, city):
    child = Agency.objects.create(code="0410", name_th="กองลูก", parent=agency)
    with pytest.raises(ActionError) as refused:
        actions.move_agency(evaluator, agency, parent=child, effective=EFFECTIVE)
    assert refused.value.field == "parent"
    agency.refresh_from_db()
    assert agency.parent_id == city.pk and not AgencyChange.objects.exists()


def test_a_split_ends_the_agency_and_moves_only_the_kpis_of_years_starting_after_the_date(
    evaluator, agency, years
):
    old = kpi(agency, years[2567], 101)
    first = kpi(agency, years[2568], 201)
    second = kpi(agency, years[2568], 202)
    KpiStanding.objects.create(indicator=second, fiscal_year=years[2568], agency=agency)
    change = actions.split_agency(
        evaluator,
        agency,
        successors=[actions.NewAgency("0411", "สถาบันฝึกอบรม"), actions.NewAgency("0412", "สถาบันพัฒนาผู้นำ")],
        effective=EFFECTIVE,
        kpi_successors={"0409-202": "0412"},
    )
    agency.refresh_from_db()
    assert agency.valid_to == dt.date(2024, 9, 30)
    assert agency not in Agency.objects.active()
    a, b = Agency.objects.get(code="0411"), Agency.objects.get(code="0412")
    assert a.valid_from == EFFECTIVE and a.parent_id == agency.parent_id
    assert Indicator.objects.get(pk=old.pk).agency_id == agency.pk  # history stays
    assert Indicator.objects.get(pk=first.pk).agency_id == a.pk  # the default: the first successor
    assert Indicator.objects.get(pk=second.pk).agency_id == b.pk  # as the mapping says
    assert KpiStanding.objects.get(pk=second.pk).agency_id == b.pk
    assert Indicator.objects.get(pk=second.pk).code == "0409-202"  # the code (the address) stays
    assert change.kpis_moved == 2
    assert AuditEvent.objects.filter(action="kpi.move_agency").count() == 2
    then = history.agency_as_of(agency, 2567)
    assert then.existed and [s.code for _, got in then.successors for s in got] == ["0411", "0412"]
    assert [p.code for _, came in history.agency_as_of(a, 2568).predecessors for p in came] == ["0409"]


def test_a_merge_into_a_new_agency_ends_both_and_moves_their_new_years_kpis(evaluator, agency, city, years):
    district = Agency.objects.create(code="5047", name_th="สำนักงานเขตบางบอน", parent=city)
    old = kpi(district, years[2567], 101)
    new_a = kpi(agency, years[2568], 201)
    new_b = kpi(district, years[2568], 202)
    change = actions.merge_agencies(
        evaluator, [agency, district], successor=actions.NewAgency("0420", "สำนักรวม"), effective=EFFECTIVE
    )
    merged = Agency.objects.get(code="0420")
    assert {a.valid_to for a in Agency.objects.filter(code__in=["0409", "5047"])} == {dt.date(2024, 9, 30)}
    assert Indicator.objects.get(pk=old.pk).agency_id == district.pk
    assert {Indicator.objects.get(pk=k.pk).agency_id for k in (new_a, new_b)} == {merged.pk}
    assert change.kpis_moved == 2 and set(change.predecessors.all()) == {agency, district}
    assert [s.code for _, got in history.agency_as_of(district, 2567).successors for s in got] == ["0420"]


def test_a_merge_that_absorbs_keeps_the_absorbing_agency_open(evaluator, agency, city, years):
    district = Agency.objects.create(code="5047", name_th="สำนักงานเขตบางบอน", parent=city)
    moved = kpi(district, years[2568], 202)
    actions.merge_agencies(evaluator, [agency, district], successor=agency, effective=EFFECTIVE)
    agency.refresh_from_db()
    district.refresh_from_db()
    assert agency.valid_to is None and district.valid_to == dt.date(2024, 9, 30)
    assert Indicator.objects.get(pk=moved.pk).agency_id == agency.pk


def test_sub_agencies_of_an_ended_agency_move_to_its_successor_and_old_years_keep_them(
    evaluator, agency, years
):
    child = Agency.objects.create(code="0413", name_th="กองลูก", parent=agency)
    actions.split_agency(
        evaluator,
        agency,
        successors=[actions.NewAgency("0411", "ก"), actions.NewAgency("0412", "ข")],
        effective=EFFECTIVE,
    )
    child.refresh_from_db()
    assert child.parent.code == "0411"
    assert history.tree_as_of(2567)[child.pk] == agency.pk


def test_the_plan_counts_what_would_move_without_changing_anything(agency, years):
    kpi(agency, years[2567], 101)
    kpi(agency, years[2568], 201)
    plan = actions.plan_kpi_moves(
        [agency], [actions.NewAgency("0411", "ก"), actions.NewAgency("0412", "ข")], EFFECTIVE
    )
    assert (len(plan.moving), plan.staying, plan.moving_by_year, plan.moving_by_successor) == (
        1,
        1,
        [(2568, 1)],
        [("0411", 1)],
    )
    assert Indicator.objects.filter(agency=agency).count() == 2


def test_a_reporter_may_not_reorganise(reporter_a, agency_a):
    with pytest.raises(PermissionDenied):
        actions.rename_agency(reporter_a, agency_a, effective=EFFECTIVE, name_th="ชื่อใหม่")
    agency_a.refresh_from_db()
    assert agency_a.name_th == "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"


def test_a_new_code_that_is_taken_is_refused_naming_the_field(evaluator, agency, city):
    with pytest.raises(ActionError) as refused:
        actions.split_agency(
            evaluator,
            agency,
            successors=[actions.NewAgency("0100", "ก"), actions.NewAgency("0412", "ข")],
            effective=EFFECTIVE,
        )
    assert refused.value.field == "code"
    agency.refresh_from_db()
    assert agency.valid_to is None and not Agency.objects.filter(code="0412").exists()


def test_an_ended_agency_cannot_change_again(evaluator, agency, years):
    actions.merge_agencies(
        evaluator,
        [agency, Agency.objects.get(code="0100")],
        successor=actions.NewAgency("0420", "ก"),
        effective=EFFECTIVE,
    )
    agency.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        actions.rename_agency(evaluator, agency, effective=dt.date(2025, 10, 1), name_th="x")
    assert refused.value.field == "effective"


def test_thai_digits_are_accepted_in_a_new_code(evaluator, agency):
    actions.split_agency(
        evaluator,
        agency,
        successors=[actions.NewAgency("๐๔๑๑", "ก"), actions.NewAgency("0412", "ข")],
        effective=EFFECTIVE,
    )
    assert Agency.objects.filter(code="0411", long_code="04110000").exists()


def test_the_roll_up_under_a_parent_uses_the_tree_of_that_year(evaluator, agency, city, other_parent, years):
    kpi(agency, years[2567], 101)
    kpi(agency, years[2568], 201)
    actions.move_agency(evaluator, agency, parent=other_parent, effective=EFFECTIVE)
    assert [r.code for r in agency_rollups(2567, public=False, parent_id=city.pk)] == ["0409"]
    assert [r.code for r in agency_rollups(2567, public=False, parent_id=other_parent.pk)] == []
    assert [r.code for r in agency_rollups(2568, public=False, parent_id=other_parent.pk)] == ["0409"]
    assert [r.code for r in agency_rollups(2568, public=False, parent_id=city.pk)] == []


def test_the_children_subquery_agrees_with_the_tree(evaluator, agency, city, other_parent, years):
    child = Agency.objects.create(code="0410", name_th="กองใหม่", parent=city)
    actions.move_agency(evaluator, agency, parent=other_parent, effective=EFFECTIVE)
    for year in (2567, 2568):
        for parent in (city, other_parent):
            expected = history.children_as_of(history.tree_as_of(year), parent.pk)
            assert set(history.children_query(parent.pk, year).values_list("pk", flat=True)) == expected
    assert set(history.children_query(city.pk, 2568).values_list("pk", flat=True)) == {child.pk}
