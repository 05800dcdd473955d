"""The home page finder: filters, counts, pagination, and forgiving parameters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.portal.tests.pagetext import visible_text
from citykpi.reporting.models import QuarterReport


def codes_on(response) -> list[str]:
    return [row.code for row in response.context["rows"]]


def test_the_home_page_defaults_to_the_latest_published_year(client, make_indicator, agency_a, fiscal_year):
    old_year = FiscalYear.objects.create(year=2565)
    FiscalYear.objects.create(year=2567, is_published=False)
    current = make_indicator(agency_a)
    old = make_indicator(agency_a, fiscal_year=old_year)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert codes_on(response) == [current.code]
    assert response.context["filters"].year.year == 2566
    assert codes_on(client.get(reverse("portal:home"), {"year": "2565"})) == [old.code]
    assert codes_on(client.get(reverse("portal:home"), {"year": "๒๕๖๕"})) == [old.code]
    assert sorted(codes_on(client.get(reverse("portal:home"), {"year": "all"}))) == sorted(
        [current.code, old.code]
    )


def test_filters_by_agency_type_level_and_words_of_the_name(client, make_indicator, agency_a, agency_b):
    a = make_indicator(agency_a, name="การคัดแยกมูลฝอยที่แหล่งกำเนิด", kpi_type=Indicator.Type.ROUTINE)
    b = make_indicator(agency_b, name="ร้อยละของมูลฝอยอันตราย", result_level=Indicator.Level.OUTCOME)
    home = reverse("portal:home")
    assert codes_on(client.get(home, {"agency": "0409"})) == [a.code]
    assert codes_on(client.get(home, {"agency": "50470000"})) == [b.code]
    assert codes_on(client.get(home, {"type": "routine"})) == [a.code]
    assert codes_on(client.get(home, {"level": "outcome"})) == [b.code]
    assert sorted(codes_on(client.get(home, {"q": "มูลฝอย"}))) == sorted([a.code, b.code])
    assert codes_on(client.get(home, {"q": "มูลฝอย อันตราย"})) == [b.code]
    assert codes_on(client.get(home, {"q": a.code})) == [a.code]


def test_a_kpi_code_search_without_a_year_looks_in_every_year(client, make_indicator, agency_a):
    old = make_indicator(agency_a, fiscal_year=FiscalYear.objects.create(year=2563))
    make_indicator(agency_a)
    assert codes_on(client.get(reverse("portal:home"), {"q": old.code})) == [old.code]


def test_filter_by_status_uses_published_quarters_only(client, make_indicator, agency_a):
    from citykpi.evaluation.models import Assessment

    assessed = make_indicator(agency_a)
    report = QuarterReport.objects.create(indicator=assessed, quarter=1, status=QuarterReport.Status.ASSESSED)
    Assessment.objects.create(quarter_report=report, score=Decimal("90"))
    waiting = make_indicator(agency_a)
    QuarterReport.objects.create(indicator=waiting, quarter=1, status=QuarterReport.Status.SUBMITTED)
    drafted = make_indicator(agency_a)
    QuarterReport.objects.create(indicator=drafted, quarter=1, status=QuarterReport.Status.DRAFT)
    home = reverse("portal:home")
    assert codes_on(client.get(home, {"status": "assessed"})) == [assessed.code]
    assert codes_on(client.get(home, {"status": "awaiting"})) == [waiting.code]
    assert codes_on(client.get(home, {"status": "not_reported"})) == [drafted.code]
    counts = {value: count for value, _label, count in client.get(home).context["status_choices"]}
    assert counts == {"assessed": 1, "awaiting": 1, "not_reported": 1}


def test_filter_by_strategy_node_includes_its_descendants(client, kpi_world, make_indicator, agency_a):
    from citykpi.strategy.models import StrategyNode

    linked = kpi_world(2)
    make_indicator(agency_a, fiscal_year=linked[0].fiscal_year)  # not linked
    area = StrategyNode.objects.get(plan__code="world-plan", path="1")
    response = client.get(reverse("portal:home"), {"node": area.pk})
    assert sorted(codes_on(response)) == sorted(k.code for k in linked)
    assert response.context["total"] == 2


def test_the_home_page_is_paginated_with_a_total_count(client, kpi_world):
    kpi_world(30)
    response = client.get(reverse("portal:home"))
    assert response.context["total"] == 30
    assert len(codes_on(response)) == 25
    second = client.get(reverse("portal:home"), {"page": "2"})
    assert len(codes_on(second)) == 5
    assert "พบ 30 ตัวชี้วัด" in visible_text(response.content.decode())
    assert "page=2" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "99999999999999999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999"},
        {"agency": "9999"},
        {"agency": "abc"},
        {"node": "abc"},
        {"node": "99999999999999999999999"},
        {"node": "-5"},
        {"type": "nope"},
        {"level": "<script>"},
        {"status": "x"},
        {"q": "%_\\'\""},
        {"q": "x" * 5000},
        {"year": "all", "page": "0"},
    ],
)
def test_malformed_parameters_never_give_a_server_error(client, kpi_world, params):
    kpi_world(2)
    response = client.get(reverse("portal:home"), params)
    assert response.status_code == 200


def test_an_unknown_agency_or_year_is_explained_and_ignored(client, kpi_world):
    kpi_world(2)
    response = client.get(reverse("portal:home"), {"agency": "9999", "year": "abc"})
    text = visible_text(response.content.decode())
    assert "ไม่พบหน่วยงานรหัส “9999”" in text
    assert "ไม่พบปีงบประมาณ “abc”" in text
    assert response.context["total"] == 2


def test_the_home_page_query_count_does_not_grow_with_the_data(
    client, kpi_world, django_assert_max_num_queries
):
    kpi_world(3)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("portal:home"))
    kpi_world(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("portal:home"))
    assert response.context["total"] == 33
