"""evaluation.actions: return, assess, reopen; every legal and illegal transition and its audit row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from citykpi.audit.models import AuditEvent
from citykpi.evaluation import actions as evaluation
from citykpi.evaluation.models import Assessment
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import AFTER_Q2_DEADLINE, IN_Q2

S = QuarterReport.Status
COMPONENTS = {"2.1": "95", "2.2": "๑๐๐"}


@pytest.fixture
def kpi_a(make_indicator, agency_a):
    return make_indicator(agency_a)


@pytest.fixture
def submitted(kpi_a, head_a):
    report = reporting.get_quarter(kpi_a, 2)
    reporting.save_report(head_a, report, result="50", narrative="ครึ่งทาง", version=report.version, now=IN_Q2)
    reporting.submit_report(head_a, report, now=IN_Q2)
    return report


def build(status_path, kpi, head, evaluator):
    """Drive a fresh quarter to a status through the real actions."""
    report = reporting.get_quarter(kpi, 2)
    if status_path == "not_started":
        return report
    reporting.save_report(head, report, result="50", narrative="x", version=report.version, now=IN_Q2)
    if status_path == "draft":
        return report
    reporting.submit_report(head, report, now=IN_Q2)
    if status_path == "submitted":
        return report
    if status_path == "returned":
        evaluation.return_report(evaluator, report, reason="แก้ไข", now=IN_Q2)
        return report
    evaluation.assess(evaluator, report, score="90", components=COMPONENTS, now=IN_Q2)
    if status_path == "assessed":
        return report
    evaluation.reopen(evaluator, report, reason="ตรวจใหม่", now=IN_Q2)
    return report


def test_evaluator_returns_a_submitted_quarter_with_a_reason_and_an_audit_row(submitted, evaluator, head_a):
    evaluation.return_report(evaluator, submitted, reason="ขาดหลักฐาน", now=IN_Q2)
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED and submitted.return_reason == "ขาดหลักฐาน"
    event = AuditEvent.objects.get(action="report.return")
    assert event.reason == "ขาดหลักฐาน" and event.actor == evaluator
    assert event.before["status"] == "submitted" and event.after["status"] == "returned"
    # The agency fixes it and submits again, even after the deadline: it was asked to.
    reporting.save_report(
        head_a, submitted, result="55", narrative="แก้แล้ว", version=submitted.version, now=AFTER_Q2_DEADLINE
    )
    reporting.submit_report(head_a, submitted, now=AFTER_Q2_DEADLINE)
    assert submitted.status == S.SUBMITTED


def test_return_needs_a_reason(submitted, evaluator):
    with pytest.raises(ActionError) as info:
        evaluation.return_report(evaluator, submitted, reason="  ", now=IN_Q2)
    assert info.value.field == "reason"


def test_evaluator_assesses_with_the_years_components_and_the_quarter_locks(
    submitted, evaluator, head_a, kpi_a
):
    assessment = evaluation.assess(
        evaluator, submitted, score="๙๕", components=COMPONENTS, comment="ดี", now=IN_Q2
    )
    assert assessment.score == Decimal("95") and assessment.components == {"2.1": "95", "2.2": "100"}
    assert assessment.definition_version == kpi_a.definition_version and assessment.assessor == evaluator
    submitted.refresh_from_db()
    assert submitted.status == S.ASSESSED
    event = AuditEvent.objects.get(action="report.assess")
    assert (
        event.after["assessment"]["score"] in ("95", "95.0000")
        or Decimal(event.after["assessment"]["score"]) == 95
    )
    with pytest.raises(ActionError):
        reporting.save_report(
            head_a, submitted, result="60", narrative="", version=submitted.version, now=IN_Q2
        )


@pytest.mark.parametrize(
    ("components", "field"),
    [
        ({"2.1": "95"}, "components.2.2"),
        ({"2.1": "95", "2.2": "100", "9.9": "1"}, "components"),
        ({"2.1": "101", "2.2": "1"}, "components.2.1"),
        ({"2.1": "x", "2.2": "1"}, "components.2.1"),
    ],
)
def test_components_must_follow_the_years_scheme(submitted, evaluator, components, field):
    with pytest.raises(ActionError) as info:
        evaluation.assess(evaluator, submitted, score="90", components=components, now=IN_Q2)
    assert info.value.field == field
    assert not Assessment.objects.exists()


def test_a_year_with_its_own_scheme_uses_it(submitted, evaluator, fiscal_year):
    fiscal_year.assessment_components = ["A", "B", "C"]
    fiscal_year.save()
    submitted.indicator.fiscal_year.refresh_from_db()
    assessment = evaluation.assess(
        evaluator, submitted, score="80", components={"A": "1", "B": "2", "C": "3"}, now=IN_Q2
    )
    assert set(assessment.components) == {"A", "B", "C"}


@pytest.mark.parametrize("score", ["-1", "100.5", "", "abc"])
def test_overall_score_must_be_0_to_100(submitted, evaluator, score):
    with pytest.raises(ActionError) as info:
        evaluation.assess(evaluator, submitted, score=score, components=COMPONENTS, now=IN_Q2)
    assert info.value.field == "score"


def test_reopen_then_the_agency_edits_and_the_evaluator_assesses_again(submitted, evaluator, head_a):
    evaluation.assess(evaluator, submitted, score="90", components=COMPONENTS, now=IN_Q2)
    evaluation.reopen(evaluator, submitted, reason="ผลไม่ตรงหลักฐาน", now=AFTER_Q2_DEADLINE)
    assert submitted.status == S.REOPENED
    event = AuditEvent.objects.get(action="report.reopen")
    assert event.before["status"] == "assessed" and event.after["status"] == "reopened"
    reporting.save_report(
        head_a, submitted, result="45", narrative="แก้", version=submitted.version, now=AFTER_Q2_DEADLINE
    )
    evaluation.assess(evaluator, submitted, score="70", components=COMPONENTS, now=AFTER_Q2_DEADLINE)
    assert Assessment.objects.get().score == Decimal("70")
    assert submitted.status == S.ASSESSED


def test_reopening_a_late_draft_lets_the_agency_report_until_the_date(kpi_a, head_a, evaluator):
    report = reporting.get_quarter(kpi_a, 2)
    reporting.save_report(head_a, report, result="10", narrative="", version=1, now=IN_Q2)
    with pytest.raises(ActionError):
        reporting.submit_report(head_a, report, now=AFTER_Q2_DEADLINE)
    until = dt.date(2023, 4, 30)
    evaluation.reopen(evaluator, report, reason="ขอขยายเวลา", until=until, now=AFTER_Q2_DEADLINE)
    assert report.status == S.DRAFT and report.reopened_until == until
    reporting.submit_report(head_a, report, now=AFTER_Q2_DEADLINE)
    assert report.status == S.SUBMITTED


@pytest.mark.parametrize(
    ("start", "action"),
    [
        ("not_started", "return"),
        ("draft", "return"),
        ("returned", "return"),
        ("assessed", "return"),
        ("not_started", "assess"),
        ("draft", "assess"),
        ("returned", "assess"),
        ("assessed", "assess"),
        ("submitted", "reopen"),
        ("reopened", "reopen"),
    ],
)
def test_illegal_transitions_are_refused_with_a_bilingual_message(start, action, kpi_a, head_a, evaluator):
    report = build(start, kpi_a, head_a, evaluator)
    version, events = report.version, AuditEvent.objects.count()
    call = {
        "return": lambda: evaluation.return_report(evaluator, report, reason="r", now=IN_Q2),
        "assess": lambda: evaluation.assess(evaluator, report, score="1", components=COMPONENTS, now=IN_Q2),
        "reopen": lambda: evaluation.reopen(evaluator, report, reason="r", now=IN_Q2),
    }[action]
    with pytest.raises(ActionError) as info:
        call()
    assert info.value.message_th and info.value.message_en
    report.refresh_from_db()
    assert report.status == start and report.version == version
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["head_a", "reporter_a", "reporter_b", "executive"])
def test_only_the_evaluator_returns_assesses_and_reopens(submitted, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises((PermissionDenied, Exception)) as info:
        evaluation.return_report(user, submitted, reason="r", now=IN_Q2)
    assert info.type.__name__ in ("PermissionDenied", "Http404")
    with pytest.raises(Exception) as info:
        evaluation.assess(user, submitted, score="1", components=COMPONENTS, now=IN_Q2)
    assert info.type.__name__ in ("PermissionDenied", "Http404")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_stale_version_on_assess_is_a_conflict(submitted, evaluator):
    with pytest.raises(ConflictError):
        evaluation.assess(evaluator, submitted, score="1", components=COMPONENTS, version=1, now=IN_Q2)
