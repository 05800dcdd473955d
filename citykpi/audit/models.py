"""The append-only audit log: who did what, when, to which object, before and after."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Never

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone

# pg_advisory_xact_lock key that serialises writers of the hash chain ("AUDIT" in ASCII hex).
CHAIN_LOCK_KEY = 0x4155444954
# The fields a row's hash covers, in this order (with prev_hash first).
HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "indicator_code",
    "before",
    "after",
    "reason",
    "source",
)


def _canonical(value: Any) -> Any:
    """JSON values as the database gives them back: PostgreSQL's jsonb turns 1e20 into an
    integer, so integral floats hash as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    return str(value or "")


def event_hash(event: Any, prev_hash: str) -> str:
    """sha256 of the canonical JSON of prev_hash and the hashed fields of `event` (an
    AuditEvent, or the historical model of a migration: only attributes are read)."""
    payload = {"prev_hash": prev_hash or ""}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        payload[name] = _timestamp(value) if name == "created_at" else _canonical(value)
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_chain(using: str = "default") -> None:
    """On PostgreSQL, serialise writers of the chain until the current transaction ends.
    SQLite needs nothing: transaction_mode IMMEDIATE already holds the write lock."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def chain_head(model: Any = None, using: str = "default") -> str:
    """The row_hash of the latest chained row by id ('' for an empty log). Rows written
    around save() (no hash) are skipped: audit-verify reports them, the chain goes on."""
    model = model or AuditEvent
    rows = model._base_manager.using(using).exclude(row_hash="").order_by("-id")
    return rows.values_list("row_hash", flat=True).first() or ""


def link(events: Any, prev_hash: str) -> str:
    """Stamp prev_hash and row_hash on `events`, in order. Returns the last row_hash."""
    for event in events:
        event.prev_hash = prev_hash
        event.row_hash = event_hash(event, prev_hash)
        prev_hash = event.row_hash
    return prev_hash


class AuditEvent(models.Model):
    # Stamped again in save() before hashing (auto_now_add would overwrite it after hashing).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
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
    # The hash chain (citykpi audit-verify): row_hash covers prev_hash and every field above.
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):  # no extra SAVEPOINT round trips
            lock_chain(using)
            self.created_at = timezone.now()
            link([self], chain_head(type(self), using))
            kwargs["force_insert"] = True
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise RuntimeError("Audit events are append-only")
