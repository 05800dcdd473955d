"""A split or merge moves the whole function of the years concerned: the KPIs, the
projects (with the KPIs they support), the fiscal-year setups (unless the successor has
one), and, when asked, the roles of the predecessors' staff (citykpi.agencies.actions)."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.accounts.models import Membership, Role
from citykpi.agencies import actions
from citykpi.agencies.models import Agency, AgencyChange
from citykpi.audit.models import AuditEvent
from citykpi.conftest import _user
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError, PermissionDenied
from citykpi.planning.models import Setup
from citykpi.projects.models import Project

# FY 2568 starts on 1 October 2024: a change effective that day moves what belongs to 2568 on.
EFFECTIVE = dt.date(2024, 10, 1)


@pytest.fixture
def years(db) -> dict[int, FiscalYear]:
    return {year: FiscalYear.objects.get_or_create(year=year)[0] for year in (2567, 2568, 2569)}


@pytest.fixture
def city(db) -> Agency:
    return Agency.objects.create(code="0100", name_th="สำนักปลัดกรุงเทพมหานคร")


@pytest.fixture
def agency(city) -> Agency:
    return Agency.objects.create(code="0409", name_th="สถาบันพัฒนาข้าราชการ", parent=city)


@pytest.fixture
def district(city) -> Agency:
    return Agency.objects.create(code="5047", name_th="สำนักงานเขตบางบอน", parent=city)


def kpi(agency: Agency, year: FiscalYear, serial: int) -> Indicator:
    return Indicator.objects.create(
        code=f"{agency.code}-{serial}", agency=agency, fiscal_year=year, name=f"KPI {serial}"
    )


def project(agency: Agency, year: FiscalYear, serial: int, *supports: Indicator) -> Project:
    row = Project.objects.create(
        code=f"{agency.long_code}-{serial}", name=f"โครงการ {serial}", agency=agency, fiscal_year=year
    )
    row.indicators.set(supports)
    return row


def new_pair() -> list[actions.Successor]:
    return [actions.NewAgency("0411", "สถาบันฝึกอบรม"), actions.NewAgency("0412", "สถาบันพัฒนาผู้นำ")]


def test_a_split_moves_the_projects_of_the_new_years_with_the_kpis_they_support(evaluator, agency, years):
    old = project(agency, years[2567], 1, kpi(agency, years[2567], 101))
    second = kpi(agency, years[2568], 202)
    follows = project(agency, years[2568], 2, second)
    unlinked = project(agency, years[2568], 3)
    mapped = project(agency, years[2568], 4)
    change = actions.split_agency(
        evaluator,
        agency,
        successors=new_pair(),
        effective=EFFECTIVE,
        kpi_successors={"0409-202": "0412", mapped.code: "0412"},
    )
    a, b = Agency.objects.get(code="0411"), Agency.objects.get(code="0412")
    assert Project.objects.get(pk=old.pk).agency_id == agency.pk  # history stays
    assert Project.objects.get(pk=follows.pk).agency_id == b.pk  # with the KPI it supports
    assert Project.objects.get(pk=unlinked.pk).agency_id == a.pk  # by default the first successor
    assert Project.objects.get(pk=mapped.pk).agency_id == b.pk  # as the mapping says
    assert Project.objects.get(pk=follows.pk).code == follows.code  # the code stays
    assert change.details["counts"]["projects_moved"] == 3
    moves = AuditEvent.objects.filter(action="project.move_agency")
    assert moves.count() == 3
    assert {e.after["agency"] for e in moves} == {"0411", "0412"}
    assert all(e.before == {"agency": "0409"} for e in moves)


def test_a_merge_moves_a_setup_when_the_successor_has_none_and_keeps_both_when_it_has(
    evaluator, agency, district, years
):
    moves = Setup.objects.create(agency=district, fiscal_year=years[2568], state=Setup.State.APPROVED)
    stays = Setup.objects.create(agency=district, fiscal_year=years[2569], state=Setup.State.DRAFT)
    own = Setup.objects.create(agency=agency, fiscal_year=years[2569], state=Setup.State.PROPOSED)
    history = Setup.objects.create(agency=district, fiscal_year=years[2567])
    kpi(district, years[2568], 201)
    plan = actions.plan_kpi_moves([agency, district], [agency], EFFECTIVE)
    assert [(m.setup.pk, m.target, m.moves) for m in plan.setups] == [
        (moves.pk, "0409", True),
        (stays.pk, "0409", False),
    ]
    assert plan.setups_staying[0].target_state == Setup.State.PROPOSED
    change = actions.merge_agencies(evaluator, [agency, district], successor=agency, effective=EFFECTIVE)
    moves.refresh_from_db()
    assert (moves.agency_id, moves.state, moves.version) == (agency.pk, Setup.State.APPROVED, 2)
    assert Setup.objects.get(pk=stays.pk).agency_id == district.pk  # the successor has its own
    assert Setup.objects.get(pk=own.pk).agency_id == agency.pk
    assert Setup.objects.get(pk=history.pk).agency_id == district.pk  # an earlier year: history
    assert change.details["setups"] == {"5047/2568": "0409"}
    assert change.details["setups_kept"] == {"5047/2569": "0409"}
    event = AuditEvent.objects.get(action="setup.move_agency")
    assert (event.object_id, event.before["agency"], event.after["agency"]) == (str(moves.pk), "5047", "0409")


def test_two_setups_of_one_year_merged_into_a_new_agency_the_first_moves_the_other_stays(
    evaluator, agency, district, years
):
    first = Setup.objects.create(agency=agency, fiscal_year=years[2568])
    second = Setup.objects.create(agency=district, fiscal_year=years[2568])
    actions.merge_agencies(
        evaluator, [agency, district], successor=actions.NewAgency("0420", "สำนักรวม"), effective=EFFECTIVE
    )
    merged = Agency.objects.get(code="0420")
    assert Setup.objects.get(pk=first.pk).agency_id == merged.pk
    assert Setup.objects.get(pk=second.pk).agency_id == district.pk
    assert Setup.objects.filter(agency=merged).count() == 1


def test_a_split_sends_the_setup_to_the_successor_that_gets_most_of_that_years_kpis(evaluator, agency, years):
    setup = Setup.objects.create(agency=agency, fiscal_year=years[2568])
    kpi(agency, years[2568], 201)
    kpi(agency, years[2568], 202)
    kpi(agency, years[2568], 203)
    actions.split_agency(
        evaluator,
        agency,
        successors=new_pair(),
        effective=EFFECTIVE,
        kpi_successors={"0409-202": "0412", "0409-203": "0412"},
    )
    assert Setup.objects.get(pk=setup.pk).agency.code == "0412"


def test_roles_are_not_given_unless_asked(evaluator, agency, years):
    _user("reporter-old", Role.REPORTER, agency)
    plan = actions.plan_kpi_moves([agency], new_pair(), EFFECTIVE)
    assert [(g.username, g.role, g.target) for g in plan.grants] == [
        ("reporter-old", Role.REPORTER, "0411"),
        ("reporter-old", Role.REPORTER, "0412"),
    ]
    actions.split_agency(evaluator, agency, successors=new_pair(), effective=EFFECTIVE)
    assert not Membership.objects.filter(agency__code__in=["0411", "0412"]).exists()
    assert not AuditEvent.objects.filter(action="role.grant").exists()


def test_asked_a_merge_gives_the_predecessors_staff_the_same_roles_in_the_successor(
    administrator, agency, district, years
):
    reporter = _user("reporter-old", Role.REPORTER, agency)
    head = _user("head-old", Role.HEAD, district)
    already = _user("already", Role.REPORTER, district)
    Membership.objects.create(user=already, role=Role.REPORTER, agency=agency)
    _user("gone", Role.REPORTER, district, is_active=False)
    _user("evaluator-old", Role.EVALUATOR)
    plan = actions.plan_kpi_moves([agency, district], [agency], EFFECTIVE)
    assert plan.grants_by_role == [
        (Role.HEAD.label, "0409", 1),
    ]
    change = actions.merge_agencies(
        administrator, [agency, district], successor=agency, effective=EFFECTIVE, give_roles=True
    )
    assert Membership.objects.filter(user=head, role=Role.HEAD, agency=agency).exists()
    assert Membership.objects.filter(user=head, role=Role.HEAD, agency=district).exists()  # kept
    assert Membership.objects.filter(user=reporter, agency=agency).count() == 1
    assert Membership.objects.filter(user=already, agency=agency).count() == 1
    assert not Membership.objects.filter(user__username="gone", agency=agency).exists()
    grant = AuditEvent.objects.get(action="role.grant")
    assert grant.after["role"] == Role.HEAD and change.details["counts"]["roles_given"] == 1


def test_asking_for_roles_without_the_right_to_grant_them_is_refused_and_changes_nothing(
    evaluator, agency, district, years
):
    _user("reporter-old", Role.REPORTER, district)
    moving = kpi(district, years[2568], 201)
    setup = Setup.objects.create(agency=district, fiscal_year=years[2568])
    supporting = project(district, years[2568], 1, moving)
    with pytest.raises(ActionError) as refused:
        actions.merge_agencies(
            evaluator, [agency, district], successor=agency, effective=EFFECTIVE, give_roles=True
        )
    assert refused.value.field == "give_roles"
    _assert_nothing_changed(district, moving, setup, supporting)


def test_a_refused_reorganisation_changes_nothing(evaluator, agency, district, years):
    reporter = _user("reporter-x", Role.REPORTER, district)
    moving = kpi(district, years[2568], 201)
    setup = Setup.objects.create(agency=district, fiscal_year=years[2568])
    supporting = project(district, years[2568], 1, moving)
    with pytest.raises(PermissionDenied):
        actions.merge_agencies(reporter, [agency, district], successor=agency, effective=EFFECTIVE)
    _assert_nothing_changed(district, moving, setup, supporting)
    actions.rename_agency(evaluator, district, effective=EFFECTIVE, name_th="ชื่อใหม่")
    with pytest.raises(ActionError) as refused:  # before the agency's previous change
        actions.merge_agencies(evaluator, [agency, district], successor=agency, effective=dt.date(2024, 6, 1))
    assert refused.value.field == "effective"
    district.refresh_from_db()
    assert district.name_th == "ชื่อใหม่"
    _assert_nothing_changed(district, moving, setup, supporting, changes=1)


def test_a_bad_mapping_is_refused_before_anything_moves(evaluator, agency, years):
    moving = kpi(agency, years[2568], 201)
    setup = Setup.objects.create(agency=agency, fiscal_year=years[2568])
    supporting = project(agency, years[2568], 1, moving)
    with pytest.raises(ActionError) as refused:
        actions.split_agency(
            evaluator,
            agency,
            successors=new_pair(),
            effective=EFFECTIVE,
            kpi_successors={supporting.code: "9999"},
        )
    assert refused.value.field == "kpi"
    _assert_nothing_changed(agency, moving, setup, supporting)
    assert not Agency.objects.filter(code__in=["0411", "0412"]).exists()


def _assert_nothing_changed(
    agency: Agency, moving: Indicator, setup: Setup, supporting: Project, changes: int = 0
) -> None:
    agency.refresh_from_db()
    setup.refresh_from_db()
    assert agency.valid_to is None
    assert Indicator.objects.get(pk=moving.pk).agency_id == agency.pk
    assert (setup.agency_id, setup.version) == (agency.pk, 1)
    assert Project.objects.get(pk=supporting.pk).agency_id == agency.pk
    assert AgencyChange.objects.count() == changes
    assert not Membership.objects.filter(agency__code="0409").exists()  # the successor's roles
    assert not AuditEvent.objects.filter(
        action__in=["kpi.move_agency", "project.move_agency", "setup.move_agency", "role.grant"]
    ).exists()
