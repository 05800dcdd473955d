"""The evaluator assigns a template to five district offices in a real browser (Debian's
Chromium); the screenshot lands in var/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from citykpi.indicators.models import Indicator

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright runs an event loop
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's Chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_evaluator_assigns_a_template_to_five_districts(
    live_server, browser, settings, evaluator, template, districts, fiscal_year
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    session = Client()
    session.force_login(evaluator)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()

    page.goto(f"{live_server.url}/setup/templates/")
    page.click(f"text={template.name}")
    page.click("text=มอบหมายให้หน่วยงาน")
    page.select_option("select[name=fiscal_year]", "2566")
    for agency in districts[:5]:
        page.check(f"input[name=agencies][value='{agency.pk}']")
    page.fill("input[name=target]", "๓๐")
    for quarter, value in zip((1, 2, 3, 4), ("5", "10", "20", "30"), strict=True):
        page.fill(f"input[name=q{quarter}]", value)
    page.fill("input[name=weight]", "10")
    page.screenshot(path=str(SCREENSHOTS / "planning-assign-form.png"), full_page=True)
    page.click("button[type=submit]:has-text('มอบหมาย')")

    page.wait_for_selector("#assignments")
    rows = page.locator("#assignments tbody tr")
    assert rows.count() == 5
    body = page.inner_text("#assignments")
    for agency in districts[:5]:
        assert agency.name_th in body
    assert districts[5].name_th not in body
    assert "มอบหมายให้ 5 หน่วยงานแล้ว" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "planning-template-assignments.png"), full_page=True)
    assert Indicator.objects.filter(template=template, target=30).count() == 5
    context.close()
