"""The KPI's staff page (/work/kpi/<code>/, citykpi.workspace.views.kpi) shows the KPI's
data-quality findings: severity, rule id and the message in Thai and English."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from citykpi.conftest import PASSWORD
from citykpi.quality.tests.conftest import add_quarters

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_seed_kpis_staff_page_lists_its_level_scale_errors_in_both_languages(
    client, reporter_a, seed_kpi
):
    login(client, reporter_a)
    html = client.get(f"/work/kpi/{seed_kpi.code}/").content.decode()
    assert 'id="quality"' in html
    rows = re.findall(r'<tr class="finding-(\w+)">(.*?)</tr>', html, re.S)
    level_rows = [body for severity, body in rows if "Q001-level-out-of-scale" in body]
    assert len(level_rows) == 5 and all("ผิดพลาด" in body for body in level_rows)
    assert {severity for severity, body in rows if "Q001-level-out-of-scale" in body} == {"error"}
    # The message in Thai, and in English beside it, on the same row.
    achieved = next(body for body in level_rows if "ผลงานที่ทำได้ มีค่า 100" in body)
    assert (
        "The achieved value, 100, is outside the KPI&#x27;s level scale 0-5" in achieved
        or "The achieved value, 100, is outside the KPI's level scale 0-5" in achieved
    )
    # A quarter's finding links to that quarter's form.
    assert f"/work/kpi/{seed_kpi.code}/q/4/" in html


def test_a_kpi_without_defects_says_so(client, reporter_a, make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100))
    add_quarters(kpi, [(1, 25, 25, None), (2, 50, 50, None)])
    login(client, reporter_a)
    html = client.get(f"/work/kpi/{kpi.code}/").content.decode()
    assert "ไม่พบปัญหาคุณภาพข้อมูล" in html and "finding-" not in html


def test_a_warning_shows_as_a_warning(client, reporter_a, make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100))
    add_quarters(kpi, [(1, 25, 30, None), (2, 50, 20, None)])  # the running total goes down
    login(client, reporter_a)
    html = client.get(f"/work/kpi/{kpi.code}/").content.decode()
    row = re.search(r'<tr class="finding-warning">(.*?)</tr>', html, re.S)
    assert row and "Q002-cumulative-decrease" in row.group(1) and "น่าสงสัย" in row.group(1)


def test_the_evaluator_gets_a_link_to_the_agencys_quality_report_and_the_reporter_does_not(
    client, evaluator, reporter_a, seed_kpi
):
    link = f"/quality/?year=2566&amp;agency={seed_kpi.agency.code}"
    login(client, evaluator)
    assert link in client.get(f"/work/kpi/{seed_kpi.code}/").content.decode()
    client.logout()
    login(client, reporter_a)
    assert link not in client.get(f"/work/kpi/{seed_kpi.code}/").content.decode()


def test_the_staff_page_stays_within_a_fixed_number_of_queries(
    client, reporter_a, seed_kpi, django_assert_max_num_queries
):
    login(client, reporter_a)
    with django_assert_max_num_queries(25):
        assert client.get(f"/work/kpi/{seed_kpi.code}/").status_code == 200
