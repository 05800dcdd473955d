"""A red quarter in a real browser (Debian's Chromium, #15): the head's submit is refused
until a cause and a corrective action are given, the claimed level cites an official
letter, the evaluator reads them beside the result, the next quarter's form lists the
action to update, and the public KPI page shows cause, action and letter. Screenshots at
1366 and 390 px wide land in var/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from citykpi.conftest import SCREENSHOTS
from citykpi.indicators.models import Indicator
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.test_browser import log_in

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_red_quarter_is_explained_before_it_goes_and_shows_on_the_public_page(
    live_server, browser, settings, make_indicator, agency_a, current_year, unit_level, head_a, evaluator
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    kpi = make_indicator(
        agency_a,
        fiscal_year=current_year,
        unit=unit_level,
        target=Decimal(5),
        scoring_method=Indicator.Method.MILESTONE,
        name="ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัล",
    )
    q1 = reporting.get_quarter(kpi, 1)
    QuarterReport.objects.filter(pk=q1.pk).update(planned_target=Decimal(2))
    base = live_server.url
    quarter_url = f"{base}/work/kpi/{kpi.code}/q/1/"

    # The head reports level 1 where the plan says 2 and tries to submit: refused.
    head = log_in(browser, base, head_a.username, viewport=WIDE)
    head.goto(quarter_url)
    head.fill("#id_result", "๑")
    head.fill("#id_narrative", "แต่งตั้งคณะทำงานแล้ว ยังไม่ได้ยกร่างแผน")
    head.click("button[name=action][value=save]")
    assert "ต่ำกว่าแผน" in head.inner_text("#red-note")
    head.click("button[name=action][value=submit]")  # the confirmation's trial submit is refused
    assert "สาเหตุ" in head.inner_text("#form-error")
    assert "ร่าง" in head.inner_text("#status")

    # A cause, a corrective action with owner and due date, a letter for the claimed level.
    head.goto(quarter_url)
    head.select_option("#id_category", "staffing")
    head.fill("#id_detail", "เจ้าหน้าที่ผู้รับผิดชอบโอนย้าย")
    head.click("#cause-form button[type=submit]")
    head.fill("#id_action_text", "มอบหมายผู้รักษาการและเร่งยกร่างแผนให้เสร็จในไตรมาสที่ 2")
    head.fill("#id_owner", "นางสาวสมใจ ใจดี หัวหน้าฝ่ายฝึกอบรม")
    head.fill("#id_due_date", (timezone.localdate() + dt.timedelta(days=40)).isoformat())
    head.click("#commitment-form button[type=submit]")
    head.fill("#id_statement", "แต่งตั้งคณะทำงานจัดทำแผนพัฒนาทักษะด้านดิจิทัล")
    head.fill("#id_letter_number", "ที่ กท ๖๙๐๙/๑๑๑๖")
    head.fill(
        "#id_letter_date",
        (timezone.localdate() - dt.timedelta(days=5)).strftime("%d/%m/")
        + str(timezone.localdate().year + 543),
    )
    head.click("#claim-form button[type=submit]")
    assert "กท 6909/1116" in head.inner_text("#claim-list")
    assert "ระบุสาเหตุและแนวทางแก้ไขแล้ว" in head.inner_text("#red-note")
    head.screenshot(path=str(SCREENSHOTS / "red-quarter-form-1366.png"), full_page=True)
    phone = log_in(browser, base, head_a.username, viewport=PHONE)
    phone.goto(quarter_url)
    phone.screenshot(path=str(SCREENSHOTS / "red-quarter-form-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scroll

    head.click("button[name=action][value=submit]")
    head.click("#confirm-submit")
    assert "ส่งแล้ว" in head.inner_text("#status")

    # The evaluator reads the cause, the action and the letter beside the result.
    evaluator_page = log_in(browser, base, evaluator.username, viewport=WIDE)
    evaluator_page.goto(f"{base}/work/kpi/{kpi.code}/q/1/assess/")
    assert "เจ้าหน้าที่ผู้รับผิดชอบโอนย้าย" in evaluator_page.inner_text("#explain")
    assert "กท 6909/1116" in evaluator_page.inner_text("#claims")
    evaluator_page.screenshot(path=str(SCREENSHOTS / "red-quarter-assess-1366.png"), full_page=True)

    # The next quarter's form lists the action to update.
    head.goto(f"{base}/work/kpi/{kpi.code}/q/2/")
    assert "มอบหมายผู้รักษาการ" in head.inner_text("#follow-up")

    # A citizen on a phone, without JavaScript, sees cause, action and letter.
    public = browser.new_page(java_script_enabled=False, locale="th-TH", viewport=PHONE)
    public.goto(f"{base}/kpi/{kpi.code}/")
    account = public.inner_text("#account-q1")
    assert "อัตรากำลัง" in account and "มอบหมายผู้รักษาการ" in account and "กท 6909/1116" in account
    public.screenshot(path=str(SCREENSHOTS / "red-quarter-public-390.png"), full_page=True)
    wide_public = browser.new_page(java_script_enabled=False, locale="th-TH", viewport=WIDE)
    wide_public.goto(f"{base}/kpi/{kpi.code}/")
    wide_public.screenshot(path=str(SCREENSHOTS / "red-quarter-public-1366.png"), full_page=True)
