"""The drill-down dashboards: the overview shows the agency groups, each opening a ranking
of its agencies (paginated, sorted on the server, every row for printing up to a bound),
an agency its KPIs, a strategy node its children and agencies; each page bounded in size
and in queries whatever the number of agencies; executives land on the dashboard."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from citykpi.agencies.models import Agency
from citykpi.conftest import PASSWORD
from citykpi.dashboards import views
from citykpi.indicators.models import EvaluationDimension, Indicator
from citykpi.quality.standing import rescore_kpis
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db

MAX_PAGE_BYTES = 150 * 1024


def ranked_codes(html: str) -> list[str]:
    section = html.split('id="h-ranking"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<td><a href="/dashboard/(?:staff/)?agency/(\d{4})/\?year=2566">', section)


def many_agencies(fiscal_year, unit, plan, count: int, *, first: int = 1000) -> list[Agency]:
    """`count` agencies (departments and district offices in turn) with two KPIs each,
    one on plan and one behind it by a different margin, built in bulk."""
    agencies = Agency.objects.bulk_create(
        [
            Agency(
                code=f"{first + i:04d}",
                long_code=f"{first + i:04d}0000",
                name_th=f"หน่วยงานทดสอบขนาด {first + i:04d}",
                kind=Agency.Kind.DISTRICT if i % 2 else Agency.Kind.DEPARTMENT,
            )
            for i in range(count)
        ]
    )
    agencies = list(Agency.objects.filter(code__in=[a.code for a in agencies]).order_by("code"))
    kpis = Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"{a.code}-{n:04d}",
                name=f"ตัวชี้วัด {a.code} ที่ {n}",
                agency=a,
                fiscal_year=fiscal_year,
                unit=unit,
                target=Decimal(100),
                weight=Decimal(50),
            )
            for a in agencies
            for n in (1, 2)
        ]
    )
    kpis = list(Indicator.objects.filter(agency__in=agencies).order_by("code"))
    Indicator.strategy_nodes.through.objects.bulk_create(
        [Indicator.strategy_nodes.through(indicator_id=k.pk, strategynode_id=plan["goal"].pk) for k in kpis]
    )
    QuarterReport.objects.bulk_create(
        [
            QuarterReport(
                indicator=k,
                quarter=1,
                planned_target=Decimal(25),
                result=Decimal(25) if k.code.endswith("1") else Decimal(5 + n % 20),
                status=QuarterReport.Status.SUBMITTED,
            )
            for n, k in enumerate(kpis)
        ]
    )
    rescore_kpis([k.pk for k in kpis])
    return agencies


def test_the_overview_shows_agency_groups_each_opening_its_ranking(client, grow_year, agency_a, agency_b):
    grow_year(agency_a, [25, 50])
    grow_year(agency_b, [10, 20])
    html = client.get("/dashboard/?year=2566").content.decode()
    section = html.split('id="h-agency"', 1)[1].split("</section>", 1)[0]
    assert '<a href="/dashboard/group/department/?year=2566">สำนัก</a>' in section
    assert '<a href="/dashboard/group/district/?year=2566">สำนักงานเขต</a>' in section
    assert "/dashboard/group/district/?year=2566&amp;sort=worst" in section
    assert '<a href="/dashboard/group/all/?year=2566">ทุกหน่วยงาน</a>' in section
    assert "5047" not in section  # agencies are one level down
    district = client.get("/dashboard/group/district/?year=2566").content.decode()
    assert ranked_codes(district) == ["5047"]
    assert '<a href="/dashboard/?year=2566">' in district  # back to the overview


def test_a_ranking_sorts_worst_first_on_request_and_by_name_or_code(
    client, grow_year, agency_a, agency_b, db
):
    third = Agency.objects.create(code="0100", name_th="ก สำนักทดสอบ", kind=Agency.Kind.DEPARTMENT)
    grow_year(agency_a, [25, 25])  # 50
    grow_year(agency_b, [25, 50])  # 100
    grow_year(third, [25, 40])  # 80
    url = "/dashboard/group/all/?year=2566"
    assert ranked_codes(client.get(url).content.decode()) == ["5047", "0100", "0409"]  # best first, as before
    worst = client.get(url + "&sort=worst").content.decode()
    assert ranked_codes(worst) == ["0409", "0100", "5047"]
    assert re.search(r"<td>3</td><td><a href=\"/dashboard/agency/0409/", worst)  # the rank stays the rank
    assert '<strong aria-current="true">คะแนนต่ำสุดก่อน</strong>' in worst
    assert ranked_codes(client.get(url + "&sort=code").content.decode()) == ["0100", "0409", "5047"]
    assert ranked_codes(client.get(url + "&sort=name").content.decode())[0] == "0100"
    assert ranked_codes(client.get(url + "&sort=nonsense").content.decode()) == ["5047", "0100", "0409"]


def test_a_ranking_is_paginated_and_prints_every_row_up_to_the_bound(
    client, fiscal_year, unit_percent, plan, monkeypatch
):
    many_agencies(fiscal_year, unit_percent, plan, 120)
    url = "/dashboard/group/all/?year=2566&sort=code"
    first = client.get(url).content.decode()
    assert len(ranked_codes(first)) == views.PAGE_SIZE and ranked_codes(first)[0] == "1000"
    assert 'rel="next" href="?year=2566&amp;sort=code&amp;page=2"' in first
    third = ranked_codes(client.get(url + "&page=3").content.decode())
    assert third == [f"{n:04d}" for n in range(1100, 1120)]
    assert ranked_codes(client.get(url + "&page=99").content.decode()) == third  # the last page
    everything = client.get(url + "&all=1").content.decode()
    assert len(ranked_codes(everything)) == 120 and 'class="pager"' not in everything
    assert 'class="chart mini"' not in everything  # lighter rows for printing
    assert "?year=2566&amp;sort=code&amp;all=1" in first  # the print link keeps the sort
    monkeypatch.setattr(views, "PRINT_ALL_MAX", 100)
    refused = client.get(url + "&all=1").content.decode()
    assert len(ranked_codes(refused)) == views.PAGE_SIZE and "พิมพ์ทีละหน้า" in refused


def test_an_agency_page_lists_its_kpis_worst_first_and_its_dimensions(client, grow_year, agency_a, db):
    dimension = EvaluationDimension.objects.create(number=1, name_th="ด้านประสิทธิผลตามพันธกิจ")
    good = grow_year(agency_a, [25, 50])
    bad = grow_year(agency_a, [10, 10])
    risky = grow_year(agency_a, [20, 42])
    Indicator.objects.filter(pk=good.pk).update(dimension=dimension)
    url = "/dashboard/agency/0409/?year=2566"
    html = client.get(url + "&sort=worst").content.decode()
    listed = re.findall(r'<a href="/kpi/(0409-\d{4})/">', html)
    assert listed == [bad.code, risky.code, good.code]
    assert '<a href="/dashboard/dimension/1/?year=2566">มิติที่ 1 ด้านประสิทธิผลตามพันธกิจ</a>' in html
    assert "/?year=2566&amp;agency=0409&amp;status=off_track" in html
    assert '<a href="/dashboard/group/department/?year=2566">สำนัก</a>' in html  # where it sits
    best = re.findall(r'<a href="/kpi/(0409-\d{4})/">', client.get(url + "&sort=best").content.decode())
    assert best == [good.code, risky.code, bad.code]
    assert client.get("/dashboard/agency/9999/?year=2566").status_code == 404


def test_a_parent_agency_links_its_sub_agencies_ranking(client, grow_year, agency_a, db):
    child = Agency.objects.create(code="0410", name_th="กองทดสอบ", parent=agency_a, kind=Agency.Kind.OFFICE)
    grow_year(agency_a, [25, 50])
    grow_year(child, [25, 25])
    html = client.get("/dashboard/agency/0409/?year=2566").content.decode()
    assert "/dashboard/group/0409/?year=2566" in html
    assert ranked_codes(client.get("/dashboard/group/0409/?year=2566").content.decode()) == ["0410"]
    assert client.get("/dashboard/group/7777/?year=2566").status_code == 404


def test_a_strategy_node_shows_its_children_and_the_agencies_under_it(
    client, grow_year, agency_a, agency_b, plan
):
    grow_year(agency_a, [25, 50])  # under 7.3.1, so under area 7
    grow_year(agency_b, [25, 50], node=plan["area5"])
    html = client.get(f"/dashboard/strategy/{plan['area7'].pk}/?year=2566").content.decode()
    assert ranked_codes(html) == ["0409"]
    assert f"/dashboard/strategy/{plan['goal'].pk}/?year=2566" in html  # its child, one level down
    assert f"/?year=2566&amp;node={plan['area7'].pk}" in html
    overview = client.get("/dashboard/?year=2566").content.decode()
    assert f'href="/dashboard/strategy/{plan["area7"].pk}/?year=2566"' in overview
    leaf = client.get(f"/dashboard/strategy/{plan['goal'].pk}/?year=2566").content.decode()
    assert f"/dashboard/strategy/{plan['area7'].pk}/?year=2566" in leaf  # the crumbs go back up
    assert client.get("/dashboard/strategy/999999/?year=2566").status_code == 404


def test_a_dimension_ranks_the_agencies_on_their_kpis_of_that_dimension(
    client, grow_year, agency_a, agency_b
):
    dimension = EvaluationDimension.objects.create(number=2, name_th="ด้านคุณภาพ")
    Indicator.objects.filter(pk=grow_year(agency_a, [25, 25]).pk).update(dimension=dimension)
    grow_year(agency_b, [25, 50])  # no dimension
    html = client.get("/dashboard/dimension/2/?year=2566").content.decode()
    assert ranked_codes(html) == ["0409"]
    assert client.get("/dashboard/dimension/9/?year=2566").status_code == 404


def test_staff_drill_downs_show_drafts_but_only_the_users_agencies(
    client, reporter_a, evaluator, grow_year, agency_a, agency_b, django_user_model
):
    grow_year(agency_a, [10, 20], status=QuarterReport.Status.DRAFT)
    grow_year(agency_b, [25, 50])
    assert client.get("/dashboard/staff/group/all/?year=2566").status_code == 302  # sign in first
    assert client.login(username=reporter_a.username, password=PASSWORD)
    html = client.get("/dashboard/staff/group/all/?year=2566").content.decode()
    assert ranked_codes(html) == ["0409"] and "5047" not in html
    assert 'href="/dashboard/staff/agency/0409/?year=2566"' in html
    assert "ความตรงเวลาในการส่งรายงาน" in html  # the page's agencies' timeliness
    assert client.get("/dashboard/staff/agency/5047/?year=2566").status_code == 404
    agency = client.get("/dashboard/staff/agency/0409/?year=2566").content.decode()
    assert '<span class="badge st-off_track">' in agency  # the draft counts for staff
    assert 'href="/work/kpi/0409-' in agency
    client.logout()
    django_user_model.objects.create_user(username="nobody", password=PASSWORD)
    assert client.login(username="nobody", password=PASSWORD)
    assert client.get("/dashboard/staff/group/all/?year=2566").status_code == 403
    client.logout()
    assert client.login(username=evaluator.username, password=PASSWORD)
    assert ranked_codes(client.get("/dashboard/staff/group/all/?year=2566").content.decode()) == [
        "5047",
        "0409",
    ]


def test_drill_down_pages_refuse_post(client, grow_year, agency_a):
    grow_year(agency_a, [25, 50])
    assert client.post("/dashboard/group/all/?year=2566").status_code == 405
    assert client.post("/dashboard/agency/0409/?year=2566").status_code == 405


def test_every_dashboard_page_stays_small_and_its_queries_flat_with_many_agencies(
    client, evaluator, fiscal_year, unit_percent, plan, django_assert_max_num_queries
):
    """At 600 agencies every page is at most 150 KB and makes no more queries than at 10."""
    many_agencies(fiscal_year, unit_percent, plan, 10, first=100)
    dimension = EvaluationDimension.objects.create(number=1, name_th="ด้านประสิทธิผลตามพันธกิจ")
    Indicator.objects.update(dimension=dimension)
    pages = [
        "/dashboard/?year=2566",
        "/dashboard/group/all/?year=2566",
        "/dashboard/group/all/?year=2566&sort=worst&page=2",
        "/dashboard/group/district/?year=2566&sort=name",
        "/dashboard/group/district/?year=2566&all=1",
        "/dashboard/agency/0100/?year=2566&sort=worst",
        f"/dashboard/strategy/{plan['area7'].pk}/?year=2566&sort=worst",
        f"/dashboard/strategy/{plan['goal'].pk}/?year=2566",
        "/dashboard/dimension/1/?year=2566",
    ]
    pages += [p.replace("/dashboard/", "/dashboard/staff/") for p in pages]

    def measure() -> dict[str, int]:
        assert client.login(username=evaluator.username, password=PASSWORD)
        counts = {}
        for url in pages:
            if "/staff/" not in url:
                client.logout()
            elif "_auth_user_id" not in client.session:
                assert client.login(username=evaluator.username, password=PASSWORD)
            with django_assert_max_num_queries(40) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            assert len(response.content) <= MAX_PAGE_BYTES, (url, len(response.content))
            counts[url] = len(captured.captured_queries)
        return counts

    small = measure()
    agencies = many_agencies(fiscal_year, unit_percent, plan, 590, first=1000)
    Indicator.objects.update(dimension=dimension)
    assert Agency.objects.count() == 600
    large = measure()
    assert large == small
    html = client.get("/dashboard/group/all/?year=2566").content.decode()
    assert "(600)" in html and len(ranked_codes(html)) == views.PAGE_SIZE
    assert len(ranked_codes(client.get("/dashboard/group/district/?year=2566&all=1").content.decode())) == 300
    assert agencies[-1].code == "1589"


def test_a_public_drill_down_page_is_cached_until_its_year_changes(settings, client, grow_year, agency_a):
    from django.core.cache import cache

    from citykpi.publicdata import versions

    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    grow_year(agency_a, [25, 50])
    url = "/dashboard/group/all/?year=2566&sort=worst"
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"
    versions.bump([versions.year(2566)])
    assert client.get(url)["X-Cache"] == "miss"
    versions.bump([versions.year(2565)])
    assert client.get(url)["X-Cache"] == "hit"
    cache.clear()


def test_an_executive_lands_on_the_dashboard_after_signing_in_and_a_reporter_on_their_work(
    client, executive, reporter_a
):
    response = client.post("/accounts/login/", {"username": executive.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/staff/"
    client.logout()
    response = client.post("/accounts/login/", {"username": reporter_a.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/work/"
    client.logout()
    response = client.post(
        "/accounts/login/?next=/quality/", {"username": executive.username, "password": PASSWORD}
    )
    assert response["Location"] == "/quality/"  # an explicit destination still wins


def test_the_print_stylesheet_hides_navigation_and_filters_and_unclips_scroll_boxes():
    from pathlib import Path

    css = (Path(views.__file__).parent / "static" / "dashboards" / "dashboards.css").read_text()
    printing = css.split("@media print {", 1)[1]
    for hidden in (".year-form", ".site-nav", ".sort-links", ".print-all", ".pager"):
        assert hidden in printing.split("display:none", 1)[0]
    assert ".scroll-box, .table-wrap { max-height:none; overflow:visible; }" in printing
    assert "details::details-content" in printing
