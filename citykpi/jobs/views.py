"""A job's page (a progress bar, then the download link or the error), its JSON status for
the page's script, and its file. Only the starter or an administrator sees a private job;
anyone else gets 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from citykpi.jobs import registry, runner
from citykpi.jobs.actions import may_see
from citykpi.jobs.models import Job
from citykpi.lib.i18n import tr


def visible_job(request: HttpRequest, job_id: int) -> Job:
    job = Job.objects.select_related("agency").filter(pk=job_id).first()
    if job is None or not may_see(request.user, job):
        raise Http404("job")
    return job


def status_data(job: Job) -> dict[str, Any]:
    kind = registry.KINDS.get(job.kind)
    data: dict[str, Any] = {
        "id": job.pk,
        "kind": job.kind,
        "label": tr(kind.label_th, kind.label_en) if kind else job.kind,
        "state": job.state,
        "finished": job.finished,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "step_th": job.step_th,
        "step_en": job.step_en,
        "step": tr(job.step_th, job.step_en or job.step_th),
        "error_th": job.error_th,
        "error_en": job.error_en,
        "summary": tr(job.summary_th, job.summary_en or job.summary_th),
        "download_url": reverse("jobs:download", args=[job.pk]) if job.result_path else None,
    }
    return data


@never_cache
@require_GET
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = visible_job(request, job_id)
    return render(request, "jobs/job.html", {"job": job, "status": status_data(job)})


@never_cache
@require_GET
def status(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(status_data(visible_job(request, job_id)))


@require_GET
def download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = visible_job(request, job_id)
    if job.state != Job.State.DONE or not job.result_path:
        raise Http404("no file")
    return file_response(job)


def file_response(job: Job) -> HttpResponse:
    """The job's kept file; PDFs open in the browser (as the PDF links always did), other
    files download. Results are documents of a few MB at most: read whole."""
    store = runner.storage()
    if not store.exists(job.result_path):
        raise Http404("file gone")
    with store.open(job.result_path, "rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=job.result_type or "application/octet-stream")
    disposition = "inline" if job.result_type == "application/pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{job.result_name}"'
    response["Cache-Control"] = (
        f"public, max-age={getattr(settings, 'PUBLIC_CACHE_SECONDS', 300)}"
        if job.public
        else "private, no-store"
    )
    return response
