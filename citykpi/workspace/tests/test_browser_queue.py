"""In a real browser (Debian's Chromium): the head submits every ready quarter from the
inbox in one click, then the evaluator works through the filtered queue with "save and go
to the next one" without going back to it. Screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest

from citykpi.conftest import SCREENSHOTS
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.test_browser import log_in

S = QuarterReport.Status


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_head_submits_all_then_the_evaluator_scores_the_queue_one_after_another(
    live_server,
    browser,
    settings,
    make_indicator,
    agency_a,
    current_year,
    reporter_a,
    head_a,
    evaluator,
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    kpis = [make_indicator(agency_a, fiscal_year=current_year) for _ in range(3)]
    for n, kpi in enumerate(kpis):
        report = reporting.get_quarter(kpi, 1)
        reporting.save_report(reporter_a, report, result=str(30 + n), narrative="ร่าง", version=report.version)

    head = log_in(browser, base, head_a.username)
    head.screenshot(path=str(SCREENSHOTS / "workspace-head-inbox.png"), full_page=True)
    for kpi in kpis:  # nothing is ticked in advance
        head.check(f"#ready-{reporting.get_quarter(kpi, 1).pk}")
    head.click("#submit-ready")
    assert "จะส่ง 3" in head.content() and QuarterReport.objects.filter(status=S.SUBMITTED).count() == 0
    head.screenshot(path=str(SCREENSHOTS / "workspace-head-confirm-submit.png"), full_page=True)
    head.click("#confirm-submit")
    assert "ส่งรายงานแล้ว 3 รายการ" in head.content()
    assert QuarterReport.objects.filter(status=S.SUBMITTED).count() == 3

    page = log_in(browser, base, evaluator.username)
    page.goto(f"{base}/work/queue/?agency=0409&sort=code")
    page.click("table.queue tbody tr:first-child td:last-child a")
    for n in range(3):
        assert f"/work/kpi/{kpis[n].code}/q/1/assess/" in page.url
        if n == 0:
            page.screenshot(path=str(SCREENSHOTS / "workspace-assess.png"), full_page=True)
        page.fill("input[name='component_2.1']", "90")
        page.fill("input[name='component_2.2']", "๘๐")
        page.click("#save-next")
    # After the last one: back on the queue, with its filters, and nothing left to do.
    assert "/work/queue/?" in page.url and "agency=0409" in page.url
    assert "ไม่มีรายการรอประเมินเหลือในคิวนี้แล้ว" in page.content()
    assert QuarterReport.objects.filter(status=S.ASSESSED).count() == 3
