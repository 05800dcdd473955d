"""The writes of a quarter's conversation: post a comment, mark the attention list as read.

The head's return of a draft is a state change of the quarter
(citykpi.reporting.actions.return_draft); the evaluator's return and assessment are in
citykpi.evaluation.actions. Their notes join the thread through the audit log
(citykpi.discussion.receivers).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from citykpi.accounts import access
from citykpi.accounts.models import Role as MemberRole
from citykpi.audit.log import record
from citykpi.discussion.models import Entry, Reader
from citykpi.lib.errors import ActionError
from citykpi.lib.users import AnyUser
from citykpi.reporting.models import QuarterReport

TEXT_MAX_CHARS = 5000


def role_in_thread(user: AnyUser, report: QuarterReport) -> str | None:
    """Who the user speaks as in this quarter's thread (None: they may only read)."""
    indicator = report.indicator
    if access.is_evaluator(user):
        return Entry.Role.EVALUATOR
    if indicator.agency_id in access.agency_ids(user, MemberRole.HEAD):
        return Entry.Role.HEAD
    if indicator.agency_id in access.agency_ids(user, MemberRole.REPORTER):
        return Entry.Role.REPORTER
    return None


def post_comment(
    actor: AnyUser,
    report: QuarterReport,
    *,
    text: str,
    source: str = "web",
    now: dt.datetime | None = None,
) -> Entry:
    """A comment in the quarter's thread by its reporter, head or the evaluator."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("กรุณาเข้าสู่ระบบ / Log in first")
    if not access.can_view_agency(actor, report.indicator.agency_id):
        raise Http404(report.indicator.code)
    role = role_in_thread(actor, report)
    if role is None:
        raise PermissionDenied("บทบาทของคุณอ่านได้อย่างเดียว / Your role may only read")
    text = (text or "").strip()
    if not text:
        raise ActionError("กรุณาพิมพ์ข้อความ", "Write a message", field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise ActionError(
            f"ข้อความยาวเกิน {TEXT_MAX_CHARS:,} ตัวอักษร",
            f"The message is longer than {TEXT_MAX_CHARS:,} characters",
            field="text",
        )
    with transaction.atomic():
        entry = Entry.objects.create(
            report=report,
            author_id=actor.pk,
            author_name=actor.get_username(),
            role=role,
            kind=Entry.Kind.COMMENT,
            text=text,
            created_at=now or timezone.now(),
        )
        record(
            actor,
            "thread.comment",
            entry,
            after={"quarter": report.quarter, "role": role, "text": text},
            indicator_code=report.indicator.code,
            source=source,
        )
    return entry


def mark_seen(actor: AnyUser, *, source: str = "web", now: dt.datetime | None = None) -> Reader:
    """What the attention list shows so far is read: only what comes after is new."""
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise PermissionDenied("กรุณาเข้าสู่ระบบ / Log in first")
    user_id: int = actor.pk
    now = now or timezone.now()
    with transaction.atomic():
        reader = Reader.objects.select_for_update().filter(user_id=user_id).first()
        before = {"seen_at": reader.seen_at.isoformat()} if reader else {}
        if reader is None:
            reader = Reader(user_id=user_id, seen_at=now)
        reader.seen_at = now
        reader.save()
        record(
            actor, "attention.seen", reader, before=before, after={"seen_at": now.isoformat()}, source=source
        )
    return reader
