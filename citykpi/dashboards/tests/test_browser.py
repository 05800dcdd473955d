"""A person opens the public dashboard in a real Chromium, follows a count to its list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from citykpi.conftest import CHROMIUM_ARGS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_sees_the_year_in_charts_and_follows_a_count(
    live_server, grow_year, agency_a, agency_b, plan
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    grow_year(agency_a, [25, 50], weight=50)
    grow_year(agency_a, [20, 42], weight=50, node=plan["area5"])
    grow_year(agency_b, [10, 20], weight=60)
    grow_year(agency_b, [25, 50], weight=40)
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="th-TH", java_script_enabled=False
            )
            page.goto(f"{live_server.url}/dashboard/?year=2566")
            assert page.locator("h1").inner_text().startswith("ภาพรวมตัวชี้วัดกรุงเทพมหานคร")
            assert page.locator("svg.chart:is([role=img], [role=group])[aria-label]").count() >= 5
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
            tile = page.locator("a.st-off_track")
            assert tile.locator("strong").inner_text() == "1"
            tile.click()
            assert "status=off_track" in page.url and "year=2566" in page.url
        finally:
            browser.close()


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{page.url}: the page is {width[0]} px wide in a {width[1]} px window"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_executive_drills_down_from_the_overview_to_a_group_and_an_agency_on_a_phone(
    live_server, browser, grow_year, agency_a, agency_b, plan
):
    from citykpi.agencies.models import Agency
    from citykpi.conftest import SCREENSHOTS
    from citykpi.strategy.models import StrategyNode

    dimension = StrategyNode.objects.create(
        plan=plan["plan"], path="7.3", parent=plan["area7"], title="บุคลากรมืออาชีพและการบริหารทรัพยากรบุคคล"
    )
    grow_year(agency_a, [25, 50], weight=50, node=dimension)
    grow_year(agency_a, [10, 12], weight=50)
    grow_year(agency_b, [20, 42], weight=100, node=plan["area5"])
    for n in range(6):
        other = Agency.objects.create(
            code=f"01{n:02d}", name_th=f"สำนักการทดสอบระบบติดตามและประเมินผลที่มีชื่อยาวมาก {n}"
        )
        grow_year(other, [25, 20 + 15 * n], weight=100)  # 40, 70, then 100
    for width, height in ((390, 844), (1366, 900)):
        page = browser.new_page(viewport={"width": width, "height": height}, locale="th-TH")
        page.goto(f"{live_server.url}/dashboard/?year=2566")
        _no_horizontal_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-overview-{width}.png"), full_page=True)
        # Printing the overview: no navigation or filters, every row (closed areas open).
        page.emulate_media(media="print")
        assert not page.locator(".site-nav").is_visible() and not page.locator(".year-form").is_visible()
        assert page.locator(".roll-child").first.is_visible()
        page.emulate_media(media="screen")
        page.locator("#h-agency").locator("xpath=..").get_by_role("link", name="สำนัก", exact=True).click()
        assert "/dashboard/group/department/" in page.url
        _no_horizontal_scroll(page)
        page.get_by_role("link", name="คะแนนต่ำสุดก่อน").click()
        assert "sort=worst" in page.url
        rows = page.locator("table.ranking tbody tr")
        assert "0100" in rows.first.inner_text()  # Q2 20 of 50 planned: 40, the worst department
        assert "0409" in rows.nth(1).inner_text()  # (100 + 24) / 2 = 62
        _no_horizontal_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-group-{width}.png"), full_page=True)
        rows.nth(1).get_by_role("link").first.click()
        assert "/dashboard/agency/0409/" in page.url
        assert page.locator("h1").inner_text().startswith("0409 สถาบันพัฒนาข้าราชการกรุงเทพมหานคร")
        _no_horizontal_scroll(page)
        page.get_by_role("link", name="แย่ที่สุดก่อน").click()
        assert page.locator("table.ranking .badge").first.inner_text() == "ไม่เป็นไปตามเป้าหมาย"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-agency-{width}.png"), full_page=True)
        page.get_by_role("link", name="สำนัก", exact=True).click()  # the crumbs lead back up
        page.get_by_role("link", name="แสดงทุกแถวเพื่อพิมพ์").click()
        assert "all=1" in page.url and page.locator("table.ranking tbody tr").count() == 7
        page.emulate_media(media="print")
        assert not page.locator(".sort-links").is_visible() and not page.locator(".site-header").is_visible()
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-print-all-{width}.png"), full_page=True)
        page.close()
