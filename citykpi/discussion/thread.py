"""What the conversation shows: a quarter's thread, what changed since its last return
(result, narrative, files) read from the audit log of the return, and each user's list of
what needs their attention (returned, commented, assessed, resubmitted) since they last
looked."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone

from citykpi.accounts import access
from citykpi.accounts.models import Role as MemberRole
from citykpi.audit.models import AuditEvent
from citykpi.discussion.models import Entry, Reader
from citykpi.lib.users import AnyUser
from citykpi.reporting.models import Evidence, QuarterReport

Kind = Entry.Kind
RETURN_ACTIONS = ("report.return", "report.return_draft")
# Without a mark, the attention list looks back this far.
FIRST_LOOK = dt.timedelta(days=30)
ATTENTION_LIMIT = 50


def thread_of(report: QuarterReport) -> list[Entry]:
    """The quarter's thread, oldest first (one query)."""
    if not report.pk:
        return []
    return list(Entry.objects.filter(report=report).select_related("author"))


@dataclass
class Changes:
    """What changed in a quarter since it was last returned."""

    returned_at: dt.datetime
    returned_by: str
    reason: str
    result_before: Decimal | None
    result_now: Decimal | None
    narrative_lines: list[tuple[str, str]] = field(default_factory=list)  # ("+"|"-"|" ", line)
    added: list[Evidence] = field(default_factory=list)
    removed: list[Evidence] = field(default_factory=list)

    @property
    def result_changed(self) -> bool:
        return self.result_before != self.result_now

    @property
    def narrative_changed(self) -> bool:
        return any(op != " " for op, _line in self.narrative_lines)

    @property
    def anything(self) -> bool:
        return self.result_changed or self.narrative_changed or bool(self.added or self.removed)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def narrative_diff(before: str, now: str) -> list[tuple[str, str]]:
    """The narrative's lines, each kept (" "), removed ("-") or added ("+").

    >>> narrative_diff("ก\\nข", "ก\\nค")
    [(' ', 'ก'), ('-', 'ข'), ('+', 'ค')]
    """
    out = []
    for line in difflib.ndiff((before or "").splitlines(), (now or "").splitlines()):
        if line[:1] in ("+", "-", " "):
            out.append((line[:1], line[2:]))
    return out


def changes_since_return(report: QuarterReport) -> Changes | None:
    """The result, narrative and evidence files now against the moment of the last return
    (the return's audit row holds the quarter as it was); None when it was never returned.
    Two queries whether or not it was (the KPI's return and removal rows, the files), so a
    page showing it does not grow with the quarter's history."""
    if not report.pk:
        return None
    events = list(
        AuditEvent.objects.filter(indicator_code=report.indicator.code)
        .filter(
            Q(object_type="reporting.quarterreport", object_id=str(report.pk), action__in=RETURN_ACTIONS)
            | Q(object_type="reporting.evidence", action="evidence.remove")
        )
        .order_by("-created_at", "-id")[:500]
    )
    files = list(Evidence.objects.filter(quarter_report=report))
    event = next((e for e in events if e.action in RETURN_ACTIONS), None)
    if event is None:
        return None
    ids = {str(f.pk) for f in files}
    removed_ids = {
        e.object_id
        for e in events
        if e.action == "evidence.remove" and e.object_id in ids and e.created_at > event.created_at
    }
    then = event.after or {}
    return Changes(
        returned_at=event.created_at,
        returned_by=event.actor_name,
        reason=event.reason,
        result_before=_decimal(then.get("result")),
        result_now=report.result,
        narrative_lines=narrative_diff(then.get("narrative") or "", report.narrative),
        added=[f for f in files if f.uploaded_at > event.created_at and not f.is_removed],
        removed=[f for f in files if str(f.pk) in removed_ids and f.uploaded_at <= event.created_at],
    )


def seen_at(user: AnyUser, now: dt.datetime | None = None) -> dt.datetime:
    """When the user last marked their attention list as read (a month ago if never)."""
    first_look = (now or timezone.now()) - FIRST_LOOK
    if user.pk is None:
        return first_look
    mark = Reader.objects.filter(user_id=user.pk).values_list("seen_at", flat=True).first()
    return mark or first_look


def attention_for(user: AnyUser, since: dt.datetime, limit: int = ATTENTION_LIMIT) -> list[Entry]:
    """What happened since `since` that this user should read, newest first: for a
    reporter or head, their agencies' quarters returned, commented on or assessed; for the
    evaluator, quarters resubmitted after a return and comments from the agencies.
    Their own entries are never news to them."""
    wanted = Q(pk__in=[])
    agencies = access.agency_ids(user, MemberRole.REPORTER, MemberRole.HEAD)
    if agencies:
        wanted |= Q(
            report__indicator__agency_id__in=agencies, kind__in=[Kind.RETURN, Kind.COMMENT, Kind.ASSESS]
        )
    if access.is_evaluator(user):
        wanted |= Q(kind=Kind.RESUBMIT) | Q(
            kind=Kind.COMMENT, role__in=[Entry.Role.REPORTER, Entry.Role.HEAD]
        )
    return list(
        Entry.objects.filter(wanted, created_at__gt=since)
        .exclude(author_id=user.pk)
        .select_related("report__indicator")
        .order_by("-created_at", "-id")[:limit]
    )
