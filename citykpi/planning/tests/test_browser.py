"""The evaluator assigns a template to five district offices in a real browser (Debian's
Chromium); the screenshot lands in var/screenshots/."""

from __future__ import annotations

import pytest
from django.test import Client

from citykpi.conftest import SCREENSHOTS
from citykpi.indicators.models import Indicator


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
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
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


def _context_for(browser, live_server, settings, user):
    session = Client()
    session.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_evaluator_sets_up_a_new_year_cascades_a_template_to_every_district_and_publishes_it(
    live_server, browser, settings, evaluator, reporter_a, agency_a, ready_kpis, template, districts
):
    from citykpi.accounts.models import Membership, Role
    from citykpi.indicators.models import FiscalYear
    from citykpi.planning import actions
    from citykpi.planning.models import Setup

    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Last year two districts carried the template as their only KPI.
    actions.assign_template(
        evaluator,
        template,
        fiscal_year=2566,
        agencies=districts[:2],
        target="20",
        plan=["5", "10", "15", "20"],
        weight="100",
    )
    evaluator_page = _context_for(browser, live_server, settings, evaluator).new_page()

    # 1. Carry 2566 forward: the form proposes 2567.
    evaluator_page.goto(f"{live_server.url}/setup/carry-forward/")
    assert evaluator_page.input_value("input[name=to_year]") == "2567"
    evaluator_page.click("button[type=submit]:has-text('ยกยอด')")
    summary = evaluator_page.inner_text("#carry-summary")
    assert not Indicator.objects.filter(fiscal_year_id=2567).exists()  # nothing before the confirmation
    evaluator_page.screenshot(path=str(SCREENSHOTS / "planning-confirm-carry-forward.png"), full_page=True)
    evaluator_page.click("#confirm-carry")
    evaluator_page.wait_for_selector("#publication")
    created = Indicator.objects.filter(fiscal_year_id=2567).count()
    assert created > 0 and f"{created} ตัวชี้วัด ในปีงบประมาณ 2567" in summary  # as the confirmation said
    assert "ยังไม่เผยแพร่" in evaluator_page.inner_text("#publication")
    assert FiscalYear.objects.get(pk=2567).is_published is False

    # 2. Cascade the template to every district: the two that carry it already are skipped.
    evaluator_page.goto(f"{live_server.url}/setup/templates/{template.pk}/assign/")
    evaluator_page.select_option("select[name=fiscal_year]", "2567")
    evaluator_page.check("input[name=all_districts]")
    evaluator_page.fill("input[name=target]", "30")
    for quarter, value in zip((1, 2, 3, 4), ("7.5", "15", "22.5", "30"), strict=True):
        evaluator_page.fill(f"input[name=q{quarter}]", value)
    evaluator_page.fill("input[name=weight]", "100")
    evaluator_page.click("button[type=submit]:has-text('มอบหมาย')")
    evaluator_page.wait_for_selector("#assignments")
    assert "มอบหมายให้ 4 หน่วยงานแล้ว (2 หน่วยงานมีตัวชี้วัดนี้อยู่แล้ว" in evaluator_page.inner_text("main")
    assert evaluator_page.locator("#assignments tbody tr").count() == 6
    evaluator_page.screenshot(path=str(SCREENSHOTS / "planning-year-cascaded.png"), full_page=True)

    # 3. The districts propose and are approved (their own reporters, through the same actions).
    for district in districts:
        reporter = type(evaluator).objects.create(username=f"reporter-{district.code}")
        Membership.objects.create(user=reporter, role=Role.REPORTER, agency=district)
        setup = actions.setup_of(district, 2567)
        actions.propose(reporter, setup)
        actions.approve(evaluator, setup)

    # 4. Agency A proposes in the browser, the evaluator approves there.
    reporter_page = _context_for(browser, live_server, settings, reporter_a).new_page()
    reporter_page.goto(f"{live_server.url}/setup/{agency_a.code}/2567/")
    reporter_page.click("button:has-text('เสนอค่าเป้าหมายต่อ สยป.')")
    assert reporter_page.inner_text("#setup-state") == "เสนอแล้ว"
    evaluator_page.goto(f"{live_server.url}/setup/{agency_a.code}/2567/")
    evaluator_page.click("form[action$='/approve/'] button")
    assert evaluator_page.inner_text("#setup-state") == "อนุมัติแล้ว"

    # 5. Every setup approved: publish without an override.
    evaluator_page.goto(f"{live_server.url}/setup/?year=2567")
    assert "ทุกหน่วยงานได้รับอนุมัติแล้ว (7 หน่วยงาน)" in evaluator_page.inner_text("#publication")
    evaluator_page.click("form.publish-form button")
    assert (
        evaluator_page.is_visible("#publish-summary")
        and FiscalYear.objects.get(pk=2567).is_published is False
    )
    evaluator_page.screenshot(path=str(SCREENSHOTS / "planning-confirm-publish.png"), full_page=True)
    evaluator_page.click("#confirm-publish")
    evaluator_page.wait_for_selector("#publication")
    assert "เผยแพร่แล้ว" in evaluator_page.inner_text("#publication")
    evaluator_page.screenshot(path=str(SCREENSHOTS / "planning-year-published.png"), full_page=True)
    assert FiscalYear.objects.get(pk=2567).is_published is True
    assert Setup.objects.filter(fiscal_year_id=2567, state="approved").count() == 7
    assert Indicator.objects.published().filter(fiscal_year_id=2567).count() == 2 + 6
