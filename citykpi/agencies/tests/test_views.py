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
