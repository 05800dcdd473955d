"""The conversation of a KPI's quarter: one thread where the reporter, the head and the
evaluator write, with who and when. Comments are posted (citykpi.discussion.actions);
returns with their reasons, resubmissions and assessments join the thread from the audit
log of the state change (citykpi.discussion.receivers), so the thread and the history
never disagree.

`Reader` keeps when a user last looked at their attention list (the inbox): what came
after is new to them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Entry(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "ความเห็น / Comment"
        RETURN = "return", "ส่งกลับแก้ไข / Returned"
        RESUBMIT = "resubmit", "ส่งใหม่ / Resubmitted"
        ASSESS = "assess", "ประเมิน / Assessed"

    class Role(models.TextChoices):
        REPORTER = "reporter", "ผู้รายงานผล / Reporter"
        HEAD = "head", "ผู้บริหารหน่วยงาน / Agency head"
        EVALUATOR = "evaluator", "สยป. / Evaluator"
        SYSTEM = "system", "ระบบ / System"

    report = models.ForeignKey("reporting.QuarterReport", on_delete=models.PROTECT, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)  # kept if the account is renamed
    role = models.CharField(max_length=20, choices=Role.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # The audit row of the state change this entry tells of (none for a comment).
    audit_event = models.ForeignKey(
        "audit.AuditEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A quarter's thread: WHERE report_id = %s ORDER BY created_at
            models.Index(fields=["report", "created_at"], name="entry_report_idx"),
            # The attention list: WHERE created_at > %s (then the user's scope)
            models.Index(fields=["created_at"], name="entry_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.author_name}"


class Reader(models.Model):
    """When the user last marked their attention list as read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"
