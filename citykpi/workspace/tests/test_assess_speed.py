"""The evaluator at speed (issue #14.1) and the conversation on the staff pages (#14.2):
the queue opens on the current round with each row's suggested score, the components start
from the suggested score, every error shows beside its own field, the bulk assessment of
on-plan quarters in one confirmed step, the thread forms and the inbox's attention list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.discussion.models import Entry
from citykpi.evaluation import actions as evaluation
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

S = QuarterReport.Status


def submitted(kpi, head, result="40", planned="40", quarter=1):
    report = reporting.get_quarter(kpi, quarter)
    if planned is not None:
        QuarterReport.objects.filter(pk=report.pk).update(planned_target=Decimal(planned))
        report.refresh_from_db()
    reporting.save_report(head, report, result=result, narrative="ตามแผน", version=report.version)
    reporting.submit_report(head, report)
    return report


@pytest.fixture
def old_year(db):
    return FiscalYear.objects.create(year=2561)


def test_the_queue_opens_on_the_current_round_not_on_every_year(
    make_indicator, agency_a, current_year, old_year, head_a, evaluator, login
):
    now = submitted(make_indicator(agency_a, fiscal_year=current_year), head_a)
    old = make_indicator(agency_a, fiscal_year=old_year)
    stale = reporting.get_quarter(old, 1)
    QuarterReport.objects.filter(pk=stale.pk).update(
        status=S.SUBMITTED, result=Decimal("1"), submitted_at=dt.datetime(2018, 1, 5, tzinfo=dt.UTC)
    )
    client = login(evaluator)
    page = client.get(reverse("workspace:queue"))
    assert [r.pk for r in page.context["page"]] == [now.pk]
    html = page.content.decode()
    assert f"ปีงบประมาณ {current_year.year} ไตรมาสที่ 1" in html and 'id="all-years"' in html
    every = client.get(reverse("workspace:queue"), {"year": "all", "quarter": "all"})
    assert {r.pk for r in every.context["page"]} == {now.pk, stale.pk}


def test_each_queue_row_shows_its_suggested_score_and_only_on_plan_rows_can_be_ticked(
    make_indicator, agency_a, current_year, head_a, evaluator, login
):
    on_plan = submitted(make_indicator(agency_a, fiscal_year=current_year), head_a, result="40", planned="40")
    behind = submitted(make_indicator(agency_a, fiscal_year=current_year), head_a, result="40", planned=None)
    html = login(evaluator).get(reverse("workspace:queue")).content.decode()
    assert f'id="pick-{on_plan.pk}"' in html and f'id="pick-{behind.pk}"' not in html
    assert "ตามแผน" in html and 'id="assess-selected"' in html and "work.js" in html


def test_the_components_start_from_the_suggested_score_with_its_reasoning(kpi_a, head_a, evaluator, login):
    submitted(kpi_a, head_a, result="38", planned="40")
    html = login(evaluator).get(reverse("workspace:assess", args=[kpi_a.code, 1])).content.decode()
    assert 'name="component_2.1" inputmode="decimal" value="95"' in html
    assert 'name="component_2.2" inputmode="decimal" value="95"' in html
    assert 'id="components-why"' in html and 'accesskey="n"' in html


def test_every_error_shows_at_once_beside_its_own_field(kpi_a, head_a, evaluator, login):
    submitted(kpi_a, head_a)
    response = login(evaluator).post(
        reverse("workspace:assess", args=[kpi_a.code, 1]),
        {"action": "assess", "version": "3", "score": "abc", "component_2.1": "", "component_2.2": "150"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="score-error"' in html
    first = html.index('id="component-error-1"')
    assert html.index('name="component_2.1"') < first < html.index('name="component_2.2"')
    assert "กรุณากรอกคะแนนองค์ประกอบ 2.1" in html[first : html.index('name="component_2.2"')]
    assert "ต้องอยู่ระหว่าง 0 ถึง 100" in html[html.index('name="component_2.2"') :]
    assert not Assessment.objects.exists()


def test_the_bulk_step_shows_how_many_and_which_scores_and_saves_nothing_until_confirmed(
    make_indicator, agency_a, current_year, head_a, evaluator, login
):
    reports = [
        submitted(make_indicator(agency_a, fiscal_year=current_year), head_a, result="40", planned="40")
        for _ in range(3)
    ]
    client = login(evaluator)
    url = reverse("workspace:assess_selected")
    confirm = client.post(url, {"report": [r.pk for r in reports], "next": "agency=0409"})
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "จะบันทึกผลประเมิน 3 รายการ" in html and html.count('name="score_') == 3
    assert not Assessment.objects.exists()
    post = {"confirm": "1", "next": "agency=0409", "report": [r.pk for r in reports]}
    for r in reports:
        post[f"version_{r.pk}"] = str(QuarterReport.objects.get(pk=r.pk).version)
        post[f"score_{r.pk}"] = "100"
    done = client.post(url, post)
    assert done.status_code == 302 and done["Location"].endswith("?agency=0409")
    assert Assessment.objects.filter(score=Decimal("100")).count() == 3
    assert AuditEvent.objects.filter(action="report.assess").count() == 3


def test_an_executive_may_not_bulk_assess_and_nothing_changes(
    make_indicator, agency_a, current_year, head_a, executive, login
):
    report = submitted(make_indicator(agency_a, fiscal_year=current_year), head_a)
    response = login(executive).post(
        reverse("workspace:assess_selected"),
        {"confirm": "1", "report": [report.pk], f"version_{report.pk}": "3", f"score_{report.pk}": "100"},
    )
    assert response.status_code == 403 and not Assessment.objects.exists()


def test_the_head_sends_a_draft_back_from_the_quarter_page_and_the_reporter_sees_it(
    kpi_a, reporter_a, head_a, login, client
):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(reporter_a, report, result="20", narrative="ร่าง", version=report.version)
    head = login(head_a)
    page = head.get(reverse("workspace:quarter", args=[kpi_a.code, 1])).content.decode()
    assert 'id="return-draft"' in page
    response = head.post(
        reverse("workspace:thread", args=[kpi_a.code, 1]),
        {
            "action": "return_draft",
            "text": "เพิ่มตัวเลขงบประมาณ",
            "back": "quarter",
            "version": report.version + 0,
        },
    )
    assert response["Location"].endswith(f"/work/kpi/{kpi_a.code}/q/1/#thread")
    assert Entry.objects.get().text == "เพิ่มตัวเลขงบประมาณ"
    client.logout()
    reporter = login(reporter_a)
    inbox = reporter.get(reverse("workspace:inbox")).content.decode()
    assert 'id="attention"' in inbox and "เพิ่มตัวเลขงบประมาณ" in inbox
    quarter = reporter.get(reverse("workspace:quarter", args=[kpi_a.code, 1])).content.decode()
    assert "เพิ่มตัวเลขงบประมาณ" in quarter and 'id="return-draft"' not in quarter


def test_a_comment_posted_from_the_assess_page_goes_back_to_it_with_the_queue_filters(
    kpi_a, head_a, evaluator, login
):
    submitted(kpi_a, head_a)
    response = login(evaluator).post(
        reverse("workspace:thread", args=[kpi_a.code, 1]),
        {"text": "ขอหลักฐานเพิ่ม", "back": "assess", "next": "agency=0409"},
    )
    assert response["Location"] == f"/work/kpi/{kpi_a.code}/q/1/assess/?next=agency%3D0409#thread"
    assert Entry.objects.get().role == Entry.Role.EVALUATOR


def test_the_thread_post_refuses_an_executive_and_another_agency(
    kpi_a, head_a, executive, reporter_b, login, client
):
    submitted(kpi_a, head_a)
    url = reverse("workspace:thread", args=[kpi_a.code, 1])
    assert login(executive).post(url, {"text": "x"}).status_code == 403
    client.logout()
    assert login(reporter_b).post(url, {"text": "x"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not Entry.objects.exists()


def test_the_evaluator_sees_the_reason_and_what_changed_after_a_resubmission(kpi_a, head_a, evaluator, login):
    report = submitted(kpi_a, head_a, result="50.5", planned="50")
    evaluation.return_report(evaluator, report, reason="ผลงานไม่ตรงหลักฐาน")
    reporting.save_report(head_a, report, result="52", narrative="ตามแผน แก้แล้ว", version=report.version)
    reporting.submit_report(head_a, report)
    html = login(evaluator).get(reverse("workspace:assess", args=[kpi_a.code, 1])).content.decode()
    assert 'id="changes-since-return"' in html and "ผลงานไม่ตรงหลักฐาน" in html
    assert 'id="result-change"' in html and "50.5" in html and 'id="narrative-change"' in html
    inbox = login(evaluator).get(reverse("workspace:inbox")).content.decode()
    assert "ส่งใหม่" in inbox
