"""Background jobs in-process (no queue configured: `make run`, the suite on SQLite): start,
progress page, result kept for download, refusals that change nothing, failures shown."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied

from citykpi.audit.models import AuditEvent
from citykpi.jobs import actions, registry
from citykpi.jobs.models import Job
from citykpi.lib.errors import ActionError
from citykpi.printing.tests.conftest import normalise, pdf_text
from citykpi.publicdata import versions
from citykpi.reporting.models import QuarterReport


@pytest.fixture(autouse=True)
def jobs_root(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"
    settings.QUEUE_URL = ""
    return settings.JOBS_ROOT


def _refuse(actor, params) -> None:
    raise ActionError("ไม่พบไฟล์ที่จะนำเข้า", "No file to import", field="files")


def _fail_badly(job, progress) -> None:
    progress(1, 4, "อ่านไฟล์ที่ 1", "Reading file 1")
    raise ActionError("ไฟล์ที่ 2 ไม่ใช่ไฟล์ Excel", "File 2 is not an Excel workbook", field="files")


def _crash(job, progress) -> None:
    raise ZeroDivisionError("division by zero")


@pytest.fixture
def failing_kinds():
    kinds = [
        registry.register(registry.JobKind("test.fails", "งานทดสอบ", "Test job", run=_fail_badly)),
        registry.register(registry.JobKind("test.crashes", "งานทดสอบ", "Test job", run=_crash)),
        registry.register(
            registry.JobKind("test.refused", "งานทดสอบ", "Test job", run=_crash, check=_refuse)
        ),
    ]
    yield kinds
    for kind in kinds:
        registry.KINDS.pop(kind.name)


def test_the_quarter_summary_runs_in_process_and_its_file_is_kept_for_its_starter(
    client, evaluator, executive, administrator, agency_a, make_indicator
):
    kpi = make_indicator(agency_a)
    QuarterReport.objects.create(indicator=kpi, quarter=1, status="submitted")
    client.force_login(evaluator)
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    job = Job.objects.get()
    assert (job.kind, job.state, job.started_by, job.public) == (
        "printing.quarter_summary",
        "done",
        evaluator,
        False,
    )
    assert job.params == {"year": 2566, "quarter": 1, "lang": "th"}
    assert job.result_name == "quarter-summary-2566-q1.pdf" and job.finished_at is not None
    event = AuditEvent.objects.get(action="job.start")
    assert (event.actor, event.object_id, event.after["kind"]) == (evaluator, str(job.pk), job.kind)

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/download"' in page and "<progress" in page
    assert 'http-equiv="refresh"' not in page  # finished: nothing refreshes any more
    status = client.get(f"/jobs/{job.pk}/status.json").json()
    assert (status["state"], status["percent"], status["download_url"]) == (
        "done",
        100,
        f"/jobs/{job.pk}/download",
    )
    download = client.get(f"/jobs/{job.pk}/download")
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert normalise(agency_a.name_th) in normalise(pdf_text(download.content))

    # Another city-wide viewer may start their own, but never sees this one; an admin does.
    client.force_login(executive)
    for address in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status.json", f"/jobs/{job.pk}/download"):
        assert client.get(address).status_code == 404
    client.force_login(administrator)
    assert client.get(f"/jobs/{job.pk}/download").content == download.content
    client.logout()
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404


def test_a_refused_start_writes_no_job_and_no_audit_row(client, reporter_a, failing_kinds):
    before = AuditEvent.objects.count()
    client.force_login(reporter_a)
    assert client.get("/reports/quarter-summary.pdf?year=2566&quarter=1").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.start(reporter_a, "printing.quarter_summary", {"year": 2566, "quarter": 1})
    with pytest.raises(ActionError) as refused:
        actions.start(reporter_a, "test.refused", {})
    assert refused.value.field == "files"
    assert Job.objects.count() == 0 and AuditEvent.objects.count() == before


def test_a_failed_job_shows_its_message_thai_first_then_english(client, evaluator, failing_kinds):
    job = actions.start(evaluator, "test.fails", {"files": 3})
    assert (job.state, job.error_th, job.error_en) == (
        "failed",
        "ไฟล์ที่ 2 ไม่ใช่ไฟล์ Excel",
        "File 2 is not an Excel workbook",
    )
    client.force_login(evaluator)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'role="alert"' in page
    assert page.index("ไฟล์ที่ 2 ไม่ใช่ไฟล์ Excel") < page.index("File 2 is not an Excel workbook")
    assert "/download" not in page
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert client.get(f"/jobs/{job.pk}/status.json").json()["state"] == "failed"


def test_an_unexpected_error_is_kept_on_the_job_not_a_500(client, evaluator, failing_kinds):
    job = actions.start(evaluator, "test.crashes", {})
    assert job.state == "failed"
    assert "ZeroDivisionError" in job.error_th and job.error_en.startswith("The job failed unexpectedly")
    client.force_login(evaluator)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200


def test_the_public_agency_report_is_made_once_per_data_version(client, agency_a, make_indicator):
    make_indicator(agency_a)
    first = client.get("/agency/0409/report.pdf?year=2566")
    second = client.get("/agency/0409/report.pdf?year=2566")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.content.startswith(b"%PDF")
    job = Job.objects.get()
    assert (job.kind, job.public, job.started_by, job.agency) == (
        "printing.agency_report",
        True,
        None,
        agency_a,
    )
    assert first["Cache-Control"].startswith("public")
    assert client.get(f"/jobs/{job.pk}/").status_code == 200  # a public document's job: anyone

    versions.bump([versions.agency("0409")])
    assert client.get("/agency/0409/report.pdf?year=2566").status_code == 200
    assert Job.objects.count() == 2  # the data moved: a new document


def test_an_unfinished_job_page_has_a_progress_bar_polled_by_script_and_a_noscript_refresh(client, evaluator):
    job = Job.objects.create(
        kind="printing.quarter_summary",
        started_by=evaluator,
        state="running",
        done=1,
        total=3,
        step_th="จัดหน้าเอกสาร",
        step_en="Laying out the pages",
    )
    client.force_login(evaluator)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress id="job-progress" max="3" value="1">' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert 'src="/static/jobs/progress.js"' in page and "<script>" not in page
    assert f'data-status-url="/jobs/{job.pk}/status.json"' in page
    assert "จัดหน้าเอกสาร" in page
    status = client.get(f"/jobs/{job.pk}/status.json").json()
    assert (status["done"], status["total"], status["percent"], status["finished"]) == (1, 3, 33, False)
    assert status["step_th"] == "จัดหน้าเอกสาร" and status["step_en"] == "Laying out the pages"
    assert finders.find("jobs/progress.js")  # shipped as a static file (CSP: no inline script)
