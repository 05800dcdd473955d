"""citykpi.discussion: the thread of a quarter (comments posted; returns, resubmissions and
assessments joining from the audit log), the head's return of a draft, what changed since a
return, and each user's attention list."""

from __future__ import annotations

import datetime as dt
import doctest
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from citykpi.audit.models import AuditEvent
from citykpi.discussion import actions as discussion
from citykpi.discussion import thread
from citykpi.discussion.models import Entry, Reader
from citykpi.discussion.thread import attention_for, changes_since_return, seen_at, thread_of
from citykpi.evaluation import actions as evaluation
from citykpi.lib.errors import ActionError
from citykpi.publicdata import versions
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import pdf_upload

S = QuarterReport.Status
K = Entry.Kind
COMPONENTS = {"2.1": "90", "2.2": "100"}


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


def draft(kpi, who, result="40", narrative="ครึ่งทาง"):
    report = reporting.get_quarter(kpi, 1)
    reporting.save_report(who, report, result=result, narrative=narrative, version=report.version)
    return report


def submitted(kpi, head, **kwargs):
    report = draft(kpi, head, **kwargs)
    reporting.submit_report(head, report)
    return report


def test_a_return_and_its_reason_join_the_thread_with_who_and_when(kpi_a, head_a, evaluator):
    report = submitted(kpi_a, head_a)
    evaluation.return_report(evaluator, report, reason="ขาดหลักฐานการประชุม")
    [entry] = thread_of(report)
    assert (entry.kind, entry.role, entry.author, entry.text) == (
        K.RETURN,
        Entry.Role.EVALUATOR,
        evaluator,
        "ขาดหลักฐานการประชุม",
    )
    assert entry.audit_event.action == "report.return" and entry.created_at == entry.audit_event.created_at


def test_a_resubmission_after_a_return_joins_the_thread_and_a_first_submit_does_not(kpi_a, head_a, evaluator):
    report = submitted(kpi_a, head_a)
    assert thread_of(report) == []
    evaluation.return_report(evaluator, report, reason="แก้ผลงาน")
    reporting.save_report(head_a, report, result="52", narrative="แก้แล้ว", version=report.version)
    reporting.submit_report(head_a, report)
    assert [e.kind for e in thread_of(report)] == [K.RETURN, K.RESUBMIT]


def test_an_assessment_joins_the_thread_with_its_score_and_comment(kpi_a, head_a, evaluator):
    report = submitted(kpi_a, head_a)
    evaluation.assess(evaluator, report, score="88", components=COMPONENTS, comment="ดี")
    [entry] = thread_of(report)
    assert entry.kind == K.ASSESS and entry.text == "88 · ดี"


def test_the_head_returns_a_draft_to_the_reporter_with_a_note(kpi_a, reporter_a, head_a):
    report = draft(kpi_a, reporter_a)
    version = report.version
    reporting.return_draft(head_a, report, note="เพิ่มรายละเอียดงบประมาณ", version=version)
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.version == version + 1
    [entry] = thread_of(report)
    assert (entry.kind, entry.role, entry.text) == (K.RETURN, Entry.Role.HEAD, "เพิ่มรายละเอียดงบประมาณ")
    event = AuditEvent.objects.get(action="report.return_draft")
    assert event.reason == "เพิ่มรายละเอียดงบประมาณ" and event.actor == head_a


def test_a_reporter_may_not_return_a_draft_and_nothing_changes(kpi_a, reporter_a):
    report = draft(kpi_a, reporter_a)
    version = report.version
    with pytest.raises(PermissionDenied):
        reporting.return_draft(reporter_a, report, note="กลับไป")
    report.refresh_from_db()
    assert report.version == version and not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action="report.return_draft").exists()


def test_returning_a_draft_needs_a_note_and_a_draft(kpi_a, reporter_a, head_a):
    report = draft(kpi_a, reporter_a)
    with pytest.raises(ActionError) as no_note:
        reporting.return_draft(head_a, report, note="  ")
    assert no_note.value.field == "note" and "บันทึก" in no_note.value.message_th
    reporting.submit_report(head_a, report)
    with pytest.raises(ActionError) as not_draft:
        reporting.return_draft(head_a, report, note="กลับไป")
    assert not_draft.value.field == "status" and not Entry.objects.exists()


def test_a_comment_is_posted_with_the_authors_role_and_an_audit_row(kpi_a, reporter_a, head_a, evaluator):
    report = draft(kpi_a, reporter_a)
    discussion.post_comment(reporter_a, report, text="ขอคำแนะนำเรื่องหลักฐาน")
    discussion.post_comment(head_a, report, text="แนบรายงานการประชุม")
    discussion.post_comment(evaluator, report, text="ใช้รายงานการประชุมได้")
    assert [(e.role, e.kind) for e in thread_of(report)] == [
        (Entry.Role.REPORTER, K.COMMENT),
        (Entry.Role.HEAD, K.COMMENT),
        (Entry.Role.EVALUATOR, K.COMMENT),
    ]
    assert AuditEvent.objects.filter(action="thread.comment", indicator_code=kpi_a.code).count() == 3


def test_an_executive_may_only_read_and_another_agency_gets_404(kpi_a, reporter_a, executive, reporter_b):
    report = draft(kpi_a, reporter_a)
    with pytest.raises(PermissionDenied):
        discussion.post_comment(executive, report, text="ดูอยู่")
    with pytest.raises(Http404):
        discussion.post_comment(reporter_b, report, text="ของใคร")
    with pytest.raises(ActionError) as empty:
        discussion.post_comment(reporter_a, report, text=" ")
    assert empty.value.field == "text"
    assert not Entry.objects.exists() and not AuditEvent.objects.filter(action="thread.comment").exists()


def test_what_changed_since_the_return_shows_result_narrative_and_files(kpi_a, head_a, evaluator):
    report = draft(kpi_a, head_a, result="50.5", narrative="บรรทัดแรก\nบรรทัดสอง")
    old_file = reporting.add_evidence(head_a, report, pdf_upload("เดิม.pdf"))
    reporting.submit_report(head_a, report)
    assert changes_since_return(report) is None
    evaluation.return_report(evaluator, report, reason="ผลงานไม่ตรงหลักฐาน")
    unchanged = changes_since_return(report)
    assert unchanged is not None and not unchanged.anything and unchanged.reason == "ผลงานไม่ตรงหลักฐาน"
    reporting.save_report(head_a, report, result="52", narrative="บรรทัดแรก\nบรรทัดใหม่", version=report.version)
    reporting.add_evidence(head_a, report, pdf_upload("ใหม่.pdf"))
    reporting.remove_evidence(head_a, old_file)
    reporting.submit_report(head_a, report)
    changes = changes_since_return(report)
    assert (changes.result_before, changes.result_now) == (Decimal("50.5"), Decimal("52"))
    assert ("-", "บรรทัดสอง") in changes.narrative_lines and ("+", "บรรทัดใหม่") in changes.narrative_lines
    assert [f.original_name for f in changes.added] == ["ใหม่.pdf"]
    assert [f.original_name for f in changes.removed] == ["เดิม.pdf"]


def test_the_attention_list_shows_what_is_new_to_each_user_and_marking_it_read_clears_it(
    kpi_a, reporter_a, head_a, evaluator
):
    report = submitted(kpi_a, head_a)
    evaluation.return_report(evaluator, report, reason="แก้ไข")
    for_reporter = attention_for(reporter_a, seen_at(reporter_a))
    assert [(e.kind, e.report_id) for e in for_reporter] == [(K.RETURN, report.pk)]
    assert attention_for(evaluator, seen_at(evaluator)) == []  # their own return is no news
    reporting.save_report(head_a, report, result="41", narrative="แก้แล้ว", version=report.version)
    reporting.submit_report(head_a, report)
    assert [e.kind for e in attention_for(evaluator, seen_at(evaluator))] == [K.RESUBMIT]
    discussion.mark_seen(reporter_a, now=timezone.now() + dt.timedelta(seconds=1))
    assert attention_for(reporter_a, seen_at(reporter_a)) == []
    assert Reader.objects.filter(user=reporter_a).exists()
    assert AuditEvent.objects.filter(action="attention.seen", actor=reporter_a).count() == 1
    discussion.post_comment(evaluator, report, text="รับทราบ")
    later = attention_for(head_a, timezone.now() - dt.timedelta(minutes=1))
    assert K.COMMENT in [e.kind for e in later]


def test_a_comment_and_a_read_mark_leave_the_public_pages_cached(kpi_a, reporter_a):
    report = draft(kpi_a, reporter_a)
    scopes = [versions.SITE, versions.ALL, versions.kpi(kpi_a.code)]
    before = versions.current(scopes)
    discussion.post_comment(reporter_a, report, text="ถามเรื่องหลักฐาน")
    discussion.mark_seen(reporter_a)
    assert versions.current(scopes) == before


def test_the_narrative_diff_examples_hold():
    failures, tried = doctest.testmod(thread)
    assert tried >= 1 and failures == 0
