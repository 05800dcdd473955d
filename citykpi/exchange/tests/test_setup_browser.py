"""Day one in a real browser (Debian's Chromium): on an empty instance the administrator
sees the first-run checklist, follows it to the setup page, uploads a workbook with
mistakes (the problems, no confirmation), then the sample workbook
(docs/samples/setup-demo.xlsx), reads the dry run, confirms, and the checklist moves on.
Screenshots at 1366 and 390 px land in var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from citykpi.agencies.models import Agency
from citykpi.conftest import SCREENSHOTS
from citykpi.exchange.setup import workbook as W
from citykpi.indicators.models import Indicator
from citykpi.workspace.tests.test_browser import log_in

SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "setup-demo.xlsx"
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def broken_sample(folder: Path) -> Path:
    """The sample with two mistakes: a KPI without its unit, an agency under an unknown parent."""
    book = load_workbook(SAMPLE)
    book[W.KPIS.title].cell(row=W.FIRST_ROW, column=W.KPIS.index("unit")).value = None
    book[W.AGENCIES.title].cell(row=W.FIRST_ROW, column=W.AGENCIES.index("parent")).value = "9999"
    path = folder / "setup-broken.xlsx"
    book.save(path)
    return path


def shoot(page, name: str) -> None:
    for label, size in (("1366", WIDE), ("390", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_administrator_builds_a_city_from_the_checklist_and_the_sample_workbook(
    live_server, browser, settings, administrator, tmp_path
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    assert not Agency.objects.exists()

    page = log_in(browser, base, administrator.username, WIDE)
    checklist = page.locator("#first-run-checklist")
    assert checklist.is_visible()
    for key in ("organisation", "people", "plans", "year", "kpis", "approvals", "published"):
        assert "ยังไม่ครบ" in page.inner_text(f"#step-{key}"), key
    shoot(page, "setup-checklist-empty")

    page.click("#step-organisation a")
    page.wait_for_url(f"{base}/exchange/setup/")
    assert "สมุดงานตั้งค่าระบบ" in page.inner_text("h1")
    shoot(page, "setup-page-empty")

    # A file with mistakes: every problem by sheet, row and column, and no way to commit.
    page.set_input_files("#setup-file", str(broken_sample(tmp_path)))
    page.click("#setup-upload-form button[type=submit]")
    page.wait_for_selector("#setup-problems")
    problems = page.inner_text("#setup-problems")
    assert "ตัวชี้วัด (KPIs)" in problems and "“Unit” is required" in problems
    assert "หน่วยงาน (Agencies)" in problems and "9999" in problems
    assert page.locator("#setup-confirm").count() == 0
    shoot(page, "setup-dry-run-problems")
    page.click("text=กลับ")

    page.set_input_files("#setup-file", str(SAMPLE))
    page.click("#setup-upload-form button[type=submit]")

    page.wait_for_selector("#setup-counts")
    assert "ยังไม่บันทึก" in page.inner_text("h1")
    counts = page.inner_text("#setup-counts")
    assert "ตัวชี้วัด (KPIs)" in counts and "หน่วยงาน (Agencies)" in counts
    assert page.locator("#setup-problems").count() == 0
    assert not Agency.objects.exists()  # a dry run writes nothing
    shoot(page, "setup-dry-run")

    page.click("#setup-confirm")
    page.wait_for_selector("#setup-saved")
    assert Agency.objects.count() == 20 and Indicator.objects.count() > 100
    shoot(page, "setup-imported")

    page.goto(f"{base}/work/")
    for key in ("organisation", "plans", "year", "kpis"):
        assert "เรียบร้อย" in page.inner_text(f"#step-{key}"), key
    # The people came without passwords; approvals and publishing are the evaluator's.
    for key in ("people", "approvals", "published"):
        assert "ยังไม่ครบ" in page.inner_text(f"#step-{key}"), key
    assert "ยังไม่ได้ตั้งรหัสผ่าน" in page.inner_text("#step-people")
    shoot(page, "setup-checklist-after")
