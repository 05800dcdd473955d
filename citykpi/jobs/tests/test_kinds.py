"""Every kind of background job from the page (or command) that starts it, in-process:
the legacy import of many files, the data-quality refresh, carry-forward, the reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.jobs import actions
from citykpi.jobs.models import Job
from citykpi.quality.models import FindingRecord

LEGACY = Path(__file__).resolve().parents[2] / "exchange" / "tests" / "data"


@pytest.fixture(autouse=True)
def jobs_root(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"
    settings.QUEUE_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.JOBS_ROOT


def _pages() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(name, (LEGACY / name).read_bytes(), content_type="text/plain")
        for name in ("seed_0409-0950.txt", "monitor-mykpi_2100-1054.txt")
    ]


def test_an_administrator_imports_many_legacy_pages_as_one_job(client, administrator, jobs_root):
    client.force_login(administrator)
    response = client.post("/exchange/legacy/", {"files": _pages(), "fiscal_year": "๒๕๖๔"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.state, job.done, job.total) == ("exchange.legacy_import", "done", 2, 2)
    assert job.params["files"] == 2 and job.params["fiscal_year"] == 2564
    assert Indicator.objects.filter(code="0409-0950").exists()
    assert AuditEvent.objects.filter(action="kpi.import", actor=administrator).exists()
    assert "2 files" in job.summary_en and "2 ไฟล์" in job.summary_th
    assert list((jobs_root / "incoming").iterdir()) == []  # the uploads are gone once read
    page = client.get(response["Location"]).content.decode()
    assert "2 ไฟล์" in page and f"/jobs/{job.pk}/download" in page
    summary = client.get(f"/jobs/{job.pk}/download")
    assert summary["Content-Disposition"].startswith("attachment")
    assert "Import summary" in summary.content.decode()


def test_the_legacy_import_is_refused_to_others_before_anything_is_kept(client, reporter_a, jobs_root):
    client.force_login(reporter_a)
    assert client.post("/exchange/legacy/", {"files": _pages()}).status_code == 403
    assert not Job.objects.exists() and not (jobs_root / "incoming").exists()


def test_the_legacy_import_without_files_says_which_field(client, administrator):
    client.force_login(administrator)
    response = client.post("/exchange/legacy/", {})
    assert response.status_code == 400 and "(field: files)" in response.content.decode()
    assert not Job.objects.exists()


def test_the_quality_refresh_runs_as_a_job_and_reports_back_on_the_page(
    client, evaluator, agency_a, make_indicator
):
    make_indicator(agency_a, unit=None)
    client.force_login(evaluator)
    response = client.post("/quality/refresh/", {"year": "2566"}, follow=True)
    job = Job.objects.get()
    assert (job.kind, job.state, job.started_by) == ("quality.refresh_year", "done", evaluator)
    assert response.redirect_chain[-1][0].endswith("?year=2566")
    assert job.summary_th in response.content.decode()
    assert FindingRecord.objects.filter(fiscal_year_id=2566).exists()
    assert AuditEvent.objects.filter(action="quality.refresh_year", actor=evaluator).count() == 1


def test_carry_forward_runs_as_a_job_with_the_same_permission(
    client, evaluator, reporter_b, agency_a, make_indicator
):
    make_indicator(agency_a, target=Decimal("80"))
    with pytest.raises(PermissionDenied):
        actions.start(
            reporter_b, "planning.carry_forward", {"from_year": 2566, "to_year": "2567", "agencies": ["0409"]}
        )
    assert not Job.objects.exists()
    client.force_login(evaluator)
    response = client.post("/setup/carry-forward/", {"from_year": 2566, "to_year": "๒๕๖๗", "confirm": "1"})
    assert response.status_code == 302 and "year=2567" in response["Location"]
    job = Job.objects.get()
    assert (job.kind, job.state, job.fiscal_year) == ("planning.carry_forward", "done", 2567)
    assert Indicator.objects.filter(fiscal_year_id=2567, agency=agency_a).count() == 1
    assert AuditEvent.objects.filter(action="kpi.carry_forward", actor=evaluator).count() == 1


def test_the_remind_command_can_queue_its_run_as_a_job(capsys, db):
    call_command("remind", today=dt.date(2023, 4, 10).isoformat(), queue=True)
    job = Job.objects.get()
    assert (job.kind, job.state, job.started_by) == ("reporting.remind", "done", None)
    assert job.params["today"] == "2023-04-10" and job.summary_en.startswith("Sent ")
    assert AuditEvent.objects.get(action="job.start").source == "cli"
    assert f"background job {job.pk}: done" in capsys.readouterr().out
