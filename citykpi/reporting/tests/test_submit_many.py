"""reporting.actions.submit_many (the head's "submit all ready"): one submit_report per
quarter in one transaction; any refusal submits nothing and names the KPI at fault."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from citykpi.audit.models import AuditEvent
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.reporting import actions
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import AFTER_Q2_DEADLINE, IN_Q2

S = QuarterReport.Status


def drafted(kpi, user, quarter=2, result="40"):
    report = actions.get_quarter(kpi, quarter)
    actions.save_report(user, report, result=result, narrative="ร่าง", version=report.version, now=IN_Q2)
    return report


def test_the_head_submits_every_selected_quarter_with_one_audit_row_each(
    make_indicator, agency_a, head_a, reporter_a
):
    reports = [drafted(make_indicator(agency_a), reporter_a) for _ in range(3)]
    done = actions.submit_many(head_a, {r.pk: r.version for r in reports}, now=IN_Q2)
    assert sorted(r.pk for r in done) == sorted(r.pk for r in reports)
    assert set(QuarterReport.objects.values_list("status", flat=True)) == {S.SUBMITTED}
    assert AuditEvent.objects.filter(action="report.submit").count() == 3
    assert all(r.submitted_by == head_a for r in QuarterReport.objects.all())


def test_one_stale_version_submits_nothing_and_names_the_kpi(make_indicator, agency_a, head_a, reporter_a):
    first = drafted(make_indicator(agency_a), reporter_a)
    second = drafted(make_indicator(agency_a), reporter_a)
    seen = {first.pk: first.version, second.pk: second.version}
    # The reporter changes the second one after the head looked.
    actions.save_report(reporter_a, second, result="45", narrative="แก้", version=second.version, now=IN_Q2)
    with pytest.raises(ConflictError) as info:
        actions.submit_many(head_a, seen, now=IN_Q2)
    assert info.value.current["code"] == second.indicator.code
    assert not QuarterReport.objects.filter(status=S.SUBMITTED).exists()
    assert not AuditEvent.objects.filter(action="report.submit").exists()


def test_a_quarter_without_a_result_refuses_the_whole_batch_with_its_code(
    make_indicator, agency_a, head_a, reporter_a
):
    ready = drafted(make_indicator(agency_a), reporter_a)
    empty = drafted(make_indicator(agency_a), reporter_a, result="")
    with pytest.raises(ActionError) as info:
        actions.submit_many(head_a, {ready.pk: ready.version, empty.pk: empty.version}, now=IN_Q2)
    assert empty.indicator.code in info.value.message_th and empty.indicator.code in info.value.message_en
    assert info.value.field == "result"
    assert QuarterReport.objects.get(pk=ready.pk).status == S.DRAFT


def test_after_the_deadline_nothing_is_submitted(make_indicator, agency_a, head_a, reporter_a):
    report = drafted(make_indicator(agency_a), reporter_a)
    with pytest.raises(ActionError):
        actions.submit_many(head_a, {report.pk: report.version}, now=AFTER_Q2_DEADLINE)
    assert QuarterReport.objects.get(pk=report.pk).status == S.DRAFT


def test_a_reporter_without_the_submit_right_is_refused(make_indicator, agency_a, reporter_a):
    report = drafted(make_indicator(agency_a), reporter_a)
    with pytest.raises(PermissionDenied):
        actions.submit_many(reporter_a, {report.pk: report.version}, now=IN_Q2)


def test_another_agencys_quarter_is_not_found(make_indicator, agency_a, agency_b, reporter_a, head_a):
    from citykpi.accounts.models import Role
    from citykpi.conftest import _user

    head_b = _user("head-b", Role.HEAD, agency_b)
    report = drafted(make_indicator(agency_a), reporter_a)
    with pytest.raises(Http404):
        actions.submit_many(head_b, {report.pk: report.version}, now=IN_Q2)
    assert QuarterReport.objects.get(pk=report.pk).status == S.DRAFT


def test_an_empty_selection_is_refused_with_a_message(head_a):
    with pytest.raises(ActionError) as info:
        actions.submit_many(head_a, {}, now=IN_Q2)
    assert info.value.field == "reports"


def test_is_ready_needs_a_result_an_open_form_and_a_submittable_status(kpi_a, reporter_a):
    report = drafted(kpi_a, reporter_a)
    assert actions.is_ready(report, IN_Q2.date())
    assert not actions.is_ready(report, AFTER_Q2_DEADLINE.date())
    blank = drafted(kpi_a, reporter_a, quarter=3, result="")
    assert not actions.is_ready(blank, IN_Q2.date())
