"""The agency's annual page /agency/<code>/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from citykpi.indicators.models import FiscalYear
from citykpi.portal.tests.pagetext import assert_in_order, visible_text


def test_the_agency_page_groups_kpis_by_evaluation_dimension_with_the_negotiated_tag(client, kpi_world):
    kpis = kpi_world(3)
    response = client.get(reverse("portal:agency", args=["0300"]))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    # n % 2 picks the dimension: 1001 and 1003 in มิติที่ 2 (number 2), 1002 in มิติที่ 1
    assert_in_order(text, ["มิติที่ 1 มิติ 1", kpis[1].code, "มิติที่ 2 มิติ 2", kpis[0].code, kpis[2].code])
    assert "[มิติที่ 2 : ตัวชี้วัดเจรจา]" in text  # kpi 3 is negotiated
    assert "ไตรมาสที่ 2: 90" in text  # the headline score
    assert "80 ร้อยละ" in text  # the target


def test_the_agency_page_can_group_by_strategy_area(client, kpi_world):
    kpi_world(2)
    response = client.get(reverse("portal:agency", args=["03000000"]), {"group": "strategy"})
    text = visible_text(response.content.decode())
    assert "๑ มหานครปลอดภัย (2)" in text


def test_the_agency_page_shows_the_year_asked_for_and_explains_a_year_it_does_not_have(
    client, make_indicator, agency_a, fiscal_year
):
    old = make_indicator(agency_a, fiscal_year=FiscalYear.objects.create(year=2565))
    new = make_indicator(agency_a)
    url = reverse("portal:agency", args=["0409"])
    assert [k.code for g in client.get(url).context["groups"] for k in g["indicators"]] == [new.code]
    assert [k.code for g in client.get(url, {"year": "2565"}).context["groups"] for k in g["indicators"]] == [
        old.code
    ]
    response = client.get(url, {"year": "abc", "group": "nonsense"})
    assert response.status_code == 200
    assert "ไม่มีข้อมูลปีงบประมาณ “abc”" in visible_text(response.content.decode())


@pytest.mark.parametrize("code", ["9999", "99990000", "abc", "040", "0409000"])
def test_an_unknown_agency_code_is_a_thai_404(client, agency_a, code):
    response = client.get(reverse("portal:agency", args=[code]))
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.content.decode()


def test_the_agency_page_query_count_does_not_grow_with_the_data(
    client, kpi_world, django_assert_max_num_queries
):
    kpi_world(3)
    url = reverse("portal:agency", args=["0300"])
    for group in ("dimension", "strategy"):
        with django_assert_max_num_queries(10) as few:
            client.get(url, {"group": group})
        kpi_world(30)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url, {"group": group})
        assert response.context["total"] >= 33
