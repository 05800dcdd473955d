"""Running one job: the same code in the worker (citykpi.jobs.queue) and in-process when
no queue is configured. The job's row says where it is: its state, its progress (done of
total, with a Thai/English step), the error it failed with, the file it made."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone

from citykpi.jobs import registry
from citykpi.jobs.models import Job
from citykpi.lib.errors import ActionError, PermissionDenied

logger = logging.getLogger("citykpi.jobs")


def storage() -> FileSystemStorage:
    """Where results are kept: settings.JOBS_ROOT (under the var directory), never static
    files; they are served only through the job's download view, which checks who asks."""
    return FileSystemStorage(location=str(settings.JOBS_ROOT), base_url=None)


class Recorder:
    """The `progress` callable a job function is given: each call writes the row at once
    (its own statement, committed in the worker), so the page's poll sees it."""

    def __init__(self, job: Job, *, write: bool = True) -> None:
        self.job = job
        self.write = write

    def __call__(self, done: int, total: int, step_th: str, step_en: str) -> None:
        self.job.done, self.job.total = max(0, done), max(0, total)
        self.job.step_th, self.job.step_en = step_th[:200], step_en[:200]
        if not self.write:
            return
        Job.objects.filter(pk=self.job.pk).update(
            done=self.job.done, total=self.job.total, step_th=self.job.step_th, step_en=self.job.step_en
        )


def _fail(job: Job, message_th: str, message_en: str) -> None:
    job.state = Job.State.FAILED
    job.error_th, job.error_en = message_th, message_en
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error_th", "error_en", "finished_at"])


def execute(job_id: int, *, loaded: Job | None = None, watched: bool = True) -> Job | None:
    """Run the queued job `job_id` once: running, then done (its file kept) or failed (its
    message kept). A job already started or finished is left alone (a redelivered message).

    loaded: the job's row when the caller has it (in-process: the row just created).
    watched: write each progress step to the row (in-process, the starting request waits
    for the end and nobody can watch the steps, so they are not written)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now
    )
    job = loaded or Job.objects.select_related("started_by", "agency").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    job.state, job.started_at = Job.State.RUNNING, now
    try:
        kind = registry.get(job.kind)
        # In-process inside a caller's transaction (a test, a command): a savepoint, so a
        # database error in the job rolls back to here and the failure can still be written.
        # In the worker there is none, so every progress write is seen at once.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with guard:
            result = kind.run(job, Recorder(job, write=watched))
    except ActionError as error:
        _fail(job, error.message_th, error.message_en)
        return job
    except PermissionDenied as error:
        text = str(error) or "ไม่มีสิทธิ์ / Not allowed"
        th, _, en = text.partition(" / ")
        _fail(job, th, en or th)
        return job
    except Exception as error:  # an unexpected failure is kept on the job, not lost in a log
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        detail = f"{type(error).__name__}: {error}"[:500]
        _fail(job, f"งานล้มเหลวโดยไม่คาดคิด ({detail})", f"The job failed unexpectedly ({detail})")
        return job
    fields = ["state", "finished_at", "done", "total", "step_th", "step_en", "summary_th", "summary_en"]
    if result is not None and result.filename:
        name = storage().save(f"{job.pk}/{result.filename}", ContentFile(result.content))
        job.result_path, job.result_name, job.result_type = name, result.filename, result.content_type
        fields += ["result_path", "result_name", "result_type"]
    if result is not None:
        job.summary_th, job.summary_en = result.summary_th, result.summary_en
    job.state, job.finished_at = Job.State.DONE, timezone.now()
    job.total = max(job.total, 1)
    job.done = job.total
    job.step_th, job.step_en = "เสร็จแล้ว", "Done"
    job.save(update_fields=fields)
    return job
