"""reporting.commitments and the submit rule of a red quarter (#15.1): causes, corrective
actions with an owner and a due date, their follow-up across quarters and years, and the
dashboards' open and overdue counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear
from citykpi.lib.errors import ActionError
from citykpi.reporting import actions, commitments
from citykpi.reporting.models import Cause, Commitment, CommitmentUpdate, QuarterReport
from citykpi.reporting.tests.conftest import AFTER_Q2_DEADLINE, IN_Q2, at

S = QuarterReport.Status
DUE = dt.date(2023, 6, 30)


def red_quarter(
    kpi, actor, quarter: int = 2, planned: str = "40", result: str = "10", now=IN_Q2
) -> QuarterReport:
    """A quarter saved through the action (so its stored score is current): 10 of a plan
    of 40 is 25 % of plan, off track."""
    report = actions.get_quarter(kpi, quarter)
    if planned is not None:
        QuarterReport.objects.filter(pk=report.pk).update(planned_target=Decimal(planned))
        report.refresh_from_db()
    actions.save_report(actor, report, result=result, narrative="ผลงาน", version=report.version, now=now)
    report.refresh_from_db()
    return report


def explain(actor, report, now=IN_Q2) -> Commitment:
    cause = commitments.add_cause(actor, report, category="procurement", detail="ประกวดราคาไม่ได้", now=now)
    return commitments.add_commitment(
        actor,
        report,
        action="ประกาศประกวดราคาใหม่",
        owner="หัวหน้างานพัสดุ",
        due_date="30/06/2566",
        cause=cause,
        now=now,
    )


# ---------------------------------------------------------------- the submit rule


def test_a_quarter_behind_its_plan_is_not_submitted_without_a_cause_and_an_action(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a)
    assert report.score_status == "off_track" and actions.needs_explanation(report)
    with pytest.raises(ActionError) as info:
        actions.submit_report(head_a, report, now=IN_Q2)
    assert info.value.field == "cause"
    assert "ต่ำกว่าแผน" in info.value.message_th and "behind its plan" in info.value.message_en
    report.refresh_from_db()
    assert report.status == S.DRAFT
    assert not AuditEvent.objects.filter(action="report.submit").exists()


def test_a_cause_alone_is_not_enough_an_action_with_owner_and_due_date_is_needed(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a)
    commitments.add_cause(head_a, report, category="budget", now=IN_Q2)
    with pytest.raises(ActionError) as info:
        actions.submit_report(head_a, report, now=IN_Q2)
    assert info.value.field == "commitment"


def test_a_red_quarter_with_a_cause_and_an_action_is_submitted(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a)
    explain(head_a, report)
    actions.submit_report(head_a, report, now=IN_Q2)
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_a_dropped_action_does_not_explain_the_quarter(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a)
    commitment = explain(head_a, report)
    commitments.update_commitment(
        head_a, commitment, on=report, status="dropped", note="ไม่จำเป็นแล้ว", now=IN_Q2
    )
    with pytest.raises(ActionError):
        actions.submit_report(head_a, report, now=IN_Q2)


def test_a_quarter_without_a_plan_is_exempt(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a, planned=None, result="5")
    assert report.score_status == "off_track"  # scored against the annual target
    assert not actions.needs_explanation(report)
    actions.submit_report(head_a, report, now=IN_Q2)


def test_a_kpi_not_scored_against_a_plan_is_exempt(make_indicator, agency_a, head_a):
    kpi = make_indicator(agency_a, direction="range", range_low=Decimal(40), range_high=Decimal(60))
    report = red_quarter(kpi, head_a, result="5")
    assert not actions.needs_explanation(report)
    actions.submit_report(head_a, report, now=IN_Q2)


def test_a_quarter_at_risk_but_not_off_track_needs_no_explanation(kpi_a, head_a):
    report = red_quarter(kpi_a, head_a, result="36")  # 90 % of plan
    assert report.score_status == "at_risk"
    actions.submit_report(head_a, report, now=IN_Q2)


def test_the_heads_bulk_submit_is_refused_whole_naming_the_red_kpi(kpi_a, make_indicator, agency_a, head_a):
    fine = red_quarter(make_indicator(agency_a), head_a, result="40")
    red = red_quarter(kpi_a, head_a)
    with pytest.raises(ActionError) as info:
        actions.submit_many(head_a, {fine.pk: fine.version, red.pk: red.version}, now=IN_Q2)
    assert kpi_a.code in info.value.message_th
    fine.refresh_from_db()
    assert fine.status == S.DRAFT


# ---------------------------------------------------------------- the writes


def test_causes_and_actions_are_audited_with_thai_dates_accepted(kpi_a, reporter_a):
    report = red_quarter(kpi_a, reporter_a)
    commitment = explain(reporter_a, report)
    assert commitment.due_date == DUE  # 30/06/2566 BE
    actions_logged = list(
        AuditEvent.objects.filter(indicator_code=kpi_a.code).values_list("action", flat=True)
    )
    assert "cause.add" in actions_logged and "commitment.add" in actions_logged
    event = AuditEvent.objects.get(action="commitment.add")
    assert event.actor == reporter_a and event.after["owner"] == "หัวหน้างานพัสดุ"
    assert list(commitment.updates.values_list("status", flat=True)) == ["open"]


@pytest.mark.parametrize("value", ["๓๐/๐๖/๒๕๖๖", "2023-06-30", "2566-06-30", "30-6-2023"])
def test_a_due_date_is_read_in_thai_or_arabic_digits_be_or_ce(value):
    assert commitments.parse_day(value, field="due_date", label_th="วัน", label_en="date") == DUE


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"category": "luck"}, "category"),
        ({"category": "other", "detail": "  "}, "detail"),
    ],
)
def test_a_bad_cause_is_refused_naming_the_field(kpi_a, reporter_a, fields, field):
    report = red_quarter(kpi_a, reporter_a)
    with pytest.raises(ActionError) as info:
        commitments.add_cause(reporter_a, report, now=IN_Q2, **fields)
    assert info.value.field == field
    assert not Cause.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"action": "", "owner": "ก", "due_date": "2023-06-30"}, "action_text"),
        ({"action": "ทำ", "owner": " ", "due_date": "2023-06-30"}, "owner"),
        ({"action": "ทำ", "owner": "ก", "due_date": "31/02/2566"}, "due_date"),
        ({"action": "ทำ", "owner": "ก", "due_date": "2023-01-01"}, "due_date"),  # in the past
    ],
)
def test_a_bad_corrective_action_is_refused_naming_the_field(kpi_a, reporter_a, fields, field):
    report = red_quarter(kpi_a, reporter_a)
    with pytest.raises(ActionError) as info:
        commitments.add_commitment(reporter_a, report, now=IN_Q2, **fields)
    assert info.value.field == field
    assert not Commitment.objects.exists()


def test_another_agencys_reporter_gets_404_and_the_executive_403(kpi_a, reporter_a, reporter_b, executive):
    report = red_quarter(kpi_a, reporter_a)
    with pytest.raises(Http404):
        commitments.add_cause(reporter_b, report, category="budget", now=IN_Q2)
    with pytest.raises(PermissionDenied):
        commitments.add_cause(executive, report, category="budget", now=IN_Q2)
    assert not Cause.objects.exists()


def test_a_closed_quarter_takes_no_new_cause(kpi_a, reporter_a):
    report = red_quarter(kpi_a, reporter_a)
    with pytest.raises(ActionError) as info:
        commitments.add_cause(reporter_a, report, category="budget", now=AFTER_Q2_DEADLINE)
    assert info.value.field == "status"


# ---------------------------------------------------------------- follow-up across quarters and years


def test_the_next_quarter_lists_open_actions_to_update_done_late_or_dropped(kpi_a, head_a):
    q2 = red_quarter(kpi_a, head_a)
    first = explain(head_a, q2)
    second = commitments.add_commitment(
        head_a, q2, action="จ้างที่ปรึกษา", owner="ผอ.", due_date="2023-05-31", now=IN_Q2
    )
    actions.submit_report(head_a, q2, now=IN_Q2)
    in_q3 = at(dt.date(2023, 5, 10))
    q3 = actions.get_quarter(kpi_a, 3)
    assert {c.pk for c in commitments.to_follow_up(q3)} == {first.pk, second.pk}
    assert commitments.to_follow_up(q2) == []  # its own are listed as made here, not to follow up

    commitments.update_commitment(head_a, first, on=q3, status="done", now=in_q3)
    commitments.update_commitment(
        head_a,
        second,
        on=q3,
        status="late",
        note="รอสัญญา",
        due_date="2023-08-31",
        version=second.version,
        now=in_q3,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "done" and first.closed_at is not None
    assert second.status == "late" and second.due_date == dt.date(2023, 8, 31) and second.reason == "รอสัญญา"
    assert [c.pk for c in commitments.to_follow_up(q3)] == [second.pk]  # late stays open
    history = list(CommitmentUpdate.objects.filter(commitment=second).values_list("status", "quarter_report"))
    assert history == [("open", q2.pk), ("late", q3.pk)]
    assert AuditEvent.objects.filter(action="commitment.update").count() == 2


def test_dropping_an_action_needs_a_reason(kpi_a, head_a):
    q2 = red_quarter(kpi_a, head_a)
    commitment = explain(head_a, q2)
    with pytest.raises(ActionError) as info:
        commitments.update_commitment(head_a, commitment, on=q2, status="dropped", note=" ", now=IN_Q2)
    assert info.value.field == "note"
    commitment.refresh_from_db()
    assert commitment.status == "open" and commitment.updates.count() == 1


def test_a_stale_follow_up_is_refused(kpi_a, head_a):
    q2 = red_quarter(kpi_a, head_a)
    commitment = explain(head_a, q2)
    commitments.update_commitment(head_a, commitment, on=q2, status="late", version=1, now=IN_Q2)
    with pytest.raises(ActionError) as info:
        commitments.update_commitment(head_a, commitment, on=q2, status="done", version=1, now=IN_Q2)
    assert info.value.field == "commitment"


def test_an_action_of_another_kpi_is_not_updated_on_this_form(kpi_a, make_indicator, agency_a, head_a):
    q2 = red_quarter(kpi_a, head_a)
    commitment = explain(head_a, q2)
    other = actions.get_quarter(make_indicator(agency_a), 3)
    with pytest.raises(ActionError):
        commitments.update_commitment(head_a, commitment, on=other, status="done", now=IN_Q2)


def test_open_actions_follow_the_kpi_into_its_successor_year(kpi_a, make_indicator, agency_a, head_a):
    q4 = red_quarter(kpi_a, head_a, quarter=4, planned="80", result="20", now=IN_Q2)
    open_one = explain(head_a, q4)
    done_one = commitments.add_commitment(
        head_a, q4, action="อบรม", owner="ผอ.", due_date="2023-09-30", now=IN_Q2
    )
    commitments.update_commitment(head_a, done_one, on=q4, status="done", now=IN_Q2)
    next_year = FiscalYear.objects.create(year=2567)
    successor = make_indicator(agency_a, fiscal_year=next_year, carried_from=kpi_a)
    q1_next = actions.get_quarter(successor, 1)
    assert [c.pk for c in commitments.to_follow_up(q1_next)] == [open_one.pk]
    in_next_q1 = at(dt.date(2023, 11, 20))
    commitments.update_commitment(head_a, open_one, on=q1_next, status="done", now=in_next_q1)
    open_one.refresh_from_db()
    assert open_one.status == "done"
    assert open_one.updates.last().quarter_report == q1_next
    assert commitments.to_follow_up(q1_next) == []


def test_the_dashboards_count_open_and_overdue_actions_per_agency(kpi_a, kpi_b, head_a, agency_b):
    q2 = red_quarter(kpi_a, head_a)
    explain(head_a, q2)
    commitments.add_commitment(head_a, q2, action="ข", owner="ผอ.", due_date="2023-03-01", now=IN_Q2)
    late = commitments.add_commitment(head_a, q2, action="ค", owner="ผอ.", due_date="2023-03-10", now=IN_Q2)
    done = commitments.add_commitment(head_a, q2, action="ง", owner="ผอ.", due_date="2023-03-05", now=IN_Q2)
    commitments.update_commitment(head_a, late, on=q2, status="late", now=IN_Q2)
    commitments.update_commitment(head_a, done, on=q2, status="done", now=IN_Q2)
    counts = commitments.counts_by_agency(None, dt.date(2023, 4, 1))
    assert {k: (v["code"], v["open"], v["overdue"]) for k, v in counts.items()} == {
        kpi_a.agency_id: ("0409", 3, 2)
    }
    assert commitments.counts_by_agency({agency_b.pk}, dt.date(2023, 4, 1)) == {}
