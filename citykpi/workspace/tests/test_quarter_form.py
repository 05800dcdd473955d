"""The reporter's quarter form: the year at a glance (plan, earlier results), the scale,
the deadline with days left, quality warnings after a save, who submits, the narrative
box, evidence removal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from citykpi.evaluation import actions as evaluation
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import pdf_upload

S = QuarterReport.Status
COMPONENTS = {"2.1": "90", "2.2": "100"}


def url(kpi, quarter=1):
    return reverse("workspace:quarter", args=[kpi.code, quarter])


def assessed_q1(kpi, head, evaluator, result="40"):
    report = reporting.get_quarter(kpi, 1)
    reporting.save_report(head, report, result=result, narrative="ไตรมาสแรก", version=report.version)
    reporting.submit_report(head, report)
    evaluation.assess(evaluator, report, score="90", components=COMPONENTS)
    return report


def test_the_form_shows_this_quarters_plan_and_the_earlier_results(
    kpi_a, head_a, evaluator, reporter_a, login
):
    assessed_q1(kpi_a, head_a, evaluator, result="40")
    q2 = reporting.get_quarter(kpi_a, 2)
    QuarterReport.objects.filter(pk=q2.pk).update(planned_target=Decimal("55"))
    response = login(reporter_a).get(url(kpi_a, 2))
    assert response.context["planned_target"] == Decimal("55")
    assert response.context["previous_best"] == Decimal("40")
    assert [r["result"] for r in response.context["overview"]] == [Decimal("40"), None, None, None]
    page = response.content.decode()
    assert 'id="planned-target">55<' in page
    assert 'id="previous-best"' in page and "ผลงานสะสมไม่ควรต่ำกว่านี้" in page
    assert "0–100" in page  # the percent unit's scale


def test_the_deadline_says_how_many_days_are_left(kpi_a, reporter_a, current_year, login):
    current_year.q1_deadline = timezone.localdate() + dt.timedelta(days=2)
    current_year.save()
    response = login(reporter_a).get(url(kpi_a))
    assert response.context["days_left"] == 2
    page = response.content.decode()
    assert "เหลืออีก 2 วัน" in page and 'class="soon"' in page


def test_the_deadline_today_is_said_plainly(kpi_a, reporter_a, current_year, login):
    current_year.q1_deadline = timezone.localdate()
    current_year.save()
    assert "ครบกำหนดวันนี้" in login(reporter_a).get(url(kpi_a)).content.decode()


def test_a_cumulative_result_that_goes_down_is_saved_with_a_warning_shown(
    kpi_a, head_a, evaluator, reporter_a, login
):
    assessed_q1(kpi_a, head_a, evaluator, result="40")
    client = login(reporter_a)
    response = client.post(
        url(kpi_a, 2), {"action": "save", "result": "30", "narrative": "ลดลง", "version": 1}, follow=True
    )
    assert QuarterReport.objects.get(indicator=kpi_a, quarter=2).result == Decimal("30")
    page = response.content.decode()
    assert "บันทึกร่างแล้ว" in page
    assert "โปรดตรวจสอบ" in page and "ผลงานสะสมไม่ควรลดลง" in page


def test_a_save_without_doubts_shows_no_warning(kpi_a, reporter_a, login):
    response = login(reporter_a).post(
        url(kpi_a), {"action": "save", "result": "30", "narrative": "", "version": 1}, follow=True
    )
    assert "โปรดตรวจสอบ" not in response.content.decode()


def test_a_reporter_who_may_not_submit_is_told_who_does(kpi_a, reporter_a, head_a, login):
    head_a.first_name, head_a.last_name = "สมศรี", "ผู้บริหาร"
    head_a.save()
    page = login(reporter_a).get(url(kpi_a)).content.decode()
    assert 'id="who-submits"' in page and "ผู้บริหารหน่วยงานเป็นผู้ส่ง" in page and "สมศรี ผู้บริหาร" in page


def test_the_head_sees_the_submit_button_and_no_who_submits_note(kpi_a, head_a, login):
    page = login(head_a).get(url(kpi_a)).content.decode()
    assert 'value="submit"' in page and 'id="who-submits"' not in page


def test_where_reporters_may_submit_the_reporter_gets_the_button(kpi_a, agency_a, reporter_a, login):
    agency_a.reporter_may_submit = True
    agency_a.save()
    page = login(reporter_a).get(url(kpi_a)).content.decode()
    assert 'value="submit"' in page and 'id="who-submits"' not in page


def test_the_narrative_box_is_tall(kpi_a, reporter_a, login):
    page = login(reporter_a).get(url(kpi_a)).content.decode()
    assert '<textarea id="id_narrative" name="narrative" rows="14">' in page


def test_the_reporter_removes_an_evidence_file_from_the_list(kpi_a, reporter_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    evidence = reporting.add_evidence(reporter_a, report, pdf_upload("ผิดไฟล์.pdf"))
    client = login(reporter_a)
    page = client.get(url(kpi_a)).content.decode()
    assert "ผิดไฟล์.pdf" in page and 'name="action" value="remove_evidence"' in page
    response = client.post(url(kpi_a), {"action": "remove_evidence", "evidence": evidence.pk}, follow=True)
    assert "นำหลักฐานออกแล้ว" in response.content.decode()
    assert "ผิดไฟล์.pdf" not in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.is_removed


def test_the_quarter_forms_queries_stay_bounded(
    kpi_a, head_a, evaluator, reporter_a, login, django_assert_max_num_queries
):
    assessed_q1(kpi_a, head_a, evaluator)
    client = login(reporter_a)
    with django_assert_max_num_queries(12):
        assert client.get(url(kpi_a, 2)).status_code == 200


def test_a_returned_quarter_past_its_deadline_is_not_shown_as_overdue(
    kpi_a, head_a, evaluator, reporter_a, current_year, login
):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="20", narrative="", version=report.version)
    reporting.submit_report(head_a, report)
    evaluation.return_report(evaluator, report, reason="แก้ตัวเลข")
    current_year.q1_deadline = timezone.localdate() - dt.timedelta(days=5)
    current_year.save()
    page = login(reporter_a).get(url(kpi_a)).content.decode()
    assert 'id="quarter-form"' in page  # returned: still open for the agency
    assert "เลยกำหนดมาแล้ว" not in page


def test_a_closed_draft_says_how_long_ago_the_deadline_passed(kpi_a, reporter_a, current_year, login):
    current_year.q1_deadline = timezone.localdate() - dt.timedelta(days=3)
    current_year.save()
    page = login(reporter_a).get(url(kpi_a)).content.decode()
    assert "เลยกำหนดมาแล้ว 3 วัน" in page and 'id="quarter-form"' not in page
