"""Writing audit rows. Called by every actions.py function inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Expression, IntegerField, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from citykpi.audit import catalogue
from citykpi.audit.models import CHAIN_LOCK_KEY, AuditEvent, chain_head, link, lock_chain
from citykpi.audit.signals import recorded
from citykpi.lib.users import Actor, user_of


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


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` on `obj`, JSON-ready, for the before/after of an audit row."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def build(
    actor: Actor,
    action: str,
    obj: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    indicator_code: str = "",
    source: str = "web",
) -> AuditEvent:
    """The audit row for a write, unsaved: for batch paths that insert many in one query."""
    user = user_of(actor)
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


def chain_lock(using: str = "default") -> Expression:
    """The chain's lock as a column of a query the write makes anyway (PostgreSQL:
    pg_advisory_xact_lock, the lock `lock_chain` takes in a statement of its own; SQLite: a
    constant, its IMMEDIATE transactions already serialise writers).

    For a write that then calls `record(..., chain_locked=True)` in the same transaction:
    one statement fewer. Use it only in a query made AFTER the write's row locks (writers
    take their row locks first, then the chain's: the other order could deadlock), and
    only in a query that returns at least one row (the lock is taken when the first row
    is). The chain head is read in a later statement, so it sees every row committed
    before the lock was granted."""
    if connections[using].vendor == "postgresql":
        # An uncorrelated subquery: evaluated once, with the query's first row.
        return RawSQL(
            "(SELECT 1 FROM pg_advisory_xact_lock(%s))", [CHAIN_LOCK_KEY], output_field=IntegerField()
        )
    return Value(1, output_field=IntegerField())


def record(actor: Actor, action: str, obj: Any, *, chain_locked: bool = False, **details: Any) -> AuditEvent:
    """Write the audit row of a write (inside the write's transaction). Keyword arguments
    as for build(): before, after, reason, indicator_code, source.

    chain_locked: the caller already holds the chain's lock in this transaction (it
    selected `chain_lock()` in a query after its row locks): the row is chained and
    inserted without taking the lock again (two statements: the chain head, the insert)."""
    event = build(actor, action, obj, **details)
    if chain_locked:
        using = router.db_for_write(AuditEvent, instance=event)
        if not connections[using].in_atomic_block:
            raise RuntimeError("chain_locked: the chain's lock lasts only as long as a transaction")
        # What AuditEvent.save() does, less its lock_chain().
        event.created_at = timezone.now()
        link([event], chain_head(AuditEvent, using))
        AuditEvent.objects.using(using).bulk_create([event])
    else:
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
