"""The strategy tree /strategy/ and the city indicator pages /city-indicators/."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from citykpi.cityindicators.models import CityIndicator, CityIndicatorValue
from citykpi.portal.tests.pagetext import assert_in_order, table_rows, visible_text
from citykpi.strategy.models import StrategyNode


def test_the_strategy_tree_counts_each_nodes_kpis_including_descendants_once(client, kpi_world):
    kpis = kpi_world(3)
    area = StrategyNode.objects.get(plan__code="world-plan", path="1")
    goal = StrategyNode.objects.get(plan__code="world-plan", path="1.1")
    # Linked to the area and the goal under it: still one KPI for the area.
    kpis[0].strategy_nodes.add(area)
    # A node whose path merely starts with the same digits is not a descendant.
    StrategyNode.objects.create(plan=area.plan, path="11", title="ด้านอื่น")
    response = client.get(reverse("portal:strategy"))
    assert response.status_code == 200
    counts = {
        node.path: node.kpi_count
        for e in response.context["plans"]
        for node in e["nodes"]
        if node.plan_id == area.plan_id
    }
    assert counts == {"1": 3, "1.1": 3, "11": 0}
    markup = response.content.decode()
    assert f"?node={goal.pk}&amp;year=2566" in markup
    assert_in_order(
        visible_text(markup),
        ["แผนทดสอบ", "๑ มหานครปลอดภัย (3)", "๑.๑ ปลอดมลพิษ (3)", "นโยบายผู้ว่าฯ", "๓ เดินทางดี (3)"],
    )


def test_the_strategy_tree_query_count_does_not_grow_with_the_data(
    client, kpi_world, django_assert_max_num_queries
):
    kpi_world(3)
    with django_assert_max_num_queries(6) as few:
        client.get(reverse("portal:strategy"))
    kpi_world(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("portal:strategy"), {"year": "abc"}).status_code == 200


def make_city_indicator(area: StrategyNode) -> CityIndicator:
    item = CityIndicator.objects.create(
        id=87,
        list_label="๑.",
        name="ร้อยละของการรับรู้และการมีส่วนร่วมในการติดตามตรวจสอบ",
        catalogue="โครงการจัดทำฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (2562-2563)",
        target_text="20 ของประชาชนที่ทำการสำรวจ",
        data_kind="ตัวชี้วัดเป้าประสงค์",
        definition="การรับรู้ หมายถึง ...",
        calculation_method="จำนวนผู้ตอบ x 100 / ทั้งหมด",
    )
    item.strategy_nodes.add(area.children.get())
    CityIndicatorValue.objects.create(indicator=item, year=2562, value=Decimal("18.5"))
    CityIndicatorValue.objects.create(indicator=item, year=2563, value=Decimal("21"))
    return item


def test_the_city_indicator_page_shows_target_kind_strategy_definition_and_values_per_year(client, kpi_world):
    kpi_world(1)
    area = StrategyNode.objects.get(plan__code="world-plan", path="1")
    item = make_city_indicator(area)
    response = client.get(reverse("portal:city_indicator", args=[item.pk]))
    assert response.status_code == 200
    markup = response.content.decode()
    assert_in_order(
        visible_text(markup),
        [
            "โครงการจัดทำฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (2562-2563)",
            "๑. ร้อยละของการรับรู้",
            ": 87",
            "ค่าเป้าหมาย",
            "20 ของประชาชนที่ทำการสำรวจ",
            "ลักษณะข้อมูล : ตัวชี้วัดเป้าประสงค์",
            ":๑ มหานครปลอดภัย",
            ":๑.๑ ปลอดมลพิษ",
            "การรับรู้ หมายถึง",
            "จำนวนผู้ตอบ",
        ],
    )
    assert table_rows(markup, "quarter-table values-table") == [["2562", "18.5", ""], ["2563", "21", ""]]


def test_the_city_indicator_list_filters_by_the_area_a_kpi_page_links_to(client, kpi_world):
    kpi = kpi_world(1)[0]
    area = StrategyNode.objects.get(plan__code="world-plan", path="1")
    item = make_city_indicator(area)
    CityIndicator.objects.create(id=88, name="ตัวชี้วัดเมืองอื่น")
    kpi_page = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    link = f"{reverse('portal:city_indicators')}?node={area.pk}"
    assert link in kpi_page
    response = client.get(link)
    assert [i.pk for i in response.context["page"].object_list] == [item.pk]
    assert len(client.get(reverse("portal:city_indicators")).context["page"].object_list) == 2
    assert client.get(reverse("portal:city_indicators"), {"node": "abc", "page": "-3"}).status_code == 200


def test_an_unknown_or_unpublished_city_indicator_is_a_404(client, db):
    CityIndicator.objects.create(id=5, name="ยังไม่เผยแพร่", is_published=False)
    assert client.get(reverse("portal:city_indicator", args=[5])).status_code == 404
    assert client.get(reverse("portal:city_indicator", args=[404404])).status_code == 404
