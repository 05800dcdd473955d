"""Public pages of an old fiscal year show the agency as it was then."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies import actions
from citykpi.indicators.models import FiscalYear, Indicator


@pytest.fixture
def renamed(evaluator, agency_a):
    old, new = FiscalYear.objects.create(year=2567), FiscalYear.objects.create(year=2568)
    Indicator.objects.create(code="0409-101", agency=agency_a, fiscal_year=old, name="ตัวชี้วัดปีเก่า")
    Indicator.objects.create(code="0409-201", agency=agency_a, fiscal_year=new, name="ตัวชี้วัดปีใหม่")
    actions.rename_agency(
        evaluator, agency_a, effective=dt.date(2024, 10, 1), name_th="สถาบันพัฒนาบุคลากรกรุงเทพมหานคร"
    )
    return agency_a


def test_the_kpi_page_of_an_old_year_shows_the_agencys_name_then(client, renamed):
    old = client.get("/kpi/0409-101/").content.decode()
    new = client.get("/kpi/0409-201/").content.decode()
    assert "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in old and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" not in old
    assert "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in new


def test_the_agency_page_of_an_old_year_shows_the_name_then_and_the_name_now(client, renamed):
    old = client.get("/agency/0409/?year=2567").content.decode()
    assert "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in old and "ชื่อปัจจุบัน" in old
    now = client.get("/agency/0409/?year=2568").content.decode()
    assert "ชื่อปัจจุบัน" not in now and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in now
