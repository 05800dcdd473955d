"""The state changes of a quarter that join its thread, read from their audit rows inside
the write's transaction (citykpi.audit.signals.recorded): the evaluator's return and its
reason, the head's return of a draft and its note, a resubmission after a return, an
assessment and its comment. A plain save or a first submit adds nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from citykpi.audit.models import AuditEvent
from citykpi.audit.signals import recorded
from citykpi.discussion.models import Entry
from citykpi.reporting.models import QuarterReport

Kind, Role = Entry.Kind, Entry.Role
# action -> (kind, role of the one who does it)
THREAD_ACTIONS: dict[str, tuple[str, str]] = {
    "report.return": (Kind.RETURN, Role.EVALUATOR),
    "report.return_draft": (Kind.RETURN, Role.HEAD),
    "report.submit": (Kind.RESUBMIT, Role.HEAD),
    "report.assess": (Kind.ASSESS, Role.EVALUATOR),
}
RETURNED = QuarterReport.Status.RETURNED


def entry_for(event: AuditEvent) -> Entry | None:
    """The thread entry an audit row of a quarter tells of, unsaved (None: none)."""
    if event.action not in THREAD_ACTIONS or event.object_type != "reporting.quarterreport":
        return None
    kind, role = THREAD_ACTIONS[event.action]
    if event.action == "report.submit" and (event.before or {}).get("status") != RETURNED:
        return None  # a first submission is no news in the conversation
    text = event.reason
    if event.action == "report.assess":
        score = ((event.after or {}).get("assessment") or {}).get("score")
        text = (
            f"{score}" + (f" · {event.reason}" if event.reason else "") if score is not None else event.reason
        )
    return Entry(
        report_id=int(event.object_id),
        author_id=event.actor_id,
        author_name=event.actor_name,
        role=role,
        kind=kind,
        text=text,
        created_at=event.created_at,
        audit_event=event if event.pk else None,
    )


@receiver(recorded, dispatch_uid="discussion-thread-from-audit")
def add_entries(sender: Any, events: list[AuditEvent], objects: Iterable[Any] | None, **kwargs: Any) -> None:
    entries = [entry for event in events if (entry := entry_for(event)) is not None]
    if entries:
        Entry.objects.bulk_create(entries)
