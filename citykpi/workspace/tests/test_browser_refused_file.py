"""In a real browser (Debian's Chromium), on a phone: a reporter types a result and a
narrative and attaches a renamed program as evidence; the page says nothing was saved and
asks for the file again, keeps what was typed, and the database is unchanged. With a real
PDF the draft saves; the head's submit then shows its confirmation before anything goes
out. Screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest

from citykpi.audit.models import AuditEvent
from citykpi.conftest import SCREENSHOTS
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.tests.test_browser import log_in

S = QuarterReport.Status
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def phone(browser, base: str, username: str):
    return log_in(browser, base, username, viewport={"width": 390, "height": 844})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_file_saves_nothing_keeps_the_typing_and_the_submit_asks_first(
    live_server, browser, settings, make_indicator, agency_a, current_year, reporter_a, head_a
):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    kpi = make_indicator(agency_a, fiscal_year=current_year)
    url = f"{base}/work/kpi/{kpi.code}/q/1/"

    page = phone(browser, base, reporter_a.username)
    page.goto(url)
    page.fill("#id_result", "๔๒")
    page.fill("#id_narrative", "ดำเนินการอบรมครบทุกหลักสูตร")
    page.set_input_files(
        "#id_evidence", {"name": "report.pdf", "mimeType": "application/pdf", "buffer": PROGRAM}
    )
    page.click("button[name=action][value=save]")
    assert page.is_visible("#form-error") and page.is_visible("#files-not-kept")
    assert page.input_value("#id_result") == "๔๒"
    assert page.input_value("#id_narrative") == "ดำเนินการอบรมครบทุกหลักสูตร"
    page.screenshot(path=str(SCREENSHOTS / "workspace-refused-file-390.png"), full_page=True)
    assert not QuarterReport.objects.exclude(status=S.NOT_STARTED).exists()
    assert not Evidence.objects.exists() and not AuditEvent.objects.filter(action="report.save").exists()

    page.set_input_files("#id_evidence", {"name": "report.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.click("button[name=action][value=save]")
    assert not page.is_visible("#form-error")
    report = QuarterReport.objects.get(indicator=kpi, quarter=1)
    assert report.status == S.DRAFT and str(report.result).startswith("42")
    assert Evidence.objects.filter(quarter_report=report).count() == 1

    head = phone(browser, base, head_a.username)
    head.goto(url)
    head.click("button[name=action][value=submit]")
    assert head.is_visible("#confirm-summary") and head.is_visible("#confirm-result")
    head.screenshot(path=str(SCREENSHOTS / "workspace-confirm-submit-one-390.png"), full_page=True)
    assert QuarterReport.objects.get(pk=report.pk).status == S.DRAFT  # nothing went out yet
    head.click("#confirm-submit")
    assert QuarterReport.objects.get(pk=report.pk).status == S.SUBMITTED
