"""The public KPI page /kpi/<code>/ and its print page: every fact of the legacy seed
page, in the seed's order, from published data only."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from citykpi.evaluation.models import Assessment
from citykpi.portal.tests.pagetext import assert_in_order, table_rows, visible_text
from citykpi.publicdata.kpi_page import Headline, headline, kpi_page_context
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode


def seed_facts_in_order(seed) -> list[str]:
    return [
        "รายละเอียดตัวชี้วัด",
        seed.title_line,
        f"ค่าเป้าหมาย {seed.unit} : {seed.target}",
        f"ผลงานที่ทำได้ {seed.unit} : {seed.achieved}",
        f"ประเภทตัวชี้วัด : {seed.kpi_type}",
        f"({seed.level})",
        seed.counter,
        "รายละเอียดตัวชี้วัดฯ : พิมพ์ข้อมูล",
        f"*** สยป. ตรวจประเมินตัวชี้วัด : ไตรมาสที่ {seed.headline_quarter}: {seed.headline_score}",
        "ผลงานเทียบกับเป้าหมายรายไตรมาส",
        *[piece for q in (1, 2, 3, 4) for piece in (f"รายงานผลฯ ไตรมาสที่ {q}", seed.narratives[q])],
        "** สรุปผลการดำเนินงาน **",
        "นิยาม หรือความหมายของตัวชี้วัด",
        seed.definition,
        "วิธีการคำนวณ หรือ เกณฑ์การประเมิน",
        seed.calculation,
        "วิธีการการเก็บข้อมูล/แหล่งข้อมูล",
        seed.collection,
        "สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ",
        *seed.strategy_lines,
        "โครงการ/กิจกรรมที่สนับสนุนตัวชี้วัด",
        "ฐานข้อมูลประกอบตัวชี้วัดการพัฒนาเมือง",
    ]


def assert_page_shows_the_seed(markup: str, seed) -> None:
    text = visible_text(markup)
    assert_in_order(text, seed_facts_in_order(seed))
    # The unlabelled legacy counter is shown as it is, with a title saying its meaning is unknown.
    assert re.search(
        r'class="legacy-counter" title="[^"]*ไม่ทราบความหมาย[^"]*">' + re.escape(seed.counter) + "<", markup
    )
    rows = table_rows(markup, "quarter-table")
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    for row, seed_row in zip(rows, seed.rows):
        # quarter | planned | result (2 decimals, as the seed) | score | 2.1 / 2.2
        assert row[2] == seed_row.result
        assert row[3] == seed_row.score
        assert row[4] == seed_row.components


@pytest.fixture(params=["portal_seed_kpi", "demo_seed_kpi"])
def seed_kpi(request):
    return request.getfixturevalue(request.param)


def test_the_seed_kpi_page_shows_every_fact_of_the_seed_in_order(client, seed_kpi, seed_page):
    response = client.get(reverse("portal:kpi", args=[seed_page.code]))
    assert response.status_code == 200
    assert_page_shows_the_seed(response.content.decode(), seed_page)


def test_the_seed_kpi_page_links_to_print_home_back_and_the_city_indicators_of_its_area(
    client, seed_kpi, seed_page
):
    markup = client.get(reverse("portal:kpi", args=[seed_page.code])).content.decode()
    assert f'href="{reverse("portal:kpi_print", args=[seed_page.code])}"' in markup
    assert f'href="{reverse("portal:home")}">หน้าแรก<' in markup
    assert ">ย้อนกลับ<" in markup
    area = seed_kpi.strategy_nodes.get().plan.nodes.get(path="7")
    assert f"{reverse('portal:city_indicators')}?node={area.pk}" in markup


def test_the_print_page_shows_the_same_facts_in_an_a4_layout_with_the_sarabun_font(
    client, seed_kpi, seed_page
):
    response = client.get(reverse("portal:kpi_print", args=[seed_page.code]))
    assert response.status_code == 200
    markup = response.content.decode()
    facts = [
        fact
        for fact in seed_facts_in_order(seed_page)
        if fact not in ("รายละเอียดตัวชี้วัดฯ : พิมพ์ข้อมูล", "ฐานข้อมูลประกอบตัวชี้วัดการพัฒนาเมือง")
    ]
    assert_in_order(visible_text(markup), facts)
    assert "/static/portal/fonts/Sarabun-Regular.ttf" in markup
    assert "/static/portal/print.css" in markup
    assert 'class="site-header"' not in markup


def test_the_print_stylesheet_is_a4_16pt_never_justified_and_never_names_th_sarabun_new():
    from django.contrib.staticfiles import finders

    css = open(finders.find("portal/print.css"), encoding="utf-8").read()
    assert "size: A4" in css
    assert "font-size: 16pt" in css
    assert re.search(r"line-height: 1\.[5-9]", css)
    for path in ("portal/print.css", "portal/site.css"):
        text = open(finders.find(path), encoding="utf-8").read()
        assert not re.search(r"text-align:\s*justify", text)
        assert "TH Sarabun New" not in text
    assert finders.find("portal/fonts/Sarabun-Regular.ttf")
    assert finders.find("portal/fonts/Sarabun-Bold.ttf")
    assert finders.find("portal/fonts/OFL.txt")


def test_the_headline_is_the_latest_assessed_quarter_not_the_latest_scored_one(seed_kpi):
    quarters = QuarterReport.objects.filter(indicator=seed_kpi).select_related("assessment")
    assert headline(quarters) == Headline(2, Decimal("100"))
    assert headline(seed_kpi) == Headline(2, Decimal("100"))
    assert headline(seed_kpi).as_dict() == {"quarter": 2, "score": "100.0000"}


def test_the_headline_moves_when_a_later_quarter_is_assessed(client, portal_seed_kpi):
    q4 = portal_seed_kpi.quarters.get(quarter=4)
    q4.status = QuarterReport.Status.ASSESSED
    q4.save(update_fields=["status"])
    Assessment.objects.filter(quarter_report=q4).update(score=Decimal("87.5"))
    text = visible_text(client.get(reverse("portal:kpi", args=[portal_seed_kpi.code])).content.decode())
    assert "ไตรมาสที่ 4: 87.5" in text


def test_a_kpi_without_any_assessment_says_so_and_shows_dashes(client, make_indicator, agency_a):
    kpi = make_indicator(agency_a)
    QuarterReport.objects.create(
        indicator=kpi, quarter=1, result=Decimal("12.5"), status=QuarterReport.Status.SUBMITTED
    )
    markup = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    assert "ยังไม่ได้ตรวจประเมิน" in visible_text(markup)
    rows = table_rows(markup, "quarter-table")
    assert rows[0][2:] == ["12.50", "–", "–"]
    assert rows[1][2:] == ["–", "–", "–"]


def test_drafts_and_returned_quarters_never_show_their_results_narratives_or_scores(
    client, make_indicator, agency_a
):
    kpi = make_indicator(agency_a)
    draft = QuarterReport.objects.create(
        indicator=kpi,
        quarter=1,
        result=Decimal("33.3"),
        narrative="ร่างลับยังไม่ส่ง",
        status=QuarterReport.Status.DRAFT,
    )
    Assessment.objects.create(
        quarter_report=draft, score=Decimal("77"), components={"2.1": "71", "2.2": "72"}
    )
    QuarterReport.objects.create(
        indicator=kpi,
        quarter=2,
        result=Decimal("44.4"),
        narrative="ส่งกลับแก้ไข",
        status=QuarterReport.Status.RETURNED,
    )
    markup = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    for secret in ("33.30", "ร่างลับยังไม่ส่ง", "77", "71 / 72", "44.40", "ส่งกลับแก้ไข"):
        assert secret not in markup
    assert "ยังไม่มีรายงานที่เผยแพร่" in markup


def test_narratives_with_script_tags_are_escaped(client, make_indicator, agency_a):
    kpi = make_indicator(agency_a, definition="<b>นิยาม</b>")
    QuarterReport.objects.create(
        indicator=kpi,
        quarter=1,
        narrative='<script>alert("x")</script> ผลงาน',
        status=QuarterReport.Status.SUBMITTED,
    )
    markup = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    assert '<script>alert("x")</script>' not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ผลงาน" in markup
    assert "&lt;b&gt;นิยาม&lt;/b&gt;" in markup


def test_an_unpublished_kpi_is_not_found(client, make_indicator, agency_a):
    kpi = make_indicator(agency_a, is_published=False)
    assert client.get(reverse("portal:kpi", args=[kpi.code])).status_code == 404
    assert client.get(reverse("portal:kpi_print", args=[kpi.code])).status_code == 404


def test_a_kpi_code_typed_with_thai_digits_finds_the_kpi(client, portal_seed_kpi):
    assert client.get("/kpi/๐๔๐๙-๐๙๕๐/").status_code == 200


def test_the_milestone_level_table_is_shown_for_a_milestone_kpi(client, portal_seed_kpi):
    markup = client.get(reverse("portal:kpi", args=[portal_seed_kpi.code])).content.decode()
    rows = table_rows(markup, "milestones")
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert rows[4][2:] == ["100", "10"]


def test_other_plans_nodes_and_supporting_projects_are_listed(client, kpi_world):
    kpi = kpi_world(1)[0]
    markup = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    text = visible_text(markup)
    assert_in_order(
        text,
        [
            "สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ",
            ":๑ มหานครปลอดภัย",
            ":๑.๑ ปลอดมลพิษ",
            "นโยบายผู้ว่าฯ",
            ":๓ เดินทางดี",
            "โครงการ/กิจกรรมที่สนับสนุนตัวชี้วัด",
            "03000000-0001",
            "โครงการ 1",
            "50",
        ],
    )
    assert reverse("portal:project", args=["03000000-0001"]) in markup


def test_the_kpi_page_context_is_built_in_a_constant_number_of_queries(
    kpi_world, django_assert_max_num_queries
):
    from citykpi.publicdata.kpi_page import public_indicators

    kpi = public_indicators().get(code=kpi_world(1)[0].code)
    # Quarters, milestone levels, strategy nodes, their ancestors, projects, and the year's
    # data-quality limits (the notes on doubtful values, issue #14.4).
    with django_assert_max_num_queries(6):
        context = kpi_page_context(kpi)
    assert context["headline"] == Headline(2, Decimal("90"))
    assert len(context["quarter_rows"]) == 4


def test_the_kpi_page_query_count_does_not_grow_with_the_data(
    client, kpi_world, django_assert_max_num_queries
):
    first = kpi_world(3)[0]
    url = reverse("portal:kpi", args=[first.code])
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    # 30 more KPIs, and many more projects and strategy links on this one.
    more = kpi_world(30)
    first.projects.add(*[project for kpi in more for project in kpi.projects.all()])
    goal = first.strategy_nodes.get(path="1.1")
    for n in range(1, 11):
        first.strategy_nodes.add(
            StrategyNode.objects.create(plan=goal.plan, parent=goal, path=f"1.1.{n}", title=f"เป้าหมายย่อย {n}")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["projects"]) == 31
    assert len(response.context["strategy_primary"]) == 10
