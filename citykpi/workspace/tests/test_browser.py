"""A whole quarter in a real browser (Debian's Chromium): the reporter submits with
evidence, the evaluator returns it, the reporter fixes it, the evaluator scores it, and
the public KPI page shows the new headline. Screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest

from citykpi.conftest import PASSWORD, SCREENSHOTS
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import PDF_BYTES


def log_in(browser, base: str, username: str, viewport: dict | None = None):
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900}, locale="th-TH")
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/work/")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_quarter_goes_from_reporter_to_evaluator_and_back_to_the_public_headline(
    live_server, browser, settings, kpi_a, agency_a, reporter_a, evaluator, tmp_path
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    agency_a.reporter_may_submit = True
    agency_a.save()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    evidence_file = tmp_path / "รายงานการประชุม ไตรมาส ๑.pdf"
    evidence_file.write_bytes(PDF_BYTES)

    # The reporter finds the quarter in the inbox and submits it with evidence.
    reporter = log_in(browser, base, reporter_a.username)
    assert kpi_a.code in reporter.inner_text("#group-due")
    reporter.click(f"#group-due a:has-text('{kpi_a.code}')")
    reporter.fill("#id_result", "๓๐")
    reporter.fill("#id_narrative", "จัดประชุมคณะทำงานแล้ว <b>ไม่ใช่ตัวหนา</b>")
    reporter.set_input_files("#id_evidence", str(evidence_file))
    reporter.screenshot(path=str(SCREENSHOTS / "workspace-quarter-form.png"), full_page=True)
    reporter.click("button[name=action][value=submit]")
    reporter.click("#confirm-submit")  # the confirmation of what goes out (the file is kept as a draft)
    assert "ส่งแล้ว" in reporter.inner_text("#status")
    assert "รายงานการประชุม ไตรมาส ๑.pdf" in reporter.inner_text(".evidence")

    # The evaluator finds it in the queue and returns it with a reason.
    evaluator_page = log_in(browser, base, evaluator.username)
    evaluator_page.goto(f"{base}/work/queue/")
    evaluator_page.click(f"tr:has-text('{kpi_a.code}') >> text=ประเมิน")
    assert "<b>ไม่ใช่ตัวหนา</b>" in evaluator_page.inner_text("#narrative")  # shown as text, escaped
    evaluator_page.fill("#id_return_reason", "กรุณาแนบรายงานการประชุมฉบับลงนาม")
    evaluator_page.click("#return-form button[value=stay]")
    assert "ส่งกลับแก้ไข" in evaluator_page.inner_text("#status")

    # The reporter sees the reason, fixes the result and submits again.
    reporter.goto(f"{base}/work/")
    assert kpi_a.code in reporter.inner_text("#group-returned")
    reporter.click(f"#group-returned a:has-text('{kpi_a.code}')")
    assert "ฉบับลงนาม" in reporter.inner_text("#return-reason")
    reporter.fill("#id_result", "35")
    reporter.click("button[name=action][value=submit]")
    reporter.click("#confirm-submit")
    assert "ส่งแล้ว" in reporter.inner_text("#status")

    # The evaluator scores it.
    evaluator_page.goto(f"{base}/work/kpi/{kpi_a.code}/q/1/assess/")
    evaluator_page.fill("#id_score", "๙๕")
    evaluator_page.fill("input[name='component_2.1']", "95")
    evaluator_page.fill("input[name='component_2.2']", "100")
    evaluator_page.fill("#id_comment", "ครบถ้วน")
    evaluator_page.screenshot(path=str(SCREENSHOTS / "workspace-assess-form.png"), full_page=True)
    evaluator_page.click("#assess-form button[value=stay]")
    assert "ประเมินแล้ว" in evaluator_page.inner_text("#status")
    report = QuarterReport.objects.get(indicator=kpi_a, quarter=1)
    assert report.status == QuarterReport.Status.ASSESSED and str(report.result.normalize()) == "35"

    # The staff page shows the history of all of it.
    evaluator_page.goto(f"{base}/work/kpi/{kpi_a.code}/")
    history = evaluator_page.inner_text("table.history")
    for action in ("report.save", "evidence.add", "report.submit", "report.return", "report.assess"):
        assert action in history
    evaluator_page.screenshot(path=str(SCREENSHOTS / "workspace-kpi-history.png"), full_page=True)

    # A citizen, without JavaScript, sees the new headline on the public page.
    public = browser.new_page(java_script_enabled=False, locale="th-TH")
    public.goto(f"{base}/kpi/{kpi_a.code}/")
    headline = " ".join(public.inner_text("main").split())
    assert "ไตรมาสที่ 1: 95" in headline
    public.screenshot(path=str(SCREENSHOTS / "workspace-public-headline.png"), full_page=True)
