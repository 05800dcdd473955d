"""evaluation.actions.assess_many (the bulk assessment of on-plan quarters in one confirmed
step) and checked_scores (every wrong field reported at once)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from citykpi.audit.models import AuditEvent
from citykpi.evaluation import actions as evaluation
from citykpi.evaluation.models import Assessment
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2

S = QuarterReport.Status


@pytest.fixture
def three_submitted(make_indicator, agency_a, head_a):
    reports = []
    for n in range(3):
        report = reporting.get_quarter(make_indicator(agency_a), 2)
        reporting.save_report(
            head_a, report, result=str(50 + n), narrative="x", version=report.version, now=IN_Q2
        )
        reporting.submit_report(head_a, report, now=IN_Q2)
        reports.append(report)
    return reports


def items(reports, scores=("100", "95.5", "๙๐")):
    return [evaluation.BulkItem(r.pk, r.version, score) for r, score in zip(reports, scores)]


def test_assess_many_scores_every_quarter_with_its_confirmed_score_and_an_audit_row_each(
    three_submitted, evaluator
):
    done = evaluation.assess_many(evaluator, items(three_submitted), comment="ตามแผน", now=IN_Q2)
    assert len(done) == 3
    scores = {a.quarter_report_id: (a.score, a.components) for a in Assessment.objects.all()}
    first, second, third = three_submitted
    assert scores[second.pk] == (Decimal("95.5"), {"2.1": "95.5", "2.2": "95.5"})
    assert scores[third.pk][0] == Decimal("90")
    assert set(QuarterReport.objects.values_list("status", flat=True)) == {S.ASSESSED}
    events = AuditEvent.objects.filter(action="report.assess")
    assert events.count() == 3 and {e.reason for e in events} == {"ตามแผน"}


def test_a_role_that_may_not_assess_is_refused_and_nothing_changes(three_submitted, head_a):
    with pytest.raises(PermissionDenied):
        evaluation.assess_many(head_a, items(three_submitted), now=IN_Q2)
    assert not Assessment.objects.exists() and not AuditEvent.objects.filter(action="report.assess").exists()
    assert set(QuarterReport.objects.values_list("status", flat=True)) == {S.SUBMITTED}


def test_one_quarter_changed_since_it_was_confirmed_refuses_them_all(three_submitted, evaluator, head_a):
    confirmed = items(three_submitted)
    reporting.recall_report(head_a, three_submitted[2], now=IN_Q2)  # the last one changed meanwhile
    with pytest.raises(ConflictError) as refused:
        evaluation.assess_many(evaluator, confirmed, now=IN_Q2)
    assert refused.value.current["code"] == three_submitted[2].indicator.code
    assert not Assessment.objects.exists()


def test_a_bad_score_names_the_kpi_and_nothing_is_assessed(three_submitted, evaluator):
    with pytest.raises(ActionError) as refused:
        evaluation.assess_many(evaluator, items(three_submitted, ("100", "101", "90")), now=IN_Q2)
    assert three_submitted[1].indicator.code in refused.value.message_th
    assert not Assessment.objects.exists()


def test_nothing_selected_is_a_clear_refusal(evaluator):
    with pytest.raises(ActionError) as refused:
        evaluation.assess_many(evaluator, [])
    assert refused.value.field == "reports"


def test_every_wrong_field_is_reported_at_once(three_submitted, evaluator):
    report = three_submitted[0]
    with pytest.raises(ActionError) as refused:
        evaluation.assess(evaluator, report, score="abc", components={"2.1": "", "2.2": "150"}, now=IN_Q2)
    errors = refused.value.extra["errors"]
    assert set(errors) == {"score", "components.2.1", "components.2.2"}
    assert "2.1" in errors["components.2.1"] and "0 ถึง 100" in errors["components.2.2"]
    assert "3" in refused.value.message_th
    assert not Assessment.objects.exists()
