"""Publishing next year must not hide this year: the default year of the home page, the
agency page, the dashboards and the Excel page is the year people are working in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from citykpi.indicators.models import FiscalYear
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.years import working_year

TODAY = dt.date(2023, 9, 1)  # fiscal year 2566


@pytest.fixture
def live_and_next(db, agency_a, make_indicator, fiscal_year):
    """2566 with a published (submitted) quarter, and an empty 2567 published early."""
    live = fiscal_year
    live.is_published = True
    live.save()
    early = FiscalYear.objects.create(year=2567, is_published=True)
    kpi = make_indicator(agency_a, fiscal_year=live, name="ตัวชี้วัดปีที่ทำงานอยู่")
    QuarterReport.objects.create(indicator=kpi, quarter=1, result=10, status="submitted")
    make_indicator(agency_a, fiscal_year=early, name="ตัวชี้วัดปีหน้า")
    return live, early


def test_the_working_year_is_the_latest_with_published_results_not_a_later_empty_one(live_and_next):
    assert working_year([2566, 2567], TODAY) == 2566
    assert working_year([2566, 2567], dt.date(2024, 1, 5)) == 2566  # 2567 has begun, nothing published


def test_without_published_results_the_year_of_today_then_the_latest_before_it(db):
    assert working_year([2565, 2566, 2567], TODAY) == 2566
    assert working_year([2564, 2565, 2568], TODAY) == 2565
    assert working_year([2568, 2569], TODAY) == 2568
    assert working_year([], TODAY) is None


def test_the_home_page_defaults_to_the_live_year_with_next_year_one_click_away(client, live_and_next):
    page = client.get("/").content.decode()
    assert "ตัวชี้วัดปีที่ทำงานอยู่" in page and "ตัวชี้วัดปีหน้า" not in page
    assert "2567" in page  # in the year choice
    later = client.get("/?year=2567").content.decode()
    assert "ตัวชี้วัดปีหน้า" in later


def test_the_agency_page_defaults_to_the_live_year(client, live_and_next, agency_a):
    page = client.get(reverse("portal:agency", args=[agency_a.code])).content.decode()
    assert "ตัวชี้วัดปีที่ทำงานอยู่" in page and "ตัวชี้วัดปีหน้า" not in page


def test_the_public_dashboard_defaults_to_the_live_year(client, live_and_next):
    from citykpi.dashboards.views import _pick_year

    class Request:
        GET: dict = {}

    assert _pick_year(Request(), [2567, 2566]) == 2566
    response = client.get(reverse("dashboards:public"))
    assert response.status_code == 200
    assert "2566" in response.content.decode()
