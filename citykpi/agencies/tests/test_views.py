"""The reorganisation pages: /setup/reorganisations/ and one agency's forms with a confirm step."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies.models import Agency, AgencyChange
from citykpi.conftest import PASSWORD
from citykpi.indicators.models import FiscalYear, Indicator

URL = "/setup/reorganisations/"


@pytest.fixture
def signed_in(client, evaluator):
    client.login(username=evaluator.username, password=PASSWORD)
    return client


@pytest.fixture
def with_kpis(agency_a, agency_b):
    old, new = FiscalYear.objects.create(year=2567), FiscalYear.objects.create(year=2568)
    Indicator.objects.create(code="0409-101", agency=agency_a, fiscal_year=old, name="เดิม")
    Indicator.objects.create(code="0409-201", agency=agency_a, fiscal_year=new, name="ใหม่")
    Indicator.objects.create(code="5047-202", agency=agency_b, fiscal_year=new, name="เขต")


def test_anonymous_is_sent_to_log_in(client, agency_a):
    assert client.get(URL).status_code == 302
    assert client.get(f"{URL}0409/").status_code == 302


def test_a_reporter_may_not_see_the_reorganisation_pages(client, reporter_a):
    client.login(username=reporter_a.username, password=PASSWORD)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}0409/", {"kind": "rename"}).status_code == 403


def test_the_list_shows_agencies_with_their_kpi_counts(signed_in, with_kpis):
    page = signed_in.get(URL)
    assert page.status_code == 200
    assert "0409" in page.content.decode() and "5047" in page.content.decode()


def test_an_unknown_agency_is_404_and_delete_is_405(signed_in, agency_a):
    assert signed_in.get(f"{URL}9999/").status_code == 404
    assert signed_in.delete(f"{URL}0409/").status_code == 405


def test_a_merge_shows_how_many_kpis_move_before_it_changes_anything(signed_in, with_kpis, agency_a):
    form = {"kind": "merge", "effective": "๑/๑๐/๒๕๖๗", "others": "5047", "successor": "0420 สำนักรวม"}
    page = signed_in.post(f"{URL}0409/", form)
    text = page.content.decode()
    assert page.status_code == 200 and 'id="confirm-reorganise"' in text
    assert "KPIs that move" in text or "ตัวชี้วัดที่ย้าย: 2" in text
    assert not AgencyChange.objects.exists() and not Agency.objects.filter(code="0420").exists()
    done = signed_in.post(f"{URL}0409/", {**form, "confirm": "1"})
    assert done.status_code == 302
    merged = Agency.objects.get(code="0420")
    assert Indicator.objects.filter(agency=merged).count() == 2
    assert Indicator.objects.get(code="0409-101").agency_id == agency_a.pk
    agency_a.refresh_from_db()
    assert agency_a.valid_to == dt.date(2024, 9, 30)


def test_a_bad_date_is_refused_naming_the_field_and_changes_nothing(signed_in, agency_a):
    page = signed_in.post(f"{URL}0409/", {"kind": "rename", "effective": "31/02/2567", "name_th": "ใหม่"})
    assert page.status_code == 400
    assert "effective" in page.content.decode() and "วันที่ไม่ถูกต้อง" in page.content.decode()
    agency_a.refresh_from_db()
    assert agency_a.name_th == "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"


def test_a_rename_through_the_page_keeps_the_code(signed_in, agency_a):
    form = {"kind": "rename", "effective": "2024-10-01", "name_th": "ชื่อใหม่", "confirm": "1"}
    assert signed_in.post(f"{URL}0409/", form).status_code == 302
    agency_a.refresh_from_db()
    assert (agency_a.code, agency_a.name_th) == ("0409", "ชื่อใหม่")


@pytest.fixture
def with_function(with_kpis, agency_a, agency_b):
    """A project and a setup of the new year for each agency, and a reporter of the district."""
    from citykpi.accounts.models import Membership, Role
    from citykpi.conftest import _user
    from citykpi.planning.models import Setup
    from citykpi.projects.models import Project

    Project.objects.create(code="50470000-1", name="โครงการเขต", agency=agency_b, fiscal_year_id=2568)
    Setup.objects.create(agency=agency_b, fiscal_year_id=2568, state=Setup.State.APPROVED)
    Setup.objects.create(agency=agency_a, fiscal_year_id=2568)
    reporter = _user("reporter-district", Role.REPORTER, agency_b)
    return Membership, Role, reporter


MERGE_INTO_0409 = {"kind": "merge", "effective": "1/10/2567", "others": "5047", "successor": "0409"}


def test_the_confirm_step_counts_projects_setups_and_the_roles_that_would_be_given(signed_in, with_function):
    text = signed_in.post(f"{URL}0409/", MERGE_INTO_0409).content.decode()
    assert "โครงการที่ย้าย" in text and "<strong>โครงการที่ย้าย: 1</strong>" in text.replace("\n", "")
    assert 'class="setup-stays"' in text and "5047 2568" in text  # 0409 has its own setup of 2568
    assert "reporter-district 5047 → 0409" in text
    # The evaluator may reorganise but not grant roles: no box to tick, and where to go instead.
    assert 'name="give_roles"' not in text and "เฉพาะผู้ดูแลระบบสูงสุดให้บทบาทได้" in text


def test_a_superuser_may_tick_the_roles_on_the_confirm_step(client, administrator, with_function, agency_a):
    Membership, Role, reporter = with_function
    client.login(username=administrator.username, password=PASSWORD)
    text = client.post(f"{URL}0409/", MERGE_INTO_0409).content.decode()
    assert 'name="give_roles"' in text and "checked" not in text.split('id="give-roles"')[0][-80:]
    assert client.post(f"{URL}0409/", {**MERGE_INTO_0409, "confirm": "1"}).status_code == 302
    assert not Membership.objects.filter(user=reporter, agency=agency_a).exists()  # not ticked: none


def test_ticked_the_roles_are_given_in_the_same_change(client, administrator, with_function, agency_a):
    Membership, Role, reporter = with_function
    client.login(username=administrator.username, password=PASSWORD)
    done = client.post(f"{URL}0409/", {**MERGE_INTO_0409, "confirm": "1", "give_roles": "1"})
    assert done.status_code == 302
    assert Membership.objects.filter(user=reporter, role=Role.REPORTER, agency=agency_a).exists()
    change = AgencyChange.objects.get()
    assert change.details["counts"] == {
        "kpis_moved": 1,
        "projects_moved": 1,
        "setups_moved": 0,
        "roles_given": 1,
    }


def test_roles_asked_by_the_evaluator_through_the_page_are_refused_and_change_nothing(
    signed_in, with_function, agency_a, agency_b
):
    page = signed_in.post(f"{URL}0409/", {**MERGE_INTO_0409, "confirm": "1", "give_roles": "1"})
    assert page.status_code == 400 and "give_roles" in page.content.decode()
    agency_b.refresh_from_db()
    assert agency_b.valid_to is None and not AgencyChange.objects.exists()
    assert Indicator.objects.get(code="5047-202").agency_id == agency_b.pk


def test_the_list_of_changes_counts_what_each_change_moved(client, administrator, with_function):
    client.login(username=administrator.username, password=PASSWORD)
    client.post(f"{URL}0409/", {**MERGE_INTO_0409, "confirm": "1", "give_roles": "1"})
    text = client.get(URL).content.decode()
    assert "โครงการ 1 · การกำหนดตัวชี้วัด 0 · บทบาท 1" in text
