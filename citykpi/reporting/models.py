"""The quarter of a KPI: its planned cumulative target, the agency's reported result and
narrative, the workflow status, and evidence files.

Statuses: draft -> submitted -> returned -> submitted -> assessed (locked);
assessed -> reopened by the evaluator. Public pages show only published statuses
(never drafts). The assessment lives in citykpi.evaluation.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from citykpi.reporting.evidence import ALLOWED

if TYPE_CHECKING:  # quality.rules reads the reporting models: the annotation only
    from citykpi.quality.rules import Finding


class QuarterReportQuerySet(models.QuerySet):
    def published(self) -> Self:
        return self.filter(status__in=QuarterReport.PUBLISHED_STATUSES)


class QuarterReport(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "ยังไม่รายงาน / Not started"
        DRAFT = "draft", "ร่าง / Draft"
        SUBMITTED = "submitted", "ส่งแล้ว / Submitted"
        RETURNED = "returned", "ส่งกลับแก้ไข / Returned for revision"
        ASSESSED = "assessed", "ประเมินแล้ว / Assessed"
        REOPENED = "reopened", "เปิดให้แก้ไข / Reopened"

    # Shown to the public: the agency has submitted it at least as it stands.
    PUBLISHED_STATUSES = ("submitted", "assessed", "reopened")

    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT, related_name="quarters")
    quarter = models.PositiveSmallIntegerField("ไตรมาสที่")
    planned_target = models.DecimalField(
        "เป้าหมายสะสม", max_digits=16, decimal_places=4, null=True, blank=True
    )
    result = models.DecimalField("ผลงานสะสม", max_digits=16, decimal_places=4, null=True, blank=True)
    narrative = models.TextField("รายงานผลฯ", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    version = models.PositiveIntegerField(default=1)
    # The definition version of the KPI this report was made under (planning bumps it).
    definition_version = models.PositiveIntegerField(default=1)
    return_reason = models.TextField(blank=True)
    # The evaluator reopened the form after the deadline (or after assessment).
    reopened_until = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Stored by citykpi.quality.standing in the transaction of every write that changes the
    # result, the plan, the KPI's rule or the year's thresholds (never edited by hand):
    # the quarter's score by the KPI's method, its progress against the quarter's plan (in
    # percent, 100 = on plan) and the status read from that progress.
    score = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True, editable=False)
    progress = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True, editable=False)
    score_status = models.CharField(max_length=10, default="no_data", editable=False)

    objects = QuarterReportQuerySet.as_manager()
    # Set on the row a save of its result returns: the data-quality warnings of that save
    # (reporting.actions, reporting.batch); not a column.
    warnings: list[Finding]

    class Meta:
        ordering = ["indicator", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "quarter"], name="quarter_report_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="quarter_report_quarter_1_4"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="quarter_report_version_positive"),
        ]
        indexes = [
            # The evaluator's queue and the dashboards: WHERE status = %s
            models.Index(fields=["status", "quarter"], name="quarter_report_status_idx"),
            # The public prefetch of published quarters (home, agency page, API list):
            # WHERE indicator_id IN (...) AND status IN (...)
            models.Index(fields=["indicator", "status"], name="quarter_report_ind_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} Q{self.quarter}"

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED_STATUSES


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no collisions.

    # The extension is that of the type found in the content, whatever the uploader named it.
    extension = ALLOWED.get(instance.content_type, "bin")
    return f"{instance.quarter_report.indicator.fiscal_year_id}/{uuid.uuid4().hex}.{extension}"


class Evidence(models.Model):
    quarter_report = models.ForeignKey(QuarterReport, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=255)
    original_name = models.CharField(max_length=255)  # cleaned, shown to users
    content_type = models.CharField(max_length=100)  # detected from the content
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ReminderLog(models.Model):
    """One reminder e-mail sent to one person about one quarter on one day; the
    unique constraint is what keeps `citykpi remind` to at most once a day each."""

    class Kind(models.TextChoices):
        DUE = "due", "ใกล้ครบกำหนด / Due"
        OVERDUE = "overdue", "เลยกำหนด / Overdue"
        RETURNED = "returned", "ส่งกลับแก้ไข / Returned"

    quarter_report = models.ForeignKey(QuarterReport, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter_report", "user", "sent_on"], name="reminder_once_a_day_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter_report} {self.user} {self.sent_on}"
