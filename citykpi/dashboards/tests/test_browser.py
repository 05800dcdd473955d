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
            assert page.locator("svg[role=img]").count() >= 5
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
            tile = page.locator("a.st-off_track")
            assert tile.locator("strong").inner_text() == "1"
            tile.click()
            assert "status=off_track" in page.url and "year=2566" in page.url
        finally:
            browser.close()
