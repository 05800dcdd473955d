"""Writing audit rows. Called by every actions.py function inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from citykpi.audit import catalogue
from citykpi.audit.models import AuditEvent, chain_head, link, lock_chain
from citykpi.audit.signals import recorded


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def snapshot(obj, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` on `obj`, JSON-ready, for the before/after of an audit row."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def build(
    actor,
    action: str,
    obj,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    indicator_code: str = "",
    source: str = "web",
) -> AuditEvent:
    """The audit row for a write, unsaved: for batch paths that insert many in one query."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    catalogue.check(action)
    return AuditEvent(
        actor=user,
        actor_name=getattr(user, "username", "") or "system",
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else type(obj).__name__,
        object_id=str(getattr(obj, "pk", "")),
        object_repr=str(obj)[:255],
        indicator_code=indicator_code,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason,
        source=source,
    )


def record(actor, action: str, obj, **details) -> AuditEvent:
    """Write the audit row of a write (inside the write's transaction). Keyword arguments
    as for build(): before, after, reason, indicator_code, source."""
    event = build(actor, action, obj, **details)
    event.save()
    recorded.send(AuditEvent, events=[event], objects=[obj])
    return event


def bulk_record(events: list[AuditEvent], *, batch_size: int | None = None) -> list[AuditEvent]:
    """Insert unsaved audit rows (from build()) in few queries, chained like record() would:
    the batch paths' replacement of AuditEvent.objects.bulk_create(...)."""
    events = list(events)
    if not events:
        return events
    with transaction.atomic(savepoint=False):
        lock_chain()
        stamp = timezone.now()
        for event in events:
            if event.pk is not None:
                raise RuntimeError("Audit events are append-only")
            event.created_at = stamp
        link(events, chain_head())
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
        recorded.send(AuditEvent, events=events, objects=None)
    return events
