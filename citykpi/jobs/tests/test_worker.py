"""A real Celery worker (a subprocess, `celery -A citykpi.jobs.worker worker --pool=solo`)
on the real Redis (127.0.0.1:6379, database 7, emptied first) and the test's own
PostgreSQL database: the page starts the agency report, the worker makes the real PDF,
the status endpoint shows its progress and the file is kept for download.

PostgreSQL only: the worker is another process and must read the same database, which
SQLite's test database (in memory) cannot be; the test is transactional so that the worker
sees the committed rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection

from citykpi.jobs.models import Job
from citykpi.printing.tests.conftest import normalise, pdf_pages, pdf_text
from citykpi.reporting.models import QuarterReport

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
QUEUE_URL = "redis://127.0.0.1:6379/7"
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="the worker must share the test database: PostgreSQL"),
]


def _redis():
    import redis  # the cache's client, already a dependency

    client = redis.Redis.from_url(QUEUE_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    _redis().flushdb()
    settings.QUEUE_URL = QUEUE_URL
    settings.JOBS_ROOT = tmp_path / "jobs"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "QUEUE_URL": QUEUE_URL,
        "JOBS_ROOT": str(settings.JOBS_ROOT),
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "citykpi.settings",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "citykpi.jobs.worker",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        yield process
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print(log.read_text(errors="replace")[-3000:])


def test_a_real_worker_makes_the_agency_report_and_the_page_sees_its_progress(
    worker, client, agency_a, make_indicator
):
    for n in range(12):
        kpi = make_indicator(agency_a, name=f"ตัวชี้วัดสำหรับงานเบื้องหลัง ลำดับ {n + 1}")
        QuarterReport.objects.create(indicator=kpi, quarter=1, status="submitted", result=Decimal(n))
    response = client.get("/agency/0409/report.pdf?year=2566")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and "jobs/progress.js" in page

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job.pk}/status.json").json()
        if not seen or seen[-1] != (status["state"], status["done"], status["step_en"]):
            seen.append((status["state"], status["done"], status["step_en"]))
        if status["finished"] or worker.poll() is not None:
            break
        time.sleep(0.05)
    assert status["state"] == "done", (status, seen)
    running = [s for s in seen if s[0] == "running"]
    assert running, seen  # the worker's progress reached the page while it ran
    assert max(done for _, done, _ in running) >= 1
    assert seen[-1] == ("done", 3, "Done")

    job.refresh_from_db()
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    pdf = client.get(f"/jobs/{job.pk}/download").content
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) >= 3 + 12
    assert normalise("ตัวชี้วัดสำหรับงานเบื้องหลัง ลำดับ 12") in normalise(pdf_text(pdf))
    # The next visitor gets the kept file at once, from the same job.
    again = client.get("/agency/0409/report.pdf?year=2566")
    assert again.status_code == 200 and again.content == pdf and Job.objects.count() == 1


def test_the_workers_quarter_summary_is_its_starters_only(
    worker, client, evaluator, executive, agency_a, make_indicator
):
    kpi = make_indicator(agency_a)
    QuarterReport.objects.create(indicator=kpi, quarter=1, status="assessed", result=Decimal(5))
    client.force_login(evaluator)
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    job = Job.objects.get()
    assert response.status_code == 302 and job.state in ("queued", "running", "done")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not job.finished:
        time.sleep(0.1)
        job.refresh_from_db()
    assert (job.state, job.started_by) == ("done", evaluator)
    pdf = client.get(f"/jobs/{job.pk}/download").content
    assert normalise(agency_a.name_th) in normalise(pdf_text(pdf))
    client.force_login(executive)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
