"""The evaluator's data-quality report: access, counts by agency and by rule, filters."""

from __future__ import annotations

import pytest

from citykpi.conftest import PASSWORD
from citykpi.quality.actions import refresh_year
from citykpi.quality.models import FindingRecord

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get("/quality/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_reporter_may_not_see_the_report(client, reporter_a):
    login(client, reporter_a)
    assert client.get("/quality/").status_code == 403


def test_the_evaluator_sees_counts_by_rule_and_agency_with_links(
    client, evaluator, seed_kpi, make_indicator, agency_b
):
    make_indicator(agency_b, unit=None)
    refresh_year(evaluator, 2566)
    login(client, evaluator)
    response = client.get("/quality/?year=2566")
    assert response.status_code == 200
    html = response.content.decode()
    assert '?year=2566&amp;rule=Q001-level-out-of-scale&amp;severity=error">5</a>' in html
    assert '?year=2566&amp;agency=0409">0409' in html and '?year=2566&amp;agency=5047">5047' in html
    assert "0409-0950" in html


def test_the_list_filters_by_agency_and_rule(client, evaluator, seed_kpi, make_indicator, agency_b):
    other = make_indicator(agency_b, unit=None)
    refresh_year(evaluator, 2566)
    login(client, evaluator)
    html = client.get("/quality/?year=2566&agency=5047").content.decode()
    assert f"/kpi/{other.code}/" in html and "/kpi/0409-0950/" not in html


def test_the_report_page_query_count_does_not_grow_with_findings(
    client, evaluator, seed_kpi, make_indicator, agency_b, django_assert_max_num_queries
):
    refresh_year(evaluator, 2566)
    login(client, evaluator)
    with django_assert_max_num_queries(15) as few:
        client.get("/quality/?year=2566")
    for _ in range(15):
        make_indicator(agency_b, unit=None)
    refresh_year(evaluator, 2566)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/quality/?year=2566")


def test_the_evaluator_can_run_the_checks_again_from_the_page(client, evaluator, seed_kpi):
    login(client, evaluator)
    response = client.post("/quality/refresh/", {"year": "2566"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2566")
    assert FindingRecord.objects.filter(indicator=seed_kpi).count() == 5


def test_an_executive_may_read_but_not_refresh(client, executive, seed_kpi):
    login(client, executive)
    assert client.get("/quality/").status_code == 200
    assert client.post("/quality/refresh/", {"year": "2566"}).status_code == 403


def test_the_refresh_refuses_get(client, evaluator):
    login(client, evaluator)
    assert client.get("/quality/refresh/").status_code == 405
