"""A citizen opens the seed KPI page in a real browser (Debian's Chromium), on a desktop
and on a 360 px phone; the screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest

from citykpi.conftest import SCREENSHOTS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_citizen_reads_the_seed_kpi_page_on_a_desktop_and_on_a_phone(
    live_server, browser, seed_page, settings, request
):
    # The live server speaks plain HTTP: cookies (CSRF for the language switch) must not be Secure-only.
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    request.getfixturevalue("portal_seed_kpi")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = f"{live_server.url}/kpi/{seed_page.code}/"

    # A Thai reader's browser (the site follows Accept-Language until ThaiFirstMiddleware is installed).
    page = browser.new_page(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False, locale="th-TH"
    )
    page.goto(url)
    assert page.title().startswith(seed_page.code)
    body = page.inner_text("main")
    assert seed_page.name in body
    assert f"ไตรมาสที่ {seed_page.headline_quarter}: {seed_page.headline_score}" in body
    assert page.inner_text(".quarter-table tbody tr:first-child .q-result") == seed_page.rows[0].result
    assert page.evaluate("getComputedStyle(document.body).lineHeight") != "normal"
    page.screenshot(path=str(SCREENSHOTS / "kpi-0409-0950.png"), full_page=True)

    phone = browser.new_page(
        viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True, locale="th-TH"
    )
    phone.goto(url)
    # Nothing wider than the phone: no sideways scrolling of the page itself.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.is_visible("text=ผลงานเทียบกับเป้าหมายรายไตรมาส")
    phone.screenshot(path=str(SCREENSHOTS / "kpi-0409-0950-phone.png"), full_page=True)

    # The finder on the phone: search by code, without JavaScript, lands on the KPI.
    phone.goto(f"{live_server.url}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.fill("input[name=q]", seed_page.code)
    phone.click("form.finder button[type=submit]")
    assert "พบ 1 ตัวชี้วัด" in phone.inner_text("main")
    phone.screenshot(path=str(SCREENSHOTS / "home-phone.png"), full_page=True)
    phone.click(f"text={seed_page.code}")
    assert phone.url.endswith(f"/kpi/{seed_page.code}/")

    # The print link leads to the A4 page; the English switch works without JavaScript.
    page.click("text=พิมพ์ข้อมูล")
    assert page.url.endswith(f"/kpi/{seed_page.code}/print/")
    page.screenshot(path=str(SCREENSHOTS / "kpi-0409-0950-print.png"), full_page=True)
    page.goto(url)
    page.click("button[name=language][value=en]")
    assert "Indicator details" in page.inner_text("main")
    phone.close()
    page.close()
