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
from django.db.models import Exists, OuterRef, Q

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


# ---------------------------------------------------------------- explaining a red quarter (#15.1)


class Cause(models.Model):
    """Why a quarter is behind its plan, from a short taxonomy (reporting.commitments).
    A quarter scored off track against its plan is not submitted without one."""

    class Category(models.TextChoices):
        BUDGET = "budget", "งบประมาณ / Budget"
        PROCUREMENT = "procurement", "การจัดซื้อจัดจ้าง / Procurement"
        STAFFING = "staffing", "อัตรากำลัง / Staffing"
        WEATHER = "weather", "สภาพอากาศ / Weather"
        DEPENDENCY = "dependency", "ขึ้นกับหน่วยงานอื่น / Dependency on another agency"
        DEFINITION = "definition", "นิยามตัวชี้วัดมีปัญหา / Definition problem"
        OTHER = "other", "อื่น ๆ / Other"

    quarter_report = models.ForeignKey(QuarterReport, on_delete=models.PROTECT, related_name="causes")
    category = models.CharField(max_length=20, choices=Category.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["quarter_report", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "budget",
                        "procurement",
                        "staffing",
                        "weather",
                        "dependency",
                        "definition",
                        "other",
                    ]
                ),
                name="cause_category_known",
            ),
            # "Other" says what it is.
            models.CheckConstraint(
                condition=~Q(category="other") | ~Q(detail=""), name="cause_other_has_detail"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_report} {self.category}"


class Commitment(models.Model):
    """A corrective action with an owner and a due date, made in the quarter it explains
    (`quarter_report`) and followed up on the forms of the quarters after it, across the
    year's end into the KPI's successor (reporting.commitments.to_follow_up)."""

    class Status(models.TextChoices):
        OPEN = "open", "กำลังดำเนินการ / Open"
        DONE = "done", "ดำเนินการแล้ว / Done"
        LATE = "late", "ล่าช้า / Late"
        DROPPED = "dropped", "ยกเลิก / Dropped"

    # Still to be done (the dashboards count these, and those past their due date).
    OPEN_STATUSES = ("open", "late")

    quarter_report = models.ForeignKey(QuarterReport, on_delete=models.PROTECT, related_name="commitments")
    cause = models.ForeignKey(
        Cause, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments"
    )
    action = models.TextField()
    owner = models.CharField(max_length=200)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Why it was dropped (required), or what holds it up when late.
    reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "late", "dropped"]), name="commitment_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(reason=""), name="commitment_dropped_has_reason"
            ),
            models.CheckConstraint(condition=~Q(owner=""), name="commitment_has_owner"),
        ]
        indexes = [
            # The dashboards' open and overdue counts: WHERE status IN ('open', 'late') [AND due_date < %s]
            models.Index(fields=["status", "due_date"], name="commitment_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_report}: {self.action[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CommitmentUpdate(models.Model):
    """One follow-up of a commitment (its history): the status it was given, when, by whom,
    and on which quarter's form."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="updates")
    quarter_report = models.ForeignKey(
        QuarterReport, null=True, blank=True, on_delete=models.PROTECT, related_name="commitment_updates"
    )
    status = models.CharField(max_length=10, choices=Commitment.Status.choices)
    note = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)  # the due date after this update
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["commitment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.status}"


# ---------------------------------------------------------------- claims bound to evidence (#15.2)


class Claim(models.Model):
    """What a quarter claims (a milestone KPI's level, a result the definition says needs
    proof) and the evidence it cites: an uploaded file, an official letter (number and
    date), or both (reporting.claims)."""

    quarter_report = models.ForeignKey(QuarterReport, on_delete=models.PROTECT, related_name="claims")
    statement = models.TextField()
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    # An official document reference: "กท 6909/1116", dated (stored with Arabic digits).
    letter_number = models.CharField(max_length=100, blank=True)
    letter_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["quarter_report", "level", "pk"]
        constraints = [
            # A letter reference has both its number and its date, or neither.
            models.CheckConstraint(
                condition=(Q(letter_number="") & Q(letter_date__isnull=True))
                | (~Q(letter_number="") & Q(letter_date__isnull=False)),
                name="claim_letter_number_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter_report}: {self.statement[:40]}"

    @property
    def has_letter(self) -> bool:
        return bool(self.letter_number) and self.letter_date is not None


def has_evidenced_claim() -> Exists:
    """An annotation for QuarterReport querysets: does the quarter have a claim citing live
    evidence (a file not withdrawn, or a letter)? Read by the data-quality rule Q015
    (quality.rules) from the rows the writes and the report already read."""
    return Exists(
        Claim.objects.filter(quarter_report=OuterRef("pk"), is_removed=False).filter(
            Q(evidence__isnull=False, evidence__is_removed=False) | ~Q(letter_number="")
        )
    )
