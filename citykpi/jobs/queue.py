"""The Celery app and its one task, which runs a job by id (citykpi.jobs.runner.execute).

settings.QUEUE_URL (environment QUEUE_URL or CELERY_BROKER_URL, e.g. the Redis we run,
redis://127.0.0.1:6379/3) sends jobs to the workers (`celery -A citykpi.jobs.worker worker`,
docs/deployment.md). Without it (`make run`, the suite on SQLite) `dispatch` runs the job
in-process at once, so everything works with no extra service.
"""

from __future__ import annotations

from celery import Celery  # type: ignore[import-untyped]  # celery ships no type hints
from django.conf import settings
from django.db import transaction

from citykpi.jobs import runner
from citykpi.jobs.models import Job

TASK_NAME = "citykpi.jobs.run"

app = Celery("citykpi")
app.conf.update(
    broker_url=getattr(settings, "QUEUE_URL", "") or "memory://",
    task_ignore_result=True,  # the Job row is the result: no result backend to run
    task_acks_late=True,  # a worker that dies mid-job leaves the message for another
    worker_prefetch_multiplier=1,  # long jobs: a worker takes one at a time
    task_default_queue=getattr(settings, "QUEUE_NAME", "citykpi"),
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    timezone=settings.TIME_ZONE,
)


@app.task(name=TASK_NAME)
def run_job(job_id: int) -> None:
    runner.execute(job_id)


def queue_configured() -> bool:
    return bool(getattr(settings, "QUEUE_URL", ""))


def send(job_id: int) -> None:
    """Put the job on the queue named by settings.QUEUE_URL (read now, not at import)."""
    with app.connection_for_write(settings.QUEUE_URL) as connection:
        run_job.apply_async((job_id,), connection=connection)


def dispatch(job: Job) -> Job:
    """Queue the job once its row is committed (a worker must find it), or, with no queue
    configured, run it here and now. Returns the job as it now stands."""
    if queue_configured():
        transaction.on_commit(lambda: send(job.pk))
        return job
    return runner.execute(job.pk, loaded=job, watched=False) or job
