"""A job: a piece of long work started from a page, run in the background (or in-process
when no queue is configured), with its progress, its error and its result file."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "รอคิว / Queued"
        RUNNING = "running", "กำลังทำงาน / Running"
        DONE = "done", "เสร็จแล้ว / Done"
        FAILED = "failed", "ล้มเหลว / Failed"

    kind = models.CharField(max_length=60)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    # A public job makes a public document (the agency report from published data): anyone
    # may watch it and download its file. Every other job is its starter's (and admins').
    public = models.BooleanField(default=False)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fiscal_year = models.IntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step_th = models.CharField(max_length=200, blank=True)
    step_en = models.CharField(max_length=200, blank=True)
    error_th = models.TextField(blank=True)
    error_en = models.TextField(blank=True)
    summary_th = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    result_path = models.CharField(max_length=255, blank=True)  # relative to settings.JOBS_ROOT
    result_name = models.CharField(max_length=200, blank=True)  # the download's file name
    result_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state"]), models.Index(fields=["started_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
