"""The job page in Chromium: the script moves the progress bar as the job's row changes,
then the page shows the download link; without script it refreshes itself."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from citykpi.conftest import SCREENSHOTS
from citykpi.jobs import runner
from citykpi.jobs.models import Job

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def running_job(transactional_db, settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"
    return Job.objects.create(
        kind="printing.agency_report",
        public=True,
        state=Job.State.RUNNING,
        done=1,
        total=3,
        step_th="จัดหน้าเอกสาร",
        step_en="Laying out the pages",
    )


def test_the_progress_bar_follows_the_job_and_the_download_link_appears(live_server, browser, running_job):
    job = running_job
    for width, height in ((1366, 900), (390, 844)):
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, done=1, result_path="", step_th="จัดหน้าเอกสาร"
        )
        page = browser.new_page(viewport={"width": width, "height": height}, locale="th-TH")
        page.goto(f"{live_server.url}/jobs/{job.pk}/")
        bar = page.locator("#job-progress")
        assert bar.get_attribute("value") == "1" and bar.get_attribute("max") == "3"
        page.screenshot(path=str(SCREENSHOTS / f"job-running-{width}.png"), full_page=True)
        Job.objects.filter(pk=job.pk).update(done=2, step_th="เขียนไฟล์ PDF 17 หน้า")
        expect(bar).to_have_attribute("value", "2", timeout=10000)  # the script polled the status
        assert "เขียนไฟล์ PDF 17 หน้า" in page.locator("#job-step").inner_text()
        name = runner.storage().save(f"{job.pk}/agency-0409-2566.pdf", ContentFile(b"%PDF-1.7 test"))
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE,
            done=3,
            result_path=name,
            result_name="agency-0409-2566.pdf",
            result_type="application/pdf",
        )
        page.wait_for_selector("#job-download", timeout=10000)
        assert "agency-0409-2566.pdf" in page.locator("#job-download").inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"job-done-{width}.png"), full_page=True)
        page.close()
        runner.storage().delete(name)


def test_without_script_the_page_refreshes_itself(live_server, browser, running_job):
    page = browser.new_page(java_script_enabled=False, locale="th-TH")
    page.goto(f"{live_server.url}/jobs/{running_job.pk}/")
    Job.objects.filter(pk=running_job.pk).update(
        state=Job.State.FAILED, error_th="ไฟล์เสีย", error_en="Bad file"
    )
    page.wait_for_selector("#job-error", timeout=10000)  # the <noscript> refresh reloaded it
    text = page.locator("#job-error").inner_text()
    assert text.index("ไฟล์เสีย") < text.index("Bad file")
    page.close()
