"""The public dashboard and the staff dashboard: content, links, access, query ceilings."""

from __future__ import annotations

import re

import pytest

from citykpi.conftest import PASSWORD
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_public_dashboard_counts_kpis_by_status_and_links_each_count_to_its_list(
    client, grow_year, agency_a, agency_b
):
    grow_year(agency_a, [25, 50])  # on plan: on track
    grow_year(agency_a, [20, 42])  # 84 % of plan: at risk
    grow_year(agency_b, [10, 20])  # 40 % of plan: off track
    response = client.get("/dashboard/?year=2566")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "/?year=2566&amp;status=at_risk" in html
    tiles = dict(re.findall(r'class="st-(\w+)" href="[^"]+"><strong>(\d+)</strong>', html))
    assert tiles == {"on_track": "1", "at_risk": "1", "off_track": "1", "no_data": "0"}
    # Each agency's counts are on its group's ranking (the overview shows the groups).
    ranking = client.get("/dashboard/group/all/?year=2566").content.decode()
    assert "/?year=2566&amp;agency=0409&amp;status=on_track" in ranking
    assert "/?year=2566&amp;agency=5047&amp;status=off_track" in ranking


def test_public_dashboard_ignores_drafts_and_unpublished_kpis(client, grow_year, agency_a):
    grow_year(agency_a, [10, 20], status=QuarterReport.Status.DRAFT)
    hidden = grow_year(agency_a, [25, 50])
    hidden.is_published = False
    hidden.save(update_fields=["is_published"])
    html = client.get("/dashboard/?year=2566").content.decode()
    tiles = dict(re.findall(r'class="st-(\w+)" href="[^"]+"><strong>(\d+)</strong>', html))
    assert tiles == {"on_track": "0", "at_risk": "0", "off_track": "0", "no_data": "1"}
    assert hidden.code not in html


def test_public_dashboard_ranks_agencies_by_weighted_score(client, grow_year, agency_a, agency_b):
    grow_year(agency_a, [25, 50], weight=60)
    grow_year(agency_a, [25, 25], weight=40)  # 50 %: agency A scores 0.6*100 + 0.4*50 = 80
    grow_year(agency_b, [25, 45], weight=100)  # 90
    html = client.get("/dashboard/group/all/?year=2566").content.decode()
    ranked = re.findall(
        r"<td>\d+</td><td><a href=\"[^\"]+\">(\d{4}) [^<]+</a></td>\s*<td class=\"num\">([\d.]+)</td>", html
    )
    assert ranked == [("5047", "90.00"), ("0409", "80.00")]


def test_public_dashboard_lists_kpis_at_risk_with_projection_and_chart(client, grow_year, agency_a):
    risky = grow_year(agency_a, [20, 40])  # 80 % of plan: at risk; projected 100 × 40/50 = 80
    html = client.get("/dashboard/?year=2566").content.decode()
    assert f"/kpi/{risky.code}/" in html
    assert "<strong>80.00 ร้อยละ</strong>" in html
    assert "เป้าหมายทั้งปี × ผลงานไตรมาสที่ 2" in html


def test_the_at_risk_lists_unit_is_english_when_english_is_chosen_from_the_same_cached_overview(
    client, grow_year, agency_a
):
    grow_year(agency_a, [20, 40])
    assert "<strong>80.00 ร้อยละ</strong>" in client.get("/dashboard/?year=2566").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/dashboard/?year=2566").content.decode()
    assert "<strong>80.00 percent</strong>" in english and "ร้อยละ</strong>" not in english


def test_the_area_rollup_table_shows_whole_with_no_template_text_around_it(client, grow_year, agency_a, plan):
    grow_year(agency_a, [25, 50])
    html = client.get("/dashboard/?year=2566").content.decode()
    assert 'class="compact rollup"' in html
    assert "{#" not in html and "#}" not in html and "<details" not in html


def test_public_dashboard_groups_kpis_by_strategy_area_with_node_links(client, grow_year, agency_a, plan):
    grow_year(agency_a, [25, 50], node=plan["area5"])
    html = client.get("/dashboard/?year=2566").content.decode()
    assert f"node={plan['area5'].pk}" in html
    assert "มหานครประชาธิปไตย" in html


def test_public_dashboard_query_count_does_not_grow_with_the_number_of_kpis(
    client, grow_year, agency_a, agency_b, django_assert_max_num_queries
):
    for _ in range(3):
        grow_year(agency_a, [25, 50])
    with django_assert_max_num_queries(12) as small:
        client.get("/dashboard/?year=2566")
    for _ in range(20):
        grow_year(agency_b, [20, 30])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/dashboard/?year=2566")


def test_public_dashboard_without_any_year_says_nothing_is_published(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "ยังไม่มีข้อมูลที่เผยแพร่" in response.content.decode()


def test_public_dashboard_refuses_post(client, db):
    assert client.post("/dashboard/").status_code == 405


def test_staff_dashboard_sends_anonymous_users_to_log_in(client, db):
    response = client.get("/dashboard/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_dashboard_refuses_a_user_without_a_staff_role(client, django_user_model):
    django_user_model.objects.create_user(username="nobody", password=PASSWORD)
    client.login(username="nobody", password=PASSWORD)
    assert client.get("/dashboard/staff/").status_code == 403


def test_staff_dashboard_shows_timeliness_heatmap_and_quality_counts(
    client, evaluator, grow_year, agency_a, agency_b
):
    grow_year(agency_a, [25, 50])
    grow_year(agency_b, [25, 50], days_late=10)
    from citykpi.quality.actions import refresh_year

    refresh_year(evaluator, 2566)
    login(client, evaluator)
    response = client.get("/dashboard/staff/?year=2566")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ความตรงเวลาในการส่งรายงาน" in html
    # agency B submitted both quarters 10 days late, agency A on time
    assert re.search(r'fill="#c62828"><title>ไตรมาสที่ 1: ส่ง 1 จาก 1 \(ตรงเวลา 0, ช้า 0, ช้าเกิน 7 วัน 1\)', html)
    assert re.search(r'fill="#2e7d32"><title>ไตรมาสที่ 1: ส่ง 1 จาก 1 \(ตรงเวลา 1', html)
    assert "/quality/?year=2566" in html


def test_staff_dashboard_includes_drafts_but_only_the_reporters_agency(
    client, reporter_a, grow_year, agency_a, agency_b
):
    mine = grow_year(agency_a, [10, 20], status=QuarterReport.Status.DRAFT)
    theirs = grow_year(agency_b, [25, 50])
    login(client, reporter_a)
    html = client.get("/dashboard/staff/?year=2566").content.decode()
    assert mine.code in html  # off track, listed among the KPIs at risk
    assert theirs.code not in html and "5047" not in html


def test_staff_dashboard_query_count_does_not_grow_with_the_number_of_kpis(
    client, evaluator, grow_year, agency_a, agency_b, django_assert_max_num_queries
):
    grow_year(agency_a, [25, 50])
    login(client, evaluator)
    with django_assert_max_num_queries(20) as small:
        client.get("/dashboard/staff/?year=2566")
    for _ in range(20):
        grow_year(agency_b, [20, 30])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/dashboard/staff/?year=2566")


def test_the_public_year_overview_is_cached_until_the_next_write(settings, db, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from citykpi.audit.log import record
    from citykpi.dashboards.data import year_overview
    from citykpi.indicators.models import FiscalYear

    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    fiscal_year = FiscalYear.objects.create(year=2566)
    first = year_overview(2566)
    with django_assert_max_num_queries(1):  # the data version only
        assert year_overview(2566).year == first.year
    record(None, "fiscal_year.publish", fiscal_year)
    with CaptureQueriesContext(connection) as captured:
        year_overview(2566)
    assert len(captured.captured_queries) > 1  # scored again after the write
    cache.clear()


def test_a_kpi_ahead_of_its_plan_scores_100_and_an_agency_score_stays_within_0_to_100(
    make_indicator, agency_a
):
    from decimal import Decimal

    from citykpi.dashboards.data import agency_rollups, year_overview
    from citykpi.quality import scoring
    from citykpi.quality.standing import rescore_kpis

    kpi = make_indicator(
        agency_a, target=Decimal(100), weight=Decimal(100), scoring_config={"cap": "200"}
    )  # percent of target, capped at 200
    report = QuarterReport.objects.create(
        indicator=kpi,
        quarter=1,
        planned_target=Decimal(25),
        result=Decimal(40),  # 160 % of the quarter's plan
        status=QuarterReport.Status.SUBMITTED,
    )
    rescore_kpis([kpi.pk])
    report.refresh_from_db()
    overview = year_overview(2566)
    assert report.progress > 100 and overview.status_counts() == {scoring.ON_TRACK: 1}
    assert kpi.standing.public_current == Decimal(100)
    (ranked,) = agency_rollups(2566)
    assert ranked.score.value == Decimal(100) and ranked.rank == 1
