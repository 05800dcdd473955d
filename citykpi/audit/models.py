"""The append-only audit log: who did what, when, to which object, before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the account is renamed
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    object_repr = models.CharField(max_length=255, blank=True)
    # The KPI code the event concerns, so that a KPI's staff page lists its history in one query.
    indicator_code = models.CharField(max_length=20, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    source = models.CharField(max_length=20, default="web")  # web, api, xlsx, legacy, cli

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A KPI's history on its staff page: WHERE indicator_code = %s ORDER BY created_at DESC
            models.Index(fields=["indicator_code", "-created_at"], name="audit_indicator_idx"),
            # An object's history: WHERE object_type = %s AND object_id = %s
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise RuntimeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only")
