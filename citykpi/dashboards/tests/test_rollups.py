"""Roll-ups on the dashboards: per strategy area (with its dimensions x.y one level down)
and per evaluation dimension, each with its weighted score and KPIs by status, every
number linked to the home page's list; the agencies' table; the quarter-summary PDF links."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from citykpi.conftest import PASSWORD
from citykpi.dashboards.data import year_overview
from citykpi.indicators.models import EvaluationDimension
from citykpi.strategy.models import StrategyNode

pytestmark = pytest.mark.django_db


@pytest.fixture
def dim73(plan):
    return StrategyNode.objects.create(
        plan=plan["plan"], path="7.3", parent=plan["area7"], title="บุคลากรมืออาชีพ"
    )


@pytest.fixture
def dimension1(db):
    return EvaluationDimension.objects.create(
        number=1, name_th="ด้านประสิทธิผลตามพันธกิจ", name_en="Effectiveness"
    )


def _with_dimension(kpi, dimension):
    kpi.dimension = dimension
    kpi.save(update_fields=["dimension"])
    return kpi


def test_a_kpi_counts_once_for_its_area_and_its_dimension_whatever_the_number_of_links(
    grow_year, agency_a, agency_b, plan, dim73
):
    both = grow_year(agency_a, [25, 50], weight=50, node=dim73)  # on plan: 100
    both.strategy_nodes.add(plan["goal"])  # 7.3.1, also under 7.3 and 7
    grow_year(agency_b, [25, 25], weight=100, node=plan["area7"])  # 50 % of plan: off track
    grow_year(agency_a, [20, 42], weight=50, node=plan["area5"])  # 84: at risk
    areas = {a["path"]: a for a in year_overview(2566, public=True).node_rollup()}
    assert list(areas) == ["5", "7"]  # plan order
    area7 = areas["7"]
    assert area7["total"] == 2 and area7["counts"] == {"on_track": 1, "off_track": 1}
    # Weighted: (100 × 50 + 50 × 100) ÷ 150
    assert area7["score"].value == Decimal("66.67")
    assert [(c["path"], c["total"], c["score"].value) for c in area7["children"]] == [
        ("7.3", 1, Decimal(100))
    ]
    assert areas["5"]["counts"] == {"at_risk": 1} and areas["5"]["children"] == []


def test_the_public_dashboard_shows_areas_with_their_dimensions_and_links_every_number(
    client, grow_year, agency_a, plan, dim73
):
    grow_year(agency_a, [25, 50], node=dim73)
    grow_year(agency_a, [20, 42], node=dim73)
    html = client.get("/dashboard/?year=2566").content.decode()
    area = plan["area7"].pk
    # One row group per area: the area's row, then its dimensions' rows.
    group = re.search(r'<tbody class="roll-area">(.*?)</tbody>', html, re.S).group(1)
    summary = re.search(r'<tr class="roll-area-row">(.*?)</tr>', group, re.S).group(1)
    assert f'href="/?year=2566&amp;node={area}"' in summary and "การบริหารจัดการเมืองมหานคร" in summary
    assert f'href="/?year=2566&amp;node={area}&amp;status=on_track">1</a>' in summary
    assert f'href="/?year=2566&amp;node={area}&amp;status=at_risk">1</a>' in summary
    assert f'href="/?year=2566&amp;node={area}">2</a>' in summary  # the KPIs in all
    child = group.split("</tr>", 1)[1]
    assert "roll-child" in child and "บุคลากรมืออาชีพ" in child
    assert f'href="/?year=2566&amp;node={dim73.pk}&amp;status=at_risk">1</a>' in child


def test_the_public_dashboard_shows_evaluation_dimensions_with_weighted_score_and_linked_counts(
    client, grow_year, agency_a, agency_b, dimension1
):
    _with_dimension(grow_year(agency_a, [25, 50], weight=60), dimension1)
    _with_dimension(grow_year(agency_a, [25, 25], weight=40), dimension1)
    grow_year(agency_b, [25, 50])  # no dimension
    html = client.get("/dashboard/?year=2566").content.decode()
    section = html.split('id="h-dim"', 1)[1].split("</section>", 1)[0]
    row = re.search(
        r"<tr><td><a href=\"/dashboard/dimension/1/\?year=2566\">มิติที่ 1 ด้านประสิทธิผลตามพันธกิจ</a></td>(.*?)</tr>",
        section,
        re.S,
    )
    assert row, section  # the label opens the dimension's ranking of agencies
    assert 'href="/?year=2566&amp;dimension=1">2</a>' in row.group(1)  # the KPIs in all: their list
    assert '<td class="num">80.00</td>' in row.group(1)  # 0.6 × 100 + 0.4 × 50
    assert 'href="/?year=2566&amp;dimension=1&amp;status=off_track">1</a>' in row.group(1)
    assert 'href="/?year=2566&amp;dimension=1&amp;status=on_track">1</a>' in row.group(1)
    assert "ตัวชี้วัดที่ไม่ได้ระบุมิติการประเมิน: 1" in section


def test_the_agencies_table_ranks_by_score_and_links_each_status_count(client, grow_year, agency_a, agency_b):
    grow_year(agency_a, [25, 25])  # 50
    grow_year(agency_b, [25, 50])  # 100
    # The agencies' table is the overview's "every agency" drill-down now (bounded at any scale).
    html = client.get("/dashboard/group/all/?year=2566").content.decode()
    section = html.split('id="h-ranking"', 1)[1].split("</section>", 1)[0]
    assert section.index("5047") < section.index("0409")
    assert 'href="/?year=2566&amp;agency=0409&amp;status=off_track">1</a>' in section
    assert section.count('class="chart mini"') == 2


def test_the_roll_ups_keep_the_dashboard_query_count_flat(
    client, grow_year, agency_a, agency_b, plan, dim73, dimension1, django_assert_max_num_queries
):
    _with_dimension(grow_year(agency_a, [25, 50], node=dim73), dimension1)
    with django_assert_max_num_queries(14) as small:
        client.get("/dashboard/?year=2566")
    for n in range(15):
        _with_dimension(grow_year(agency_b, [20, 30], node=dim73 if n % 2 else plan["area5"]), dimension1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/dashboard/?year=2566")


def test_the_staff_dashboard_links_the_quarter_summary_pdf_for_city_wide_viewers_only(
    client, evaluator, executive, reporter_a, grow_year, agency_a
):
    grow_year(agency_a, [25, 50])
    for user in (evaluator, executive):
        assert client.login(username=user.username, password=PASSWORD)
        html = client.get("/dashboard/staff/?year=2566").content.decode()
        assert all(f"/reports/quarter-summary.pdf?year=2566&amp;quarter={q}" in html for q in (1, 2, 3, 4))
        client.logout()
    assert client.login(username=reporter_a.username, password=PASSWORD)
    assert "quarter-summary.pdf" not in client.get("/dashboard/staff/?year=2566").content.decode()
