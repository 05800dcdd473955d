"""reporting.actions: save, evidence, submit; permissions, deadlines, versions, audit rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from citykpi.audit.models import AuditEvent
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.reporting import actions
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.signals import report_changed
from citykpi.reporting.tests.conftest import AFTER_Q2_DEADLINE, BEFORE_Q2_DEADLINE, IN_Q2

S = QuarterReport.Status


def save(actor, report, result="50", narrative="ผลงาน", now=IN_Q2, **kw):
    return actions.save_report(
        actor, report, result=result, narrative=narrative, version=report.version, now=now, **kw
    )


def test_get_quarter_creates_a_not_started_row_once(kpi_a):
    first = actions.get_quarter(kpi_a, 2)
    again = actions.get_quarter(kpi_a, 2)
    assert first.pk == again.pk
    assert first.status == S.NOT_STARTED
    assert first.definition_version == kpi_a.definition_version


def test_get_quarter_refuses_a_fifth_quarter(kpi_a):
    with pytest.raises(ActionError) as info:
        actions.get_quarter(kpi_a, 5)
    assert info.value.field == "quarter"


def test_reporter_saves_a_draft_with_thai_digits_and_an_audit_row(kpi_a, reporter_a):
    report = actions.get_quarter(kpi_a, 2)
    save(reporter_a, report, result="๗๕.๕", narrative="  ประชุมคณะทำงาน  ")
    report.refresh_from_db()
    assert report.result == Decimal("75.5")
    assert report.narrative == "ประชุมคณะทำงาน"
    assert report.status == S.DRAFT
    assert report.version == 2
    assert report.updated_by == reporter_a
    event = AuditEvent.objects.get(action="report.save")
    assert event.actor == reporter_a
    assert event.indicator_code == kpi_a.code
    assert event.before["status"] == "not_started" and event.after["status"] == "draft"
    assert event.after["result"] == "75.5000" or Decimal(event.after["result"]) == Decimal("75.5")


def test_reporter_cannot_edit_another_agencys_kpi(kpi_b, reporter_a):
    report = actions.get_quarter(kpi_b, 2)
    with pytest.raises(Http404):
        save(reporter_a, report)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["evaluator", "executive"])
def test_citywide_roles_may_not_enter_results(kpi_a, persona, request):
    report = actions.get_quarter(kpi_a, 2)
    with pytest.raises(PermissionDenied):
        save(request.getfixturevalue(persona), report)


def test_anonymous_user_is_refused(kpi_a):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        save(AnonymousUser(), actions.get_quarter(kpi_a, 2))


@pytest.mark.parametrize(
    ("value", "unit_fixture"),
    [
        ("101", "unit_percent"),
        ("-1", "unit_percent"),
        ("6", "unit_level"),
        ("abc", "unit_percent"),
        ("1.00001", "unit_percent"),
    ],
)
def test_results_outside_the_units_scale_are_refused_naming_the_field(
    make_indicator, agency_a, reporter_a, value, unit_fixture, request
):
    kpi = make_indicator(agency_a, unit=request.getfixturevalue(unit_fixture))
    report = actions.get_quarter(kpi, 2)
    with pytest.raises(ActionError) as info:
        save(reporter_a, report, result=value)
    assert info.value.field == "result"
    assert info.value.message_th and info.value.message_en
    report.refresh_from_db()
    assert report.result is None and report.version == 1


def test_percent_over_100_is_accepted_where_the_unit_allows_it(make_indicator, agency_a, reporter_a):
    from citykpi.indicators.models import Unit

    unit = Unit.objects.create(
        name_th="ร้อยละที่เพิ่มขึ้น", kind=Unit.Kind.PERCENT, scale_min=0, scale_max=100, allows_over_100=True
    )
    report = actions.get_quarter(make_indicator(agency_a, unit=unit), 2)
    save(reporter_a, report, result="135.5")
    assert report.result == Decimal("135.5")


def test_a_stale_version_gets_a_conflict_and_the_first_change_stands(kpi_a, reporter_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    mine = QuarterReport.objects.get(pk=report.pk)
    theirs = QuarterReport.objects.get(pk=report.pk)
    actions.save_report(head_a, theirs, result="60", narrative="ของหัวหน้า", version=1, now=IN_Q2)
    with pytest.raises(ConflictError) as info:
        actions.save_report(reporter_a, mine, result="10", narrative="ของผู้รายงาน", version=1, now=IN_Q2)
    current = info.value.current
    assert current["result"] == "60" and current["narrative"] == "ของหัวหน้า"
    assert current["updated_by"] == "head-a" and current["version"] == 2 and current["updated_at"]
    report.refresh_from_db()
    assert report.result == Decimal("60") and report.narrative == "ของหัวหน้า"
    assert AuditEvent.objects.filter(action="report.save").count() == 1


def test_the_form_closes_after_the_deadline(kpi_a, reporter_a):
    report = actions.get_quarter(kpi_a, 2)
    save(reporter_a, report, now=BEFORE_Q2_DEADLINE)
    with pytest.raises(ActionError) as info:
        save(reporter_a, report, now=AFTER_Q2_DEADLINE)
    assert "15 เมษายน 2566" in info.value.message_th


def test_head_submits_and_the_signal_fires_after_commit(
    kpi_a, reporter_a, head_a, django_capture_on_commit_callbacks
):
    seen = []
    report_changed.connect(lambda **kw: seen.append(kw["action"]), weak=False, dispatch_uid="t-submit")
    try:
        report = actions.get_quarter(kpi_a, 2)
        save(reporter_a, report)
        with django_capture_on_commit_callbacks(execute=True):
            actions.submit_report(head_a, report, version=report.version, now=IN_Q2)
    finally:
        report_changed.disconnect(dispatch_uid="t-submit")
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.submitted_by == head_a and report.submitted_at == IN_Q2
    assert seen == ["submit"]
    event = AuditEvent.objects.get(action="report.submit")
    assert event.before["status"] == "draft" and event.after["status"] == "submitted"


def test_reporter_cannot_submit_unless_the_agency_allows_it(kpi_a, reporter_a, agency_a):
    report = actions.get_quarter(kpi_a, 2)
    save(reporter_a, report)
    with pytest.raises(PermissionDenied):
        actions.submit_report(reporter_a, report, now=IN_Q2)
    agency_a.reporter_may_submit = True
    agency_a.save()
    kpi_a.agency.refresh_from_db()
    actions.submit_report(reporter_a, report, now=IN_Q2)
    assert report.status == S.SUBMITTED


def test_nothing_to_submit_on_a_quarter_not_started(kpi_a, head_a):
    with pytest.raises(ActionError) as info:
        actions.submit_report(head_a, actions.get_quarter(kpi_a, 2), now=IN_Q2)
    assert info.value.field == "result"


def test_a_draft_without_a_result_cannot_be_submitted(kpi_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    save(head_a, report, result="")
    with pytest.raises(ActionError) as info:
        actions.submit_report(head_a, report, now=IN_Q2)
    assert info.value.field == "result"


def test_a_submitted_quarter_cannot_be_edited_or_submitted_again(kpi_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    save(head_a, report)
    actions.submit_report(head_a, report, now=IN_Q2)
    with pytest.raises(ActionError) as edit:
        save(head_a, report)
    with pytest.raises(ActionError) as again:
        actions.submit_report(head_a, report, now=IN_Q2)
    assert edit.value.field == again.value.field == "status"
    assert "ส่งแล้ว" in edit.value.message_th and "Submitted" in edit.value.message_en


def test_submit_after_the_deadline_is_refused(kpi_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    save(head_a, report, now=BEFORE_Q2_DEADLINE)
    with pytest.raises(ActionError):
        actions.submit_report(head_a, report, now=AFTER_Q2_DEADLINE)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_at_the_same_version_cannot_both_win(kpi_a, reporter_a, head_a):
    """The row lock makes the second writer wait and then see the new version."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock is PostgreSQL's")
    report = actions.get_quarter(kpi_a, 2)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(user, value):
        try:
            copy = QuarterReport.objects.get(pk=report.pk)
            barrier.wait()
            actions.save_report(user, copy, result=value, narrative=value, version=1, now=IN_Q2)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u, v)) for u, v in ((reporter_a, "10"), (head_a, "20"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    report.refresh_from_db()
    assert report.version == 2
    assert AuditEvent.objects.filter(action="report.save").count() == 1
