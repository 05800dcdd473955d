"""The quarter form and the assessment page with a red quarter (#15): the causes and
corrective actions sections, the refused submit, the follow-up of earlier actions, the
claims beside their evidence, and the staff dashboard's open and overdue counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from citykpi.indicators.models import Indicator
from citykpi.reporting import actions as reporting
from citykpi.reporting import claims, commitments
from citykpi.reporting.models import Cause, Claim, Commitment, QuarterReport

S = QuarterReport.Status


def url(kpi, quarter=1):
    return reverse("workspace:quarter", args=[kpi.code, quarter])


def red_q1(kpi, actor) -> QuarterReport:
    report = reporting.get_quarter(kpi, 1)
    QuarterReport.objects.filter(pk=report.pk).update(planned_target=Decimal("40"))
    report.refresh_from_db()
    reporting.save_report(actor, report, result="10", narrative="ล่าช้า", version=report.version)
    report.refresh_from_db()
    return report


def due(days: int = 30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_a_red_quarter_shows_what_it_needs_and_the_submit_is_refused_with_nothing_saved(kpi_a, head_a, login):
    report = red_q1(kpi_a, head_a)
    client = login(head_a)
    page = client.get(url(kpi_a)).content.decode()
    assert 'id="explain"' in page and 'id="red-note"' in page and 'id="cause-form"' in page
    response = client.post(
        url(kpi_a),
        {"action": "submit", "confirm": "1", "result": "12", "narrative": "ล่าช้า", "version": report.version},
    )
    assert response.status_code == 400
    assert "สาเหตุ" in response.context["error"].message_th
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.result == Decimal("10")  # the save rolled back with it


def test_the_head_explains_the_red_quarter_on_the_form_then_submits(kpi_a, head_a, login):
    report = red_q1(kpi_a, head_a)
    client = login(head_a)
    response = client.post(url(kpi_a), {"action": "add_cause", "category": "weather", "detail": "ฝนตกหนัก"})
    assert response.status_code == 302
    cause = Cause.objects.get(quarter_report=report)
    response = client.post(
        url(kpi_a),
        {
            "action": "add_commitment",
            "action_text": "เร่งงานภาคสนาม",
            "owner": "หัวหน้าฝ่ายโยธา",
            "due_date": due(),
            "cause": cause.pk,
        },
    )
    assert response.status_code == 302
    assert Commitment.objects.get(quarter_report=report).cause == cause
    page = client.get(url(kpi_a)).content.decode()
    assert "เร่งงานภาคสนาม" in page and "หัวหน้าฝ่ายโยธา" in page and "ฝนตกหนัก" in page
    report.refresh_from_db()
    response = client.post(
        url(kpi_a),
        {"action": "submit", "confirm": "1", "result": "10", "narrative": "ล่าช้า", "version": report.version},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_a_bad_corrective_action_is_a_400_naming_the_field_not_a_500(kpi_a, head_a, login):
    red_q1(kpi_a, head_a)
    response = login(head_a).post(
        url(kpi_a), {"action": "add_commitment", "action_text": "ก", "owner": "ข", "due_date": "พรุ่งนี้"}
    )
    assert response.status_code == 400
    assert response.context["error"].field == "due_date"
    response = login(head_a).post(url(kpi_a), {"action": "update_commitment", "commitment": "x'1"})
    assert response.status_code == 400
    assert not Commitment.objects.exists()


def test_the_executive_may_not_post_causes(kpi_a, head_a, executive, login):
    red_q1(kpi_a, head_a)
    response = login(executive).post(url(kpi_a), {"action": "add_cause", "category": "budget"})
    assert response.status_code == 403
    assert not Cause.objects.exists()


def test_the_next_quarters_form_lists_the_open_actions_to_update(kpi_a, head_a, login):
    report = red_q1(kpi_a, head_a)
    commitments.add_cause(head_a, report, category="budget")
    commitment = commitments.add_commitment(
        head_a, report, action="ขอโอนงบประมาณ", owner="ผอ.กองคลัง", due_date=due()
    )
    reporting.submit_report(head_a, report)
    client = login(head_a)
    page = client.get(url(kpi_a, 2)).content.decode()
    assert 'id="follow-up"' in page and "ขอโอนงบประมาณ" in page
    response = client.post(
        url(kpi_a, 2),
        {
            "action": "update_commitment",
            "commitment": commitment.pk,
            "commitment_version": commitment.version,
            "commitment_status": "done",
        },
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done"
    page = client.get(url(kpi_a, 2)).content.decode()
    assert "updated-here" in page  # the update stays visible on the form it was made on


def test_the_evaluator_sees_causes_actions_and_claims_beside_their_evidence(
    make_indicator, agency_a, current_year, unit_level, head_a, evaluator, login
):
    kpi = make_indicator(
        agency_a,
        fiscal_year=current_year,
        unit=unit_level,
        target=Decimal(5),
        scoring_method=Indicator.Method.MILESTONE,
    )
    report = reporting.get_quarter(kpi, 1)
    QuarterReport.objects.filter(pk=report.pk).update(planned_target=Decimal("2"))
    report.refresh_from_db()
    reporting.save_report(head_a, report, result="1", narrative="ระดับ 1", version=report.version)
    report.refresh_from_db()
    assert reporting.needs_explanation(report)  # level 1 of a planned 2: 50 % of plan
    commitments.add_cause(head_a, report, category="staffing", detail="ผู้รับผิดชอบย้าย")
    commitments.add_commitment(head_a, report, action="มอบหมายผู้รักษาการ", owner="หัวหน้าฝ่าย", due_date=due())
    claims.add_claim(
        head_a,
        report,
        statement="ตั้งคณะทำงานแล้ว",
        level="1",
        letter_number="กท ๖๙๐๙/๑๑๑๖",
        letter_date=(timezone.localdate() - dt.timedelta(days=3)).isoformat(),
    )
    reporting.submit_report(head_a, report)
    page = login(evaluator).get(reverse("workspace:assess", args=[kpi.code, 1])).content.decode()
    assert "ผู้รับผิดชอบย้าย" in page and "มอบหมายผู้รักษาการ" in page
    assert "กท 6909/1116" in page and "ตั้งคณะทำงานแล้ว" in page
    assert (
        'id="claim-form"' not in page and 'id="cause-form"' not in page
    )  # the evaluator reads, does not edit
    assert Claim.objects.count() == 1


def test_the_staff_dashboard_counts_open_and_overdue_actions(kpi_a, head_a, evaluator, login):
    report = red_q1(kpi_a, head_a)
    commitments.add_commitment(head_a, report, action="ก", owner="ข", due_date=due(10))
    overdue = commitments.add_commitment(head_a, report, action="ค", owner="ง", due_date=due(1))
    Commitment.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    response = login(evaluator).get("/dashboard/staff/")
    assert response.context["commitments_total"] == {"open": 2, "overdue": 1, "agencies": 1}
    page = response.content.decode()
    assert 'id="commitments-overdue">1<' in page and kpi_a.agency.code in page
